// loop:fx driver: the row table as a plain-JS fx component, the pure reconciler, and the headless
// renderer applying every patch to an in-memory tree.
import {
  type FxNode,
  FxRuntime,
  HeadlessDom,
  type HostApi,
  jsDriver,
  type Listener,
  type View,
} from "@loop-kit/fx";
import type { Row, RowsDriver, RowsOp } from "./rows-model.js";
import { RowStore } from "./rows-model.js";

const NONE: readonly never[] = [];

// The ten nodes of one row, built the way a component author would write them: fresh objects
// each time (as React allocates elements and props on every render).
function pushRow(out: FxNode[], row: Row, selected: boolean): void {
  const id = String(row.id);
  const select: Listener[] = [{ event: "click", handler: `select:${id}` }];
  const remove: Listener[] = [{ event: "click", handler: `remove:${id}` }];
  out.push(
    {
      kind: "element",
      tag: "tr",
      key: id,
      attrs: [{ name: "class", value: selected ? "danger" : "" }],
      listeners: NONE,
      childCount: 4,
    },
    {
      kind: "element",
      tag: "td",
      key: null,
      attrs: [{ name: "class", value: "col-md-1" }],
      listeners: NONE,
      childCount: 1,
    },
    { kind: "text", text: id },
    {
      kind: "element",
      tag: "td",
      key: null,
      attrs: [{ name: "class", value: "col-md-4" }],
      listeners: NONE,
      childCount: 1,
    },
    { kind: "element", tag: "a", key: null, attrs: NONE, listeners: select, childCount: 1 },
    { kind: "text", text: row.label },
    {
      kind: "element",
      tag: "td",
      key: null,
      attrs: [{ name: "class", value: "col-md-1" }],
      listeners: NONE,
      childCount: 1,
    },
    { kind: "element", tag: "a", key: null, attrs: NONE, listeners: remove, childCount: 1 },
    {
      kind: "element",
      tag: "span",
      key: null,
      attrs: [
        { name: "class", value: "glyphicon glyphicon-remove" },
        { name: "aria-hidden", value: "true" },
      ],
      listeners: NONE,
      childCount: 0,
    },
    {
      kind: "element",
      tag: "td",
      key: null,
      attrs: [{ name: "class", value: "col-md-6" }],
      listeners: NONE,
      childCount: 0,
    },
  );
}

/**
 * The row-table component. With `memo`, a row's nodes are reused while its row object and
 * selection are unchanged: the fx counterpart of React's `memo(Row)`, which the React driver uses.
 * Last render's rows are found by position, following the offset an insert or removal shifts
 * them by, with a lookup map built only on a miss.
 */
export function rowTable(store: RowStore, memo: boolean) {
  return (host: HostApi) => {
    let prevRows: readonly Row[] = [];
    let prevSel: boolean[] = [];
    let prevNodes: FxNode[][] = [];
    const find = (rows: readonly Row[], row: Row, lookup: Map<Row, number> | null) => {
      let m = lookup;
      if (m === null) {
        m = new Map();
        for (let k = 0; k < rows.length; k++) m.set(rows[k] as Row, k);
      }
      return { at: m.get(row) ?? -1, lookup: m };
    };
    return {
      render(): View {
        const rows = store.rows;
        const sel = store.selected;
        const out: FxNode[] = [
          {
            kind: "element",
            tag: "table",
            key: null,
            attrs: [{ name: "class", value: "table table-hover table-striped test-data" }],
            listeners: NONE,
            childCount: 1,
          },
          {
            kind: "element",
            tag: "tbody",
            key: null,
            attrs: NONE,
            listeners: NONE,
            childCount: rows.length,
          },
        ];
        if (!memo) {
          for (let i = 0; i < rows.length; i++) {
            const row = rows[i] as Row;
            pushRow(out, row, row.id === sel);
          }
          return out;
        }
        const nextSel = new Array<boolean>(rows.length);
        const nextNodes = new Array<FxNode[]>(rows.length);
        // Each row goes in as a nested view: an unchanged row is one reused entry.
        const view: View = out;
        out.length = 2 + rows.length;
        let shift = 0;
        let lookup: Map<Row, number> | null = null;
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i] as Row;
          const selected = row.id === sel;
          let at = i + shift;
          // One row inserted or removed shifts the rest by one: probe there before a lookup.
          if (prevRows[at] !== row && prevRows[at + 1] === row) at = ++shift + i;
          else if (prevRows[at] !== row && prevRows[at - 1] === row) at = --shift + i;
          if (prevRows[at] !== row) {
            // The same row in a new version (an update) needs no search: it is rebuilt.
            if (prevRows[at]?.id === row.id) at = -1;
            else {
              const found = find(prevRows, row, lookup);
              lookup = found.lookup;
              at = found.at;
              if (at >= 0) shift = at - i;
            }
          }
          let nodes: FxNode[];
          if (at >= 0 && prevSel[at] === selected) nodes = prevNodes[at] as FxNode[];
          else {
            nodes = [];
            pushRow(nodes, row, selected);
          }
          nextSel[i] = selected;
          nextNodes[i] = nodes;
          (view as (FxNode | View)[])[2 + i] = nodes;
        }
        prevRows = rows;
        prevSel = nextSel;
        prevNodes = nextNodes;
        return view;
      },
      handle(e: { handler: string }): void {
        const colon = e.handler.indexOf(":");
        const id = Number(e.handler.slice(colon + 1));
        const index = store.rows.findIndex((r) => r.id === id);
        if (e.handler.startsWith("select:")) store.apply({ kind: "select", index });
        else if (e.handler.startsWith("remove:")) store.apply({ kind: "remove", index });
        host.invalidate();
      },
    };
  };
}

/** The loop:fx driver (`memo`: reuse unchanged rows' nodes, like React's memo(Row)). */
export function fxDriver(memo = true): RowsDriver & { dom: HeadlessDom; rt: FxRuntime } {
  const store = new RowStore();
  const dom = new HeadlessDom();
  let host: HostApi | null = null;
  const table = rowTable(store, memo);
  const rt = new FxRuntime({
    root: "rows",
    driver: jsDriver({
      rows: (h) => {
        host = h;
        return table(h);
      },
    }),
    onPatches: (ps) => dom.apply(ps),
  });
  return {
    name: memo ? "fx" : "fx-nomemo",
    dom,
    rt,
    init: () => rt.startSync(),
    run(op: RowsOp) {
      store.apply(op);
      (host as HostApi).invalidate();
      rt.flushSync();
    },
    html: () => dom.toHtml(),
    dispose: () => rt.dispose(),
  };
}
