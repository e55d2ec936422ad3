// Shared by the control tests: builds the Rust fixtures with the real `loop` CLI (once per test
// process) and finds the repository's loop-host.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

const built = new Map<string, Promise<string>>();

/** `loop component build <dir> --json` (dir relative to the repository root) → the .wasm. */
export function buildFixture(dir: string): Promise<string> {
  let wasm = built.get(dir);
  if (wasm === undefined) {
    wasm = new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(repoRoot, "packages/cli/bin/loop.js"), "component", "build", dir, "--json"],
        { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      child.once("error", reject);
      child.once("close", (code) => {
        try {
          assert.equal(code, 0, `building ${dir} failed:\n${stderr}`);
          resolve((JSON.parse(stdout) as { wasm: string }).wasm);
        } catch (err) {
          reject(err);
        }
      });
    });
    built.set(dir, wasm);
  }
  return wasm;
}
