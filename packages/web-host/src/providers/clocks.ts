import { fromShim } from "./types.js";

// `wasi:clocks/*`: the page's clocks (`performance.now`, `Date.now`). A component's UI time is
// `loop:fx/host.now`, the reconciler's virtual clock; these are the standard ones.
export const clocks = fromShim("clocks", "clocks", ["monotonic-clock", "wall-clock"]);
