// `loop dev --ui headless` on the Rust counter (examples/counter-rs, whose state crosses a swap
// through the Rust SDK's `Reload`, i.e. loop:host/lifecycle): an edit of the label swaps it in
// loop-host with the count kept; a `restore` that fails keeps the old version (and its count)
// running with an `error` event of stage "restore"; fixing it swaps again, state kept.
import assert from "node:assert/strict";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import { assertNoStackTrace, repoRoot, tempDir } from "../helpers.js";
import { COUNTER, copyInto, counterHtml, edit, eventsOf, save, startDev } from "./dev-helpers.js";

const scratch = await tempDir("dev-counter-rs");
after(() => scratch.cleanup());

const LONG = 600_000;

test("the Rust counter keeps its count through a swap; a failing restore keeps the old version", {
  timeout: 1_800_000,
}, async () => {
  const dir = await copyInto("counter-rs", scratch.dir);
  // Outside the checkout: the SDK by absolute path, a workspace of its own, the pinned
  // toolchain, and a name of its own (the copy shares the checkout's target folder, where
  // examples/counter-rs's output would otherwise be overwritten by this one's).
  const manifest = join(dir, "Cargo.toml");
  const sdk = JSON.stringify(join(repoRoot, "crates", "loop-sdk"));
  const cargo = (await readFile(manifest, "utf8"))
    .replace('"../../crates/loop-sdk"', sdk)
    .replace('name = "counter-rs"', 'name = "dev-counter-rs"');
  assert.match(cargo, /name = "dev-counter-rs"/);
  await writeFile(manifest, `${cargo}\n[workspace]\n`);
  await copyFile(join(repoRoot, "rust-toolchain.toml"), join(dir, "rust-toolchain.toml"));
  const lib = join(dir, "src", "lib.rs");

  const dev = startDev(["--ui", "headless"], {
    cwd: dir,
    env: { CARGO_TARGET_DIR: join(repoRoot, "target"), LOOP_CACHE_DIR: join(scratch.dir, "cache") },
  });
  try {
    const ready = await dev.next((e) => e.event === "ready" || e.event === "error", 0, LONG);
    assert.equal(ready.event, "ready", JSON.stringify(ready));
    assert.equal(await dev.html(), counterHtml(0));
    await dev.click(COUNTER.inc);
    assert.equal(await dev.click(COUNTER.inc), counterHtml(2));

    // An edit of the label: swapped in loop-host, the count handed over.
    let from = dev.events.length;
    await edit(lib, 'h1().text("Counter")', 'h1().text("Clicks")');
    const swap = await dev.next((e) => e.event === "swap" || e.event === "error", from, LONG);
    assert.equal(swap.event, "swap", JSON.stringify(swap));
    assert.equal(swap.state, "kept");
    assert.deepEqual(
      eventsOf(dev, "build", from).map((e) => e.artifact),
      ["wasm"],
    );
    assert.equal(await dev.html(), counterHtml(2, "Clicks"));
    assert.equal(await dev.click(COUNTER.inc), counterHtml(3, "Clicks"));

    // A restore that refuses the state (and a new label, in the same save): the old version
    // keeps running, with its count.
    from = dev.events.length;
    const good = await readFile(lib, "utf8");
    const refusing = good
      .replace('h1().text("Clicks")', 'h1().text("Refused")')
      .replace(
        "self.count = i64::from_le_bytes(bytes);",
        'let _ = bytes;\n        return Err("refused on purpose".into());',
      );
    assert.ok(refusing.includes("refused on purpose") && refusing.includes("Refused"));
    await save(lib, refusing);
    const error = await dev.next((e) => e.event === "error" || e.event === "swap", from, LONG);
    assert.equal(error.event, "error", JSON.stringify(error));
    assert.equal(error.stage, "restore");
    assert.match(String(error.message), /refused on purpose/);
    assert.equal(await dev.html(), counterHtml(3, "Clicks"));
    assert.equal(await dev.click(COUNTER.inc), counterHtml(4, "Clicks"));

    // Fixed: swapped, the count kept, the error cleared.
    from = dev.events.length;
    await save(lib, good.replace('h1().text("Clicks")', 'h1().text("Fixed")'));
    const again = await dev.next((e) => e.event === "swap" || e.event === "error", from, LONG);
    assert.equal(again.event, "swap", JSON.stringify(again));
    assert.equal(again.state, "kept");
    await dev.next((e) => e.event === "recovered", from);
    assert.equal(await dev.html(), counterHtml(4, "Fixed"));
  } finally {
    assert.equal(await dev.stop(), 0);
  }
  assertNoStackTrace(dev.stderr());
  assert.deepEqual(dev.stray, []);
});
