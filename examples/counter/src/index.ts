// The counter example in TypeScript: one loop:fx component with state and click handlers.
// `loop run --events clicks.log dist/counter.wasm` replays clicks and prints the HTML, which is
// the same as examples/counter-rs gives for the same log. Under `loop dev` it keeps its count
// across edits: `defineReloadable` also exports loop:host/lifecycle (the state, as JSON).
import { button, defineReloadable, div, h1, span } from "@loop-kit/sdk";

interface State {
  count: number;
}

export const { component, lifecycle } = defineReloadable<State>({
  initial: { count: 0 },
  render: (s) =>
    div(
      { class: "counter" },
      h1("Counter"),
      button({ id: "dec", on: { click: "dec" } }, "-"),
      span({ id: "count" }, s.count),
      button({ id: "inc", on: { click: "inc" } }, "+"),
    ),
  handlers: {
    inc: (s) => ({ count: s.count + 1 }),
    dec: (s) => ({ count: s.count - 1 }),
  },
});
