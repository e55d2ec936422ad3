// The TS/JS fast path of `loop dev` (the guest bundled by esbuild and run as a module in Node
// against the same WIT imports, no componentize-js) against the componentized build (`--no-fast`:
// componentize-js, run in loop-host): the TypeScript counter, driven by the same clicks, edited
// the same way, gives the same patch stream, the same HTML and the same swap (state kept).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { assertNoStackTrace, tempDir } from "../helpers.js";
import { COUNTER, copyInto, counterHtml, edit, eventsOf, startDev } from "./dev-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  scratch = await tempDir("dev-fast");
});

after(() => scratch?.cleanup());

interface Session {
  artifacts: unknown[];
  htmls: string[];
  patches: string;
  swap: Record<string, unknown>;
}

/** Runs the counter under `loop dev ARGS`: clicks, an edit of its label, a click. */
async function session(name: string, args: string[]): Promise<Session> {
  const dir = await copyInto("counter", join(scratch.dir, name));
  const dev = startDev(["--ui", "headless", ...args], {
    cwd: dir,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache") },
  });
  try {
    await dev.next((e) => e.event === "ready", 0, 600_000);
    const htmls = [await dev.html()];
    for (const node of [COUNTER.inc, COUNTER.inc, COUNTER.dec, COUNTER.inc]) {
      htmls.push(await dev.click(node));
    }
    const from = dev.events.length;
    await edit(join(dir, "src", "index.ts"), 'h1("Counter")', 'h1("Edited")');
    const swap = await dev.next((e) => e.event === "swap" || e.event === "error", from, 600_000);
    assert.equal(swap.event, "swap", JSON.stringify(swap));
    htmls.push(await dev.html());
    htmls.push(await dev.click(COUNTER.inc));
    const patches = eventsOf(dev, "patches")
      .map((e) => String(e.patches))
      .join("");
    const artifacts = eventsOf(dev, "build").map((e) => e.artifact);
    assert.equal(await dev.stop(), 0);
    assertNoStackTrace(dev.stderr());
    const { event: _e, ms: _ms, ...rest } = swap;
    return { artifacts, htmls, patches, swap: rest };
  } finally {
    await dev.stop();
  }
}

test("the fast path and the componentized build give the same patches and HTML", {
  timeout: 900_000,
}, async () => {
  const fast = await session("fast", []);
  const full = await session("full", ["--no-fast"]);
  assert.deepEqual(fast.artifacts, ["module", "module"]);
  assert.deepEqual(full.artifacts, ["wasm", "wasm"]);
  assert.deepEqual(fast.htmls, [
    counterHtml(0),
    counterHtml(1),
    counterHtml(2),
    counterHtml(1),
    counterHtml(2),
    counterHtml(2, "Edited"),
    counterHtml(3, "Edited"),
  ]);
  assert.deepEqual(full.htmls, fast.htmls);
  assert.equal(full.patches, fast.patches);
  assert.deepEqual(full.swap, fast.swap);
  assert.equal(fast.swap.state, "kept");
});
