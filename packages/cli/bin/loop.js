#!/usr/bin/env node
// Thin launcher so the `loop` bin exists before the TypeScript is compiled.
import("../dist/main.js").catch((err) => {
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
