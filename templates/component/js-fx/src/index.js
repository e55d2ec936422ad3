// A loop:fx UI component: `render` describes the view for the current state, each handler
// returns the next state; the host diffs the views and updates whatever renders them (a headless
// tree, or the DOM). Every instance of the component is its own sandbox, with its own state.
import { button, defineComponent, div, h1, span } from "@loop-kit/sdk";

const NAME = "{{name}}";

export const component = defineComponent({
  initial: { count: 0 },
  render: (s) =>
    div(
      { class: "counter" },
      h1(null, NAME),
      button({ id: "dec", on: { click: "dec" } }, "-"),
      span({ id: "count" }, s.count),
      button({ id: "inc", on: { click: "inc" } }, "+"),
    ),
  handlers: {
    inc: (s) => ({ count: s.count + 1 }),
    dec: (s) => ({ count: s.count - 1 }),
  },
});
