// The child component: one counter. It renders what its parent passes as props ({label, count})
// and, when a button is clicked, yields `changed` with {label, delta} back to the parent
// (loop:fx/host.emit). It keeps no count of its own: the parent owns the state.
import { button, defineComponent, div, span } from "@loop-kit/sdk";

interface Props {
  label: string;
  count: number;
}

export const component = defineComponent<null, Props>({
  initial: null,
  render: (_state, props) =>
    div(
      { class: "counter" },
      span({ class: "label" }, props.label),
      button({ class: "dec", on: { click: "dec" } }, "-"),
      span({ class: "count" }, props.count),
      button({ class: "inc", on: { click: "inc" } }, "+"),
    ),
  handlers: {
    inc: (_state, _payload, ctx) => {
      ctx.emit("changed", { label: ctx.props.label, delta: 1 });
      return undefined;
    },
    dec: (_state, _payload, ctx) => {
      ctx.emit("changed", { label: ctx.props.label, delta: -1 });
      return undefined;
    },
  },
});
