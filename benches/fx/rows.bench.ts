// js-framework-benchmark operations on a row table: loop:fx's pure reconciler vs React 19's.
//
//   node --import tsx benches/fx/rows.bench.ts [--quick] [--op PREFIX] [--driver FILE]...
//        [--only fx,fx-nomemo,react,wasm] [--runs N] [--verbose]
//
// Fairness choices:
// - Same data: every driver keeps its state in the same RowStore (seeded labels, immutable rows);
//   the timed region of every op includes that state change.
// - Same host: both build and mutate the same in-memory node type (`HNode`, DOM-like linked
//   children). React's host config creates/inserts/removes/updates those nodes directly; fx emits
//   patches and the headless renderer applies them, including the id table a patch stream needs.
// - Same idioms: React uses js-framework-benchmark's keyed shape (memo'd Row, closures per row);
//   the fx component reuses an unchanged row's nodes (its memo). "fx-nomemo" rebuilds every node
//   on every render, as a component behind a wasm boundary must; it shows the reconciler alone.
// - Shipped code: loop:fx is imported as `@loop-kit/fx`, the package's compiled JavaScript
//   (`npm run build`), as React is its production build. (Loading the TypeScript source through
//   tsx instead adds its keep-names transform, a defineProperty call per closure created.)
// - Synchronous: React renders with updateContainerSync + flushSyncWork (what flushSync does);
//   fx with flushSync. Production builds (NODE_ENV is set before React loads; checked).
// - Isolated heaps: each driver runs in its own worker thread (V8 isolate), so GC work is paid by
//   the driver that caused it. Each iteration: a full GC, the untimed setup op (which also warms
//   caches: right after a full GC everything is cold), two minor GCs (so the setup's young tree
//   is not copied during the timed op), then the timed op, timed in the worker. Drivers take turns every iteration so a noisy neighbour (the
//   machine is shared) hits all of them; warm-up iterations are discarded; medians reported.
// - Fresh isolates per run: one isolate's JIT and heap layout can make a driver 20-50% slower
//   for its whole life, so the script runs `--runs N` times (default 3), each with new workers,
//   and reports per operation the median over runs of each run's median (and of each run's
//   ratio, which pairs drivers measured side by side).
// - Every driver's HTML is compared after each op of a fixed script before timing starts.
//
// - "wasm" runs the table as a Rust fx component in loop-host (driver-wasm.ts): every op crosses
//   the control protocol (handle, invalidate, render with the whole view as JSON), so its
//   column is the reconciler plus the boundary.
//
// Plug in another driver with --driver FILE: a module exporting
// `createDriver(): RowsDriver | Promise<RowsDriver>` (see rows-model.ts).

import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { Worker } from "node:worker_threads";
import { CASES, type RowsOp } from "./rows-model.js";
import type { WorkerReply, WorkerRequest } from "./rows-worker.js";

// V8 flags are process-wide: set before the workers' isolates exist, they get `gc()`.
setFlagsFromString("--expose-gc");
if (process.env.FX_BENCH_SEMI)
  setFlagsFromString(`--min-semi-space-size=${process.env.FX_BENCH_SEMI}`);

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const values = (name: string) =>
  args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1] as string] : []));
const quick = flag("--quick");
const runs = Math.max(1, Number(values("--runs")[0] ?? (quick ? 1 : 3)) || 1);
const verbose = flag("--verbose");
const opPrefix = values("--op")[0];
const only = values("--only")[0]?.split(",") ?? null;
// "wasm": the same table as a Rust component in loop-host, through the control protocol
// (driver-wasm.ts); `--only fx,fx-nomemo,react` leaves it out.
const specs = ["fx", "fx-nomemo", "react", "wasm", ...values("--driver")].filter(
  (s) => only === null || only.includes(s),
);

const here = path.dirname(fileURLToPath(import.meta.url));
const workerUrl = new URL("./rows-worker.ts", import.meta.url).href;
const tsxApi = import.meta.resolve("tsx/esm/api");

class Remote {
  name = "";
  private readonly worker: Worker;
  private pending: ((r: WorkerReply) => void)[] = [];

