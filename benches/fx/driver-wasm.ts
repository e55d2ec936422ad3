// loop:fx through a wasm component, boundary included: the row table as a Rust fx component
// (benches/fx/guests/rows, loop_sdk::fx) running in `loop-host control`, driven through the
// control protocol by the same reconciler and headless renderer as the `fx` drivers.
//
// One op: `handle({handler: "op", payload: <op JSON>})` into the guest (it applies the op to
// its own copy of rows-model.ts's RowStore: same seeded labels, so the HTML cross-check holds),
// the `invalidate` event back, then a flush: `render` across the protocol (the whole flat view
// as JSON), `viewFromWit`, the keyed diff (the full-compare path: a wasm component's nodes are
// fresh every render, as in fx-nomemo) and HeadlessDom applying the patches.
//
//   node --import tsx benches/fx/rows.bench.ts --only fx-nomemo,react,wasm
//
// The component is built with `loop component build benches/fx/guests/rows` on first use
// ($FX_ROWS_WASM names a prebuilt one instead).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { FxRuntime, HeadlessDom } from "@loop-kit/fx";
import { ControlClient, FX_HANDLE, loopHostDriver } from "@loop-kit/host-client";
import type { RowsDriver, RowsOp } from "./rows-model.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The rows guest, built if needed. */
export function rowsWasm(): string {
  const given = process.env.FX_ROWS_WASM;
  if (given) return given;
  const res = spawnSync(
    process.execPath,
    ["packages/cli/bin/loop.js", "component", "build", "benches/fx/guests/rows", "--json"],
    { cwd: root, encoding: "utf8" },
  );
  if (res.status !== 0) throw new Error(`building benches/fx/guests/rows failed:\n${res.stderr}`);
  return (JSON.parse(res.stdout) as { wasm: string }).wasm;
}

export async function createDriver(): Promise<RowsDriver> {
  const wasm = rowsWasm();
  const client = new ControlClient({ stderr: "inherit" });
  await client.hello();
  const dom = new HeadlessDom();
  const driver = loopHostDriver(client, () => ({ path: wasm }));
  const rt = new FxRuntime({ driver, root: "rows", onPatches: (b) => dom.apply(b) });
  let instance = 0;
  return {
    name: "wasm",
    async init() {
      await rt.start();
      instance = driver.instanceOf(1) as number;
    },
    async run(op: RowsOp) {
      await client.call(instance, FX_HANDLE, [{ handler: "op", payload: JSON.stringify(op) }]);
      await rt.flush();
    },
    html: () => dom.toHtml(),
    async dispose() {
      rt.dispose();
      await client.shutdown();
    },
  };
}
