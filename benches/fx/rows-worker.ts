// One driver in its own worker thread (its own V8 isolate and heap), so one driver's garbage and
// live tree never show up in another's collections. Driven by rows.bench.ts over messages.
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parentPort, workerData } from "node:worker_threads";
import type { CreateDriver, RowsDriver, RowsOp } from "./rows-model.js";

/** A request from the orchestrator. */
export type WorkerRequest =
  | { readonly type: "run"; readonly op: RowsOp }
  | { readonly type: "html" }
  | { readonly type: "time"; readonly setup: readonly RowsOp[]; readonly op: RowsOp }
  | { readonly type: "dispose" };

/** What the worker answers: a name, html, elapsed ms, or an error message. */
export type WorkerReply =
  | { readonly ok: true; readonly name?: string; readonly html?: string; readonly ms?: number }
  | { readonly ok: false; readonly error: string };

process.env.NODE_ENV = "production";
const gc = (globalThis as { gc?: (options?: { type: "minor" | "major" }) => void }).gc;
if (typeof gc !== "function") throw new Error("gc is not exposed in the worker");

const spec = workerData as string;
let driver: RowsDriver;
if (spec === "fx" || spec === "fx-nomemo") {
  const { fxDriver } = await import("./driver-fx.js");
  driver = fxDriver(spec === "fx");
} else if (spec === "react") {
  const { reactDriver } = await import("./driver-react.js");
  driver = reactDriver();
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  if (!loaded.some((f) => f.endsWith("react-reconciler.production.js")))
    throw new Error("React's development build was loaded; the comparison would be unfair");
} else if (spec === "wasm") {
  const { createDriver } = await import("./driver-wasm.js");
  driver = await createDriver();
} else {
  const mod = (await import(pathToFileURL(path.resolve(spec)).href)) as {
    createDriver?: CreateDriver;
  };
  if (typeof mod.createDriver !== "function")
    throw new Error(`${spec} does not export createDriver()`);
  driver = await mod.createDriver();
}
await driver.init();

const port = parentPort;
if (port === null) throw new Error("rows-worker.ts runs as a worker of rows.bench.ts");

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  switch (req.type) {
    case "run":
      await driver.run(req.op);
      return { ok: true };
    case "html":
      return { ok: true, html: await driver.html() };
    case "time": {
      // Collect first, then the untimed setup: the timed op starts with little garbage left
      // from earlier iterations, and with warm caches (right after a full GC even
      // performance.now() takes microseconds, which would swamp the small ops). Two minor GCs
      // then move the setup's fresh tree out of the young generation, so copying it is not
      // charged to whichever op happens to trigger the next scavenge.
      const collect = gc as (options?: { type: "minor" | "major" }) => void;
      collect();
      for (const s of req.setup) await driver.run(s);
      collect({ type: "minor" });
      collect({ type: "minor" });
      const t0 = performance.now();
      const r = driver.run(req.op);
      // Only await real promises: an extra microtask turn would land in the timed region.
      if (r !== undefined) await r;
      return { ok: true, ms: performance.now() - t0 };
    }
    case "dispose":
      await driver.dispose?.();
      return { ok: true };
  }
}

port.on("message", (req: WorkerRequest) => {
  handle(req).then(
    (reply) => port.postMessage(reply),
    (e: unknown) =>
      port.postMessage({
        ok: false,
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      }),
  );
});
port.postMessage({ ok: true, name: driver.name } satisfies WorkerReply);
