// The js-framework-benchmark data model, shared by every driver so they all do the same state
// work: rows of { id, label }, one selected id, labels from the benchmark's word lists.

/** One table row. Rows are immutable: an update makes a new object (what React's memo relies on). */
export interface Row {
  readonly id: number;
  readonly label: string;
}

/** The operations of the benchmark, as commands a driver executes. */
export type RowsOp =
  | { readonly kind: "run"; readonly n: number } // replace all rows with n new ones
  | { readonly kind: "add"; readonly n: number } // append n rows
  | { readonly kind: "update"; readonly every: number } // append " !!!" to every nth label
  | { readonly kind: "select"; readonly index: number }
  | { readonly kind: "swap"; readonly a: number; readonly b: number }
  | { readonly kind: "remove"; readonly index: number }
  | { readonly kind: "clear" };

/**
 * One way of running the row table: a reconciler plus a host tree. `run` must leave the host
 * tree fully updated before it returns (or resolves), so the time it takes is the whole op.
 */
export interface RowsDriver {
  /** Column name in the results table. */
  readonly name: string;
  /** Mounts the app with no rows. */
  init(): void | Promise<void>;
  /** Executes one op: state change, render, diff, host mutations. */
  run(op: RowsOp): void | Promise<void>;
  /** HTML of the host tree (for the cross-check, not timed). */
  html(): string | Promise<string>;
  /** Releases everything. */
  dispose?(): void | Promise<void>;
}

/** What a driver module plugged in with `--driver FILE` exports. */
export type CreateDriver = () => RowsDriver | Promise<RowsDriver>;

const ADJECTIVES = [
  "pretty",
  "large",
  "big",
  "small",
  "tall",
  "short",
  "long",
  "handsome",
  "plain",
  "quaint",
  "clean",
  "elegant",
  "easy",
  "angry",
  "crazy",
  "helpful",
  "mushy",
  "odd",
  "unsightly",
  "adorable",
  "important",
  "inexpensive",
  "cheap",
  "expensive",
  "fancy",
];
const COLOURS = [
  "red",
  "yellow",
  "blue",
  "green",
  "pink",
  "brown",
  "purple",
  "brown",
  "white",
  "black",
  "orange",
];
const NOUNS = [
  "table",
  "chair",
  "house",
  "bbq",
  "desk",
  "car",
  "pony",
  "cookie",
  "sandwich",
  "burger",
  "pizza",
  "mouse",
  "keyboard",
];

/** The state every driver keeps: rows, the selected id, and a seeded label generator. */
export class RowStore {
  rows: Row[] = [];
  selected = 0;
  private nextId = 1;
  private seed: number;

  constructor(seed = 42) {
    this.seed = seed >>> 0;
  }

  // mulberry32: a seeded PRNG, so every driver builds the same labels.
  private random(n: number): number {
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) | 0;
  }

  private build(n: number): Row[] {
    const out = new Array<Row>(n);
    for (let i = 0; i < n; i++) {
      out[i] = {
        id: this.nextId++,
        label: `${ADJECTIVES[this.random(ADJECTIVES.length)]} ${COLOURS[this.random(COLOURS.length)]} ${NOUNS[this.random(NOUNS.length)]}`,
      };
    }
    return out;
  }

  /** Applies an op to the state (immutably: changed rows and the list are new objects). */
  apply(op: RowsOp): void {
    switch (op.kind) {
      case "run":
        this.rows = this.build(op.n);
        this.selected = 0;
        return;
      case "add":
        this.rows = this.rows.concat(this.build(op.n));
        return;
      case "update": {
        const rows = this.rows.slice();
        for (let i = 0; i < rows.length; i += op.every) {
          const r = rows[i] as Row;
          rows[i] = { id: r.id, label: `${r.label} !!!` };
        }
        this.rows = rows;
        return;
      }
      case "select":
        this.selected = this.rows[op.index]?.id ?? 0;
        return;
      case "swap": {
        if (this.rows.length <= Math.max(op.a, op.b)) return;
        const rows = this.rows.slice();
        const t = rows[op.a] as Row;
        rows[op.a] = rows[op.b] as Row;
        rows[op.b] = t;
        this.rows = rows;
        return;
      }
      case "remove":
        this.rows = this.rows.filter((_, i) => i !== op.index);
        return;
      case "clear":
        this.rows = [];
        this.selected = 0;
        return;
    }
  }
}

/** One benchmark operation: optional untimed setup ops, then the timed op. */
export interface BenchCase {
  readonly name: string;
  readonly setup: readonly RowsOp[];
  readonly op: RowsOp;
  /** Timed iterations after warm-up (bigger ops take fewer). */
  readonly iterations: number;
}

/** The nine js-framework-benchmark operations. */
export const CASES: readonly BenchCase[] = [
  {
    name: "create 1,000 rows",
    setup: [{ kind: "clear" }],
    op: { kind: "run", n: 1000 },
    iterations: 40,
  },
  {
    name: "replace all 1,000 rows",
    setup: [{ kind: "run", n: 1000 }],
    op: { kind: "run", n: 1000 },
    iterations: 40,
  },
  {
    name: "update every 10th row (1,000)",
    setup: [{ kind: "run", n: 1000 }],
    op: { kind: "update", every: 10 },
    iterations: 60,
  },
  {
    name: "select row",
    setup: [{ kind: "run", n: 1000 }],
    op: { kind: "select", index: 1 },
    iterations: 60,
  },
  {
    name: "swap rows 2 and 999",
    setup: [{ kind: "run", n: 1000 }],
    op: { kind: "swap", a: 1, b: 998 },
    iterations: 60,
  },
  {
    name: "remove row",
    setup: [{ kind: "run", n: 1000 }],
    op: { kind: "remove", index: 3 },
    iterations: 60,
  },
  {
    name: "create 10,000 rows",
    setup: [{ kind: "clear" }],
    op: { kind: "run", n: 10000 },
    iterations: 12,
  },
  {
    name: "append 1,000 to 1,000 rows",
    setup: [{ kind: "run", n: 1000 }],
    op: { kind: "add", n: 1000 },
    iterations: 30,
  },
  {
    name: "clear 1,000 rows",
    setup: [{ kind: "run", n: 1000 }],
    op: { kind: "clear" },
    iterations: 40,
  },
];
