/// <reference lib="dom" />
// In-browser mode as `loop pack --web` runs an app: the row table as the Rust fx component of
// benches/fx/guests/rows, transpiled by jco, instantiated by @loop-kit/web-host's driver, the
// reconciler and the DOM renderer. An op is a `handle` call into the component carrying the op
// as JSON, then a flush: `render` crosses the jco boundary (the whole flat view), the diff runs
// on fresh nodes, and the patches go to the DOM.
import * as shim from "@bytecodealliance/preview2-shim";
// Aliased by the bench to the transpiled component (benches/.cache/web/rows/rows.js).
import { instantiate } from "loop-bench-rows";
import { DomRenderer } from "../../packages/dom/src/index.js";
import {
  type ComponentDriver,
  type ComponentInstance,
  FxRuntime,
} from "../../packages/fx/src/index.js";
import { type JcoInstantiate, webHostDriver } from "../../packages/web-host/src/index.js";
import { expose } from "./page.js";

const inner = webHostDriver({
  components: { rows: { instantiate: instantiate as JcoInstantiate, base: "./rows/" } },
  shim,
});
let rows: ComponentInstance | null = null;
const driver: ComponentDriver = {
  async instantiate(name, fiberId, host) {
    const instance = await inner.instantiate(name, fiberId, host);
    if (fiberId === 1) rows = instance;
    return instance;
  },
};
const renderer = new DomRenderer(document.getElementById("app") as HTMLElement);
const rt = new FxRuntime({ root: "rows", driver, onPatches: (batch) => renderer.apply(batch) });

expose({
  name: "wasm",
  init: () => rt.start(),
  run(op) {
    (rows as ComponentInstance).handle({ handler: "op", payload: JSON.stringify(op) });
    rt.flushSync();
  },
});
