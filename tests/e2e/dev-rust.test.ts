// `loop dev` on a Rust command component from source: the rust-command template (which logs
// through loop-sdk's wasi:logging) is built with rustc's incremental cache, reruns when
// src/main.rs is edited, shows a compile error with its file and line and waits, and runs again
// once the error is fixed.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  assertNoStackTrace,
  cargoIncrementalFromProfiles,
  incrementalSessions,
  repoRoot,
  runLoop,
  tempDir,
} from "../helpers.js";
import { edit, eventsOf, save, startDev } from "./dev-helpers.js";

const tmp = await tempDir("dev-rust");
after(() => tmp.cleanup());

/** The checkout's target folder: the SDK's dependencies are already built there. */
const target = join(repoRoot, "target");
/** loop dev's own default decides: no CARGO_INCREMENTAL or CI from the machine overrides it. */
const env = { ...cargoIncrementalFromProfiles, CARGO_TARGET_DIR: target };
const LONG = 600_000;

test("a Rust command builds incrementally, reruns on an edit and recovers from a compile error", {
  timeout: 1_200_000,
}, async () => {
  const name = "dev-rust-cmd";
  const created = await runLoop(["component", "new", name, "--lang", "rust"], { cwd: tmp.dir });
  assert.equal(created.code, 0, created.stderr);
  const dir = join(tmp.dir, name);
  const main = join(dir, "src", "main.rs");

  const before = await incrementalSessions(target, name);
  const dev = startDev([], { cwd: dir, env });
  try {
    const built = await dev.next((e) => e.event === "build" || e.event === "error", 0, LONG);
    assert.equal(built.event, "build", `the first build failed: ${String(built.output)}`);
    assert.equal(built.component, name);
    assert.equal((await dev.next((e) => e.event === "exit", 0, LONG)).code, 0);
    assert.match(dev.stderr(), /Hello, world! This is dev-rust-cmd, a Rust component\./);
    // The log line crossed wasi:logging: loop-sdk's description of that import survived a link
    // of one codegen unit per module (what incremental builds do).
    assert.match(dev.stderr(), /^\[dev-rust-cmd\] info: greeted world$/m);
    // rustc wrote an incremental session for the crate (now, not in an earlier run): the next
    // build starts from it.
    const fresh = (await incrementalSessions(target, name)).filter((s) => !before.includes(s));
    assert.notDeepEqual(
      fresh,
      [],
      `no new incremental session for ${name} under ${target} (before: ${before.join(", ") || "none"})`,
    );

    // An edit rebuilds and reruns it.
    let from = dev.events.length;
    await edit(main, "Hello, {who}!", "Howdy, {who}!");
    const plan = await dev.next((e) => e.event === "plan", from, LONG);
    assert.deepEqual(plan.rebuild, [name]);
    assert.equal((await dev.next((e) => e.event === "exit", from, LONG)).code, 0);
    assert.match(dev.stderr(), /Howdy, world! This is dev-rust-cmd, a Rust component\./);
    assert.equal(dev.stderr().match(/^\[dev-rust-cmd\] info: greeted world$/gm)?.length, 2);

    // A type error: an `error` event at its file and line; nothing runs.
    from = dev.events.length;
    const good = await readFile(main, "utf8");
    const lines = good.split("\n");
    const at = lines.findIndex((l) => l.startsWith("fn main()")) + 1;
    lines.splice(at, 0, '    let broken: u32 = "text";');
    await save(main, lines.join("\n"));
    const error = await dev.next((e) => e.event === "error", from, LONG);
    assert.equal(error.stage, "build");
    assert.equal(error.component, name);
    assert.match(String(error.output), /mismatched types/);
    assert.deepEqual(
      {
        file: (error.location as { file: string }).file,
        line: (error.location as { line: number }).line,
      },
      { file: main, line: at + 1 },
    );
    assert.equal(eventsOf(dev, "run", from).length, 0);

    // The fix runs again and clears the error.
    from = dev.events.length;
    await save(main, good.replace("Howdy, {who}!", "Hi, {who}!"));
    await dev.next((e) => e.event === "recovered" && e.component === name, from, LONG);
    assert.equal((await dev.next((e) => e.event === "exit", from, LONG)).code, 0);
    assert.match(dev.stderr(), /Hi, world! This is dev-rust-cmd, a Rust component\./);
  } finally {
    assert.equal(await dev.stop(), 0);
  }
  assertNoStackTrace(dev.stderr());
  assert.deepEqual(dev.stray, []);
});
