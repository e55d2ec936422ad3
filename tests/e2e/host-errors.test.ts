// Bad input, end to end: each case through the real `loop run` and straight through
// `loop-host run`. Whatever goes wrong ends as one `error:` line on stderr (plus, for traps and
// limits, the guest's wasm backtrace), a non-zero exit, and never a panic or a stack trace.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildGuest,
  lines,
  loopHostBin,
  type RunOptions,
  type RunResult,
  runCommand,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
const wasm: Record<string, string> = {};

before(async () => {
  scratch = await tempDir("host-errors");
  // Builds one at a time: the machine has two cores and cargo holds one lock anyway.
  for (const name of ["library", "trap", "spin", "membomb", "sleeper"]) {
    wasm[name] = await buildGuest(join("tests", "fixtures", name));
  }
});

after(() => scratch.cleanup());

/** `loop run ARGS` and `loop-host run ARGS`, with a compile cache of this file's own. */
const runners = [
  {
    name: "loop run",
    run: (args: string[], options: RunOptions = {}) =>
      runLoop(["run", ...args], withCache(options)),
  },
  {
    name: "loop-host run",
    run: (args: string[], options: RunOptions = {}) =>
      runCommand(loopHostBin, ["run", ...args], withCache(options)),
  },
];

function withCache(options: RunOptions): RunOptions {
  return { ...options, env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env } };
}

/**
 * The error shape: exactly one unindented `error:` (or `loop:`) line, which is the first line;
 * after it only a `guest wasm backtrace:` heading and its indented frames.
 */
function assertOneErrorLine(res: RunResult, pattern: RegExp): string {
  assertNoStackTrace(res.stderr);
  assertNoStackTrace(res.stdout);
  const all = lines(res.stderr);
  assert.ok(all.length >= 1, `nothing on stderr (exit ${res.code})`);
  assert.match(
    all[0] ?? "",
    /^(error|loop): \S/,
    `first stderr line is not the error:\n${res.stderr}`,
  );
  assert.match(all[0] ?? "", pattern);
  for (const line of all.slice(1)) {
    assert.ok(
      line === "guest wasm backtrace:" || /^\s/.test(line),
      `unexpected extra stderr line ${JSON.stringify(line)}:\n${res.stderr}`,
    );
  }
  return all[0] ?? "";
}

/** The frames of the `guest wasm backtrace:` block (empty when there is none). */
function backtrace(stderr: string): string[] {
  const at = stderr.indexOf("\nguest wasm backtrace:\n");
  if (at < 0) return [];
  return lines(stderr.slice(at).split("\n").slice(2).join("\n"));
}

