#!/usr/bin/env node
// Thin launcher so the `loop` bin exists before the TypeScript is compiled. It loads the bundled
// CLI (dist/loop.mjs, which imports dist/loop-cli.mjs unless it takes the fast path of
// `loop run FILE`; both written by `npm run build` after `tsc -b`, see scripts/bundle.mjs), or
// tsc's modules (dist/main.js) when there is no bundle or it is older than the last `tsc -b` of
// this package (someone ran tsc alone): slower to start, never stale.
import { statSync } from "node:fs";
import module from "node:module";

// Node >= 22.1 caches compiled code between runs on request; Node 20 has no such API.
try {
  module.enableCompileCache?.();
} catch {
  // A cache that cannot be set up only costs time.
}

function entry() {
  let bundled;
  try {
    bundled = statSync(new URL("../dist/loop.mjs", import.meta.url)).mtimeMs;
  } catch {
    return "../dist/main.js";
  }
  try {
    const compiled = statSync(new URL("../tsconfig.tsbuildinfo", import.meta.url)).mtimeMs;
    if (compiled > bundled) return "../dist/main.js";
  } catch {
    // No build info (an installed package): the bundle is what there is.
  }
  return "../dist/loop.mjs";
}

import(entry()).catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND" && String(err.message).includes("dist/main.js")) {
    console.error(
      "loop: the CLI is not built yet; run `npm run build` (or `npm run setup`) in the loop-kit checkout.",
    );
  } else {
    if (process.env.LOOP_DEBUG && err?.stack) console.error(err.stack);
    console.error(`loop: internal error: ${err?.message ?? err} (set LOOP_DEBUG=1 for the stack)`);
  }
  process.exit(1);
});
