// `loop run` on loop:fx components, through the real CLI: the TypeScript counter
// (examples/counter) and the Rust one (examples/counter-rs) driven by event logs, printing the
// final HTML; the same log twice gives the same patch stream byte for byte; a recorded run
// replays to the same HTML; both counters agree.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { assertNoStackTrace, buildExample, type RunOptions, runLoop, tempDir } from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let ts: string;
let rust: string;

before(async () => {
  scratch = await tempDir("fx-counter");
  [ts, rust] = await Promise.all([buildExample("counter"), buildExample("counter-rs")]);
});

after(() => scratch.cleanup());

/** `loop ARGS` with this file's own compile cache. */
function loop(args: string[], options: RunOptions = {}) {
  return runLoop(args, {
    ...options,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env },
  });
}

let files = 0;
/** A file in the scratch folder with `text`. */
async function file(text: string, ext = "log"): Promise<string> {
  const path = join(scratch.dir, `f${++files}.${ext}`);
  await writeFile(path, text);
  return path;
}

/** A scratch path nothing exists at yet. */
function outPath(ext: string): string {
  return join(scratch.dir, `out${++files}.${ext}`);
}

const html = (count: number) =>
  `<div class="counter"><h1>Counter</h1><button id="dec">-</button><span id="count">${count}</span><button id="inc">+</button></div>\n`;

// Node ids are the reconciler's, in creation order: div 1, h1 2, "Counter" 3, button#dec 4,
// "-" 5, span 6, "0" 7, button#inc 8, "+" 9.
const CLICKS = `${[
  '{"t":0,"type":"event","node":8,"event":"click","payload":"{}"}',
  '{"t":16,"type":"event","node":8,"event":"click","payload":"{}"}',
  '{"t":32,"type":"event","node":8,"event":"click","payload":"{}"}',
  '{"t":48,"type":"event","node":4,"event":"click","payload":"{}"}',
].join("\n")}\n`;

for (const [name, wasm] of [
  ["TypeScript", () => ts],
  ["Rust", () => rust],
] as const) {
  describe(`the ${name} counter`, () => {
    test("renders headless and prints the HTML", async () => {
      const res = await loop(["run", "--log", "info", wasm()]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, html(0));
      assert.equal(res.stderr, "");
    });

    test("--events: inc three times, dec once", async () => {
      const res = await loop(["run", "--events", await file(CLICKS), wasm()]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, html(2));
      assert.equal(res.stderr, "");
    });

    test("the same log twice gives byte-identical --patches", async () => {
      const log = await file(CLICKS);
      const [a, b] = [outPath("jsonl"), outPath("jsonl")];
      for (const out of [a, b]) {
        const res = await loop(["run", "--events", log, "--patches", out, wasm()]);
        assert.equal(res.code, 0, res.stderr);
      }
      const [pa, pb] = [await readFile(a), await readFile(b)];
      assert.ok(pa.length > 0);
      assert.ok(pa.equals(pb), "the patch streams differ");
      // The first render, then one set-text per click.
      const ops = pa
        .toString()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).op);
      assert.deepEqual(ops.slice(-4), ["set-text", "set-text", "set-text", "set-text"]);
    });

    test("--record, then --events of the record, reproduces the run", async () => {
      const rec = outPath("log");
      const p1 = outPath("jsonl");
      const first = await loop([
        "run",
        "--events",
        await file(CLICKS),
        "--record",
        rec,
        "--patches",
        p1,
        wasm(),
      ]);
      assert.equal(first.code, 0, first.stderr);
      const rec2 = outPath("log");
      const p2 = outPath("jsonl");
      const again = await loop(["run", "--events", rec, "--record", rec2, "--patches", p2, wasm()]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, first.stdout);
      assert.equal(await readFile(p2, "utf8"), await readFile(p1, "utf8"));
      // Replaying a recording records the same log again.
      assert.equal(await readFile(rec2, "utf8"), await readFile(rec, "utf8"));
      assert.match(await readFile(rec, "utf8"), /^\{"t":0,"type":"event","node":8,/);
    });
  });
}

test("the Rust and TypeScript counters give the same HTML and patches for the same log", async () => {
  const log = await file(
    `${CLICKS}{"t":100,"type":"event","node":4,"event":"click","payload":"{}"}\n{"t":120,"type":"event","node":4,"event":"click","payload":"{}"}\n{"t":130,"type":"event","node":4,"event":"click","payload":"{}"}\n`,
  );
  const outs: { stdout: string; patches: string }[] = [];
  for (const wasm of [rust, ts]) {
    const patches = outPath("jsonl");
    const res = await loop(["run", "--events", log, "--patches", patches, wasm]);
    assert.equal(res.code, 0, res.stderr);
    assertNoStackTrace(res.stderr);
    outs.push({ stdout: res.stdout, patches: await readFile(patches, "utf8") });
  }
  assert.equal(outs[0]?.stdout, html(-1));
  assert.equal(outs[1]?.stdout, outs[0]?.stdout);
  assert.equal(outs[1]?.patches, outs[0]?.patches);
});

test("--props passes the root props; --log and -v reach loop-host", async () => {
  const res = await loop(["run", "--props", '{"start":5}', "--log", "off", "-v", ts]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, html(0));
});
