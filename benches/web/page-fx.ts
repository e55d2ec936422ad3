/// <reference lib="dom" />
// In-browser loop:fx with a plain-JS component: the row table of benches/fx/driver-fx.ts, the
// @loop-kit/fx reconciler and @loop-kit/dom's DomRenderer applying every patch to the page.
// `?memo=0` rebuilds every node on every render (the path a wasm component's views take).
import { DomRenderer } from "../../packages/dom/src/index.js";
import { FxRuntime, type HostApi, jsDriver } from "../../packages/fx/src/index.js";
import { rowTable } from "../fx/driver-fx.js";
import { RowStore } from "../fx/rows-model.js";
import { expose } from "./page.js";

const memo = new URLSearchParams(location.search).get("memo") !== "0";
const store = new RowStore();
const table = rowTable(store, memo);
let host: HostApi | null = null;
const renderer = new DomRenderer(document.getElementById("app") as HTMLElement);
const rt = new FxRuntime({
  root: "rows",
  driver: jsDriver({
    rows: (h) => {
      host = h;
      return table(h);
    },
  }),
  onPatches: (batch) => renderer.apply(batch),
});

expose({
  name: memo ? "fx" : "fx-nomemo",
  init: () => rt.startSync(),
  run(op) {
    store.apply(op);
    (host as HostApi).invalidate();
    rt.flushSync();
  },
});