  constructor(spec: string, ready: (r: Remote) => void, fail: (e: Error) => void) {
    // tsx's loader does not follow into workers on its own: register it first, then load.
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); })`;
    this.worker = new Worker(boot, { eval: true, workerData: spec });
    let first = true;
    this.worker.on("message", (r: WorkerReply) => {
      if (first) {
        first = false;
        if (r.ok) {
          this.name = r.name ?? spec;
          ready(this);
        } else fail(new Error(r.error));
        return;
      }
      this.pending.shift()?.(r);
    });
    this.worker.on("error", fail);
  }

  call(req: WorkerRequest): Promise<WorkerReply & { ok: true }> {
    return new Promise((resolve, reject) => {
      this.pending.push((r) => (r.ok ? resolve(r) : reject(new Error(`${this.name}: ${r.error}`))));
      this.worker.postMessage(req);
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

function start(spec: string): Promise<Remote> {
  return new Promise((resolve, reject) => {
    new Remote(spec, resolve, reject);
  });
}

// One run: fresh workers, the cross-check, then every case; per-case medians and ratios.
async function runOnce(): Promise<{ names: string[]; results: Result[] }> {
  const remotes: Remote[] = [];
  for (const s of specs) remotes.push(await start(s));

  // Cross-check: every driver must produce the same HTML after each step of a script.
  {
    const script: RowsOp[] = [
      { kind: "run", n: 1000 },
      { kind: "update", every: 10 },
      { kind: "select", index: 1 },
      { kind: "swap", a: 1, b: 998 },
      { kind: "remove", index: 3 },
      { kind: "add", n: 1000 },
      { kind: "select", index: 5 },
      { kind: "run", n: 1000 },
      { kind: "clear" },
      { kind: "run", n: 10000 },
      { kind: "clear" },
    ];
    for (const op of script) {
      const htmls: string[] = [];
      for (const r of remotes) {
        await r.call({ type: "run", op });
        htmls.push((await r.call({ type: "html" })).html ?? "");
      }
      for (let i = 1; i < remotes.length; i++)
        if (htmls[i] !== htmls[0])
          throw new Error(
            `${remotes[i]?.name} and ${remotes[0]?.name} disagree after ${JSON.stringify(op)}`,
          );
    }
  }

  const warmup = quick ? 2 : 5;
  const results: Result[] = [];
  for (const c of CASES.filter((x) => opPrefix === undefined || x.name.startsWith(opPrefix))) {
    const samples = new Map<string, number[]>(remotes.map((r) => [r.name, []]));
    const n = warmup + (quick ? Math.max(3, c.iterations >> 3) : c.iterations);
    for (let i = 0; i < n; i++) {
      for (const r of remotes) {
        const { ms } = await r.call({ type: "time", setup: c.setup, op: c.op });
        if (i >= warmup) samples.get(r.name)?.push(ms ?? Number.NaN);
      }
    }
    const medians: Record<string, number> = {};
    const spread: Record<string, [number, number, number]> = {};
    for (const [name, xs] of samples) {
      medians[name] = median(xs);
      const s = [...xs].sort((a, b) => a - b);
      const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
      spread[name] = [at(0), at(0.25), at(0.75)];
    }
    const ratios: Record<string, number> = {};
    const base = medians.react;
    if (base !== undefined)
      for (const [name, m] of Object.entries(medians))
        if (name !== "react") ratios[name] = m / base;
    results.push({ op: c.name, iterations: n - warmup, medians, ratios, spread });
    process.stderr.write(verbose ? `${c.name}: ${JSON.stringify(spread)}\n` : ".");
  }
  for (const r of remotes) {
    await r.call({ type: "dispose" });
    await r.terminate();
  }
  return { names: remotes.map((r) => r.name), results };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Result {
  op: string;
  iterations: number;
  medians: Record<string, number>;
  ratios: Record<string, number>;
  /** min / 25th / 75th percentile per driver, to judge the noise. */
  spread: Record<string, [number, number, number]>;
}

/** One operation over all runs: medians of the runs' medians and ratios, and each run's ratios. */
interface Summary {
  op: string;
  medians: Record<string, number>;
  ratios: Record<string, number>;
  runRatios: Record<string, number[]>;
  runs: Result[];
}

const perRun: Result[][] = [];
let names: string[] = [];
for (let k = 0; k < runs; k++) {
  const r = await runOnce();
  names = r.names;
  perRun.push(r.results);
  process.stderr.write(k + 1 < runs ? " | " : "\n");
}
const summaries: Summary[] = (perRun[0] ?? []).map((first, c) => {
  const all = perRun.map((rs) => rs[c] as Result);
  const medians: Record<string, number> = {};
  for (const n of Object.keys(first.medians))
    medians[n] = median(all.map((r) => r.medians[n] as number));
  const ratios: Record<string, number> = {};
  const runRatios: Record<string, number[]> = {};
  for (const n of Object.keys(first.ratios)) {
    runRatios[n] = all.map((r) => r.ratios[n] as number);
    ratios[n] = median(runRatios[n]);
  }
  return { op: first.op, medians, ratios, runRatios, runs: all };
});

const others = names.filter((n) => n !== "react");
const fmt = (x: number | undefined) =>
  x === undefined ? "–" : x < 1 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(1);
let table = `| operation | ${names.map((n) => `${n} (ms)`).join(" | ")} | ${others.map((n) => `${n} / react`).join(" | ")} |\n`;
table += `|---|${names.map(() => "---:").join("|")}|${others.map(() => "---:").join("|")}|\n`;
for (const r of summaries) {
  table += `| ${r.op} | ${names.map((n) => fmt(r.medians[n])).join(" | ")} | ${others
    .map((n) => {
      const x = r.ratios[n];
      if (x === undefined) return "–";
      const each = r.runRatios[n] ?? [];
      const range =
        each.length > 1 ? ` (${Math.min(...each).toFixed(2)}–${Math.max(...each).toFixed(2)})` : "";
      return `${x.toFixed(2)}×${range}`;
    })
    .join(" | ")} |\n`;
}
const cpu = os.cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpu}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()}, load ${os.loadavg()[0]?.toFixed(1)}`;
const over = runs > 1 ? `, median of ${runs} runs in fresh workers; ratio range over runs` : "";
process.stdout.write(`\nmedian ms per operation (${machine}${over})\n\n${table}`);

const out = path.join(here, "..", "results", "fx-rows.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ bench: "fx-rows", date: new Date().toISOString(), machine, quick, runs, results: summaries }, null, 2)}\n`,
);
process.stdout.write(`\nwrote ${path.relative(process.cwd(), out)}\n`);
