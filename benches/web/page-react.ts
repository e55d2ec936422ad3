/// <reference lib="dom" />
// React 19 + react-dom in the same browser: js-framework-benchmark's keyed React shape (memo'd
// rows, closures per row, as benches/fx/driver-react.ts), rendered synchronously with
// `flushSync`, production build.
import { createElement, memo } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import { type Row, RowStore } from "../fx/rows-model.js";
import { expose } from "./page.js";

interface RowProps {
  readonly item: Row;
  readonly selected: boolean;
  readonly onSelect: (id: number) => void;
  readonly onRemove: (id: number) => void;
}

const RowView = memo(
  function RowView({ item, selected, onSelect, onRemove }: RowProps) {
    return createElement(
      "tr",
      { className: selected ? "danger" : "" },
      createElement("td", { className: "col-md-1" }, item.id),
      createElement(
        "td",
        { className: "col-md-4" },
        createElement("a", { onClick: () => onSelect(item.id) }, item.label),
      ),
      createElement(
        "td",
        { className: "col-md-1" },
        createElement(
          "a",
          { onClick: () => onRemove(item.id) },
          createElement("span", { className: "glyphicon glyphicon-remove", "aria-hidden": "true" }),
        ),
      ),
      createElement("td", { className: "col-md-6" }),
    );
  },
  (a, b) => a.item === b.item && a.selected === b.selected,
);

interface AppProps {
  readonly rows: readonly Row[];
  readonly selected: number;
  readonly onSelect: (id: number) => void;
  readonly onRemove: (id: number) => void;
}

function App({ rows, selected, onSelect, onRemove }: AppProps) {
  return createElement(
    "table",
    { className: "table table-hover table-striped test-data" },
    createElement(
      "tbody",
      null,
      rows.map((item) =>
        createElement(RowView, {
          key: item.id,
          item,
          selected: item.id === selected,
          onSelect,
          onRemove,
        }),
      ),
    ),
  );
}

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
