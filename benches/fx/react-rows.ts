// js-framework-benchmark's keyed React row table (memo'd rows, closures per render), shared by
// the reconciler benchmark (benches/fx/driver-react.ts) and the browser one
// (benches/web/page-react.ts) so that both time the same React code.
import { createElement, memo } from "react";
import type { Row } from "./rows-model.js";

interface RowProps {
  readonly item: Row;
  readonly selected: boolean;
  readonly onSelect: (id: number) => void;
  readonly onRemove: (id: number) => void;
}

// The row, as in js-framework-benchmark's keyed React implementation: memo'd, closures per render.
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
          createElement("span", {
            className: "glyphicon glyphicon-remove",
            "aria-hidden": "true",
          }),
        ),
      ),
      createElement("td", { className: "col-md-6" }),
    );
  },
  (a, b) => a.item === b.item && a.selected === b.selected,
);

export interface AppProps {
  readonly rows: readonly Row[];
  readonly selected: number;
  readonly onSelect: (id: number) => void;
  readonly onRemove: (id: number) => void;
}

/** The table: one memo'd row per item, keyed by id. */
export function App({ rows, selected, onSelect, onRemove }: AppProps) {
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