for (const { name, run } of runners) {
  describe(name, () => {
    test("a missing file: one line naming it, exit 1", async () => {
      const missing = join(scratch.dir, "no-such.wasm");
      const res = await run([missing]);
      assert.equal(res.code, 1, res.stderr);
      assert.equal(res.stdout, "");
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      const line = assertOneErrorLine(res, /no such file/);
      assert.ok(line.includes(missing), line);
    });

    test("a text file: not WebAssembly, exit 1", async () => {
      const file = join(scratch.dir, `notes-${name.replace(/\W/g, "")}.txt`);
      await writeFile(file, "hello, I am not wasm\n");
      const res = await run([file]);
      assert.equal(res.code, 1, res.stderr);
      assert.equal(res.stdout, "");
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      const line = assertOneErrorLine(res, /not a WebAssembly file/);
      assert.ok(line.includes(file), line);
    });

    test("an empty file: not WebAssembly, and says it is empty, exit 1", async () => {
      const file = join(scratch.dir, `empty-${name.replace(/\W/g, "")}.wasm`);
      await writeFile(file, "");
      const res = await run([file]);
      assert.equal(res.code, 1, res.stderr);
      assert.equal(res.stdout, "");
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      assertOneErrorLine(res, /not a WebAssembly file.*empty/);
    });

    test("a truncated component (right magic, cut short): one line, exit 1", async () => {
      const file = join(scratch.dir, `truncated-${name.replace(/\W/g, "")}.wasm`);
      await writeFile(file, (await readFile(wasm.trap as string)).subarray(0, 200));
      const res = await run([file]);
      assert.equal(res.code, 1, res.stderr);
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      assertOneErrorLine(res, /not a valid WebAssembly/);
    });

    test("a library component: says it exports no wasi:cli/run and what it does export", async () => {
      const res = await run([wasm.library as string]);
      assert.equal(res.code, 1, res.stderr);
      assert.equal(res.stdout, "");
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      const line = assertOneErrorLine(res, /wasi:cli\/run/);
      assert.match(line, /does not export wasi:cli\/run/);
      assert.match(line, /loop-test:library\/greeter/);
      assert.match(line, /cannot be run as a command/);
    });

    test("a guest trap: exit 134, `trapped`, and the guest's wasm backtrace", async () => {
      const res = await run([wasm.trap as string]);
      assert.equal(res.code, 134, res.stderr);
      // Printed before the trap, and not lost with it: stdout passes through unbuffered.
      assert.equal(res.stdout, "about to trap\n");
      assertOneErrorLine(res, /trapped/);
      assert.match(res.stderr, /unreachable/);
      const frames = backtrace(res.stderr);
      const inner = frames.findIndex((f) => f.includes("innermost_frame"));
      const middle = frames.findIndex((f) => f.includes("middle_frame"));
      assert.ok(inner >= 0 && middle >= 0, `frames missing from the backtrace:\n${res.stderr}`);
      assert.ok(inner < middle, `innermost_frame should come first:\n${res.stderr}`);
    });

    test("an infinite loop past --timeout: exit 134, a timeout message, a backtrace", async () => {
      const res = await run(["--timeout", "1s", wasm.spin as string], { timeoutMs: 60_000 });
      assert.equal(res.signal, null, `killed by the test's safety net:\n${res.stderr}`);
      assert.equal(res.code, 134, res.stderr);
      assert.equal(res.stdout, "spinning\n");
      const line = assertOneErrorLine(res, /--timeout/);
      assert.match(line, /time limit of 1s/);
      assert.match(line, /stopped/);
      assert.ok(
        backtrace(res.stderr).some((f) => /spin.*::main/.test(f)),
        `no guest frame in the backtrace:\n${res.stderr}`,
      );
    });

    test("a guest asleep in a host call past --timeout is stopped too", async () => {
      const res = await run(["--timeout", "500ms", wasm.sleeper as string], {
        timeoutMs: 60_000,
      });
      assert.equal(res.signal, null, `killed by the test's safety net:\n${res.stderr}`);
      assert.equal(res.code, 134, res.stderr);
      assert.equal(res.stdout, "sleeping\n");
      const line = assertOneErrorLine(res, /--timeout/);
      assert.match(line, /time limit of 500ms/);
      assert.match(line, /stopped/);
    });

    test("memory past --max-memory: exit 134, a message naming the limit, a backtrace", async () => {
      const res = await run(["--max-memory", "32MiB", wasm.membomb as string], {
        timeoutMs: 60_000,
      });
      assert.equal(res.signal, null, `killed by the test's safety net:\n${res.stderr}`);
      assert.equal(res.code, 134, res.stderr);
      const line = assertOneErrorLine(res, /--max-memory/);
      assert.match(line, /memory/);
      assert.match(line, /limit of 32 MiB/);
      assert.ok(
        backtrace(res.stderr).some((f) => /membomb.*::main/.test(f)),
        `no guest frame in the backtrace:\n${res.stderr}`,
      );
    });
  });
}

test("loop-host: a folder instead of a file is one error line, exit 1", async () => {
  const res = await runCommand(loopHostBin, ["run", scratch.dir]);
  assert.equal(res.code, 1, res.stderr);
  assert.equal(lines(res.stderr).length, 1, res.stderr);
  assertOneErrorLine(res, /cannot read it/);
});

test("loop-host: bad option values are one error line and a non-zero exit", async () => {
  for (const args of [
    ["--timeout", "soon"],
    ["--max-memory", "lots"],
  ]) {
    const res = await runCommand(loopHostBin, ["run", ...args, wasm.trap as string]);
    assert.notEqual(res.code, 0, res.stderr);
    assert.equal(res.stdout, "");
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assertOneErrorLine(res, new RegExp(args[0] as string));
  }
});
