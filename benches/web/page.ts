/// <reference lib="dom" />
// The in-page half of benches/web/rows-web.bench.ts: every driver page exposes the same
// `window.bench` (init, run, time, html), and the bench drives it through playwright.
import type { RowsOp } from "../fx/rows-model.js";

/** One way of rendering the row table into the page's `#app`. */
export interface PageDriver {
  readonly name: string;
  init(): void | Promise<void>;
  /** Executes one op synchronously: state change, render, DOM updated. */
  run(op: RowsOp): void;
}

export interface Bench {
  readonly name: string;
  ready: Promise<void>;
  run(op: RowsOp): void;
  /**
   * A full GC, the untimed setup ops, two minor GCs, then the timed op. Returns [script, layout]:
   * ms until the DOM is updated, and until a forced style + layout of the page after it.
   */
  time(setup: readonly RowsOp[], op: RowsOp): [number, number];
  html(): string;
}

type Gc = (options?: { type: "minor" | "major" }) => void;

declare global {
  interface Window {
    bench?: Bench;
  }
}

export function expose(driver: PageDriver): void {
  const container = document.getElementById("app") as HTMLElement;
  const gc = (globalThis as { gc?: Gc }).gc;
  const collect: Gc = gc ?? (() => {});
  window.bench = {
    name: driver.name,
    ready: Promise.resolve(driver.init()),
    run: (op) => driver.run(op),
    time(setup, op) {
      collect();
      for (const s of setup) driver.run(s);
      void container.offsetHeight; // the setup's layout is not charged to the op
      collect({ type: "minor" });
      collect({ type: "minor" });
      const t0 = performance.now();
      driver.run(op);
      const t1 = performance.now();
      void container.offsetHeight;
      const t2 = performance.now();
      return [t1 - t0, t2 - t0];
    },
    html: () => container.innerHTML,
  };
}
