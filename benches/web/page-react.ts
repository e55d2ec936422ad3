/// <reference lib="dom" />
// React 19 + react-dom in the same browser: js-framework-benchmark's keyed React shape (memo'd
// rows, closures per row, as benches/fx/driver-react.ts), rendered synchronously with
// `flushSync`, production build.
import { createElement } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import { App } from "../fx/react-rows.js";
import { RowStore } from "../fx/rows-model.js";
import { expose } from "./page.js";

const store = new RowStore();
const root = createRoot(document.getElementById("app") as HTMLElement);
const onSelect = (id: number) => {
  store.apply({ kind: "select", index: store.rows.findIndex((r) => r.id === id) });
  render();
};
const onRemove = (id: number) => {
  store.apply({ kind: "remove", index: store.rows.findIndex((r) => r.id === id) });
  render();
};
function render(): void {
  flushSync(() => {
    root.render(
      createElement(App, { rows: store.rows, selected: store.selected, onSelect, onRemove }),
    );
  });
}

expose({
  name: "react",
  init: render,
  run(op) {
    store.apply(op);
    render();
  },
});
