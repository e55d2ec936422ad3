// Running guests, end to end, through the real `loop run` and straight through `loop-host run`:
// environment isolation, directory grants (read-write and `:ro`), exit statuses, a WASI
// preview-1 core module, and output that passes through while the guest still runs.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  buildGuest,
  buildPreview1,
  loopHostBin,
  type RunOptions,
  runCommand,
  runLoop,
  startCommand,
  startLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let hello: string;
let fs: string;
let exitCode: string;
let exitCodeP1: string;
let sleeper: string;

before(async () => {
  scratch = await tempDir("host-run");
  hello = await buildExample("hello");
  fs = await buildExample("fs");
  exitCode = await buildGuest(join("tests", "fixtures", "exit-code"));
  sleeper = await buildGuest(join("tests", "fixtures", "sleeper"));
  exitCodeP1 = await buildPreview1("exit-code");
});

after(() => scratch.cleanup());

function withCache(options: RunOptions): RunOptions {
  return { ...options, env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env } };
}

const runners = [
  {
    name: "loop run",
    run: (args: string[], options: RunOptions = {}) =>
      runLoop(["run", ...args], withCache(options)),
    start: (args: string[], options: RunOptions = {}) =>
      startLoop(["run", ...args], withCache(options)),
  },
  {
    name: "loop-host run",
    run: (args: string[], options: RunOptions = {}) =>
      runCommand(loopHostBin, ["run", ...args], withCache(options)),
    start: (args: string[], options: RunOptions = {}) =>
      startCommand(loopHostBin, ["run", ...args], withCache(options)),
  },
];

/** A fresh folder under this file's scratch folder. */
let folders = 0;
async function folder(name: string): Promise<string> {
  const dir = join(scratch.dir, `${name}-${++folders}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

for (const { name, run, start } of runners) {
  describe(name, () => {
    test("hello: arguments reach the guest and its log line goes to stderr", async () => {
      const res = await run([hello, "a", "b c"]);
      assertNoStackTrace(res.stderr);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(
        res.stdout,
        "hello from a Rust component! args: [a, b c]\nGREETING is not set\n",
      );
      assert.equal(res.stderr, "[hello] info: greeted with 2 argument(s)\n");
    });

    test("the host's environment does not leak in; --env passes one variable", async () => {
      const env = { GREETING: "leaked from the host" };
      const isolated = await run([hello], { env });
      assert.equal(isolated.code, 0, isolated.stderr);
      assert.match(isolated.stdout, /^GREETING is not set$/m);

      const passed = await run(["--env", "GREETING=granted", hello], { env });
      assert.equal(passed.code, 0, passed.stderr);
      assert.match(passed.stdout, /^GREETING is "granted"$/m);

      // `--env KEY` alone copies the host's value, and only that one.
      const copied = await run(["--env", "GREETING", hello], { env });
      assert.equal(copied.code, 0, copied.stderr);
      assert.match(copied.stdout, /^GREETING is "leaked from the host"$/m);
    });

    test("--dir HOST::GUEST grants read-write; outside paths stay unreadable", async () => {
      const data = await folder("rw");
      const res = await run(["--dir", `${data}::/data`, fs, "/data"]);
      assertNoStackTrace(res.stderr);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^read back \/data\/note\.txt: written by the fs example$/m);
      assert.match(res.stdout, /^\/data holds: note\.txt$/m);
      assert.match(res.stdout, /^outside the grant, \/etc\/passwd is not readable: /m);
      assert.match(res.stdout, /^outside the grant, \/data\/\.\.\/etc\/passwd is not readable: /m);
      assert.equal(await readFile(join(data, "note.txt"), "utf8"), "written by the fs example\n");
    });

    test("--dir HOST (no ::GUEST) grants the same path inside", async () => {
      const data = await folder("same");
      const res = await run(["--dir", data, fs, data]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^outside the grant, \/etc\/passwd is not readable: /m);
      assert.ok(existsSync(join(data, "note.txt")), "note.txt was not written");
    });

    test("--dir ...:ro: the write fails cleanly (exit 1, names note.txt), nothing changes", async () => {
      const data = await folder("ro");
      await writeFile(join(data, "keep.txt"), "untouched\n");
      const res = await run(["--dir", `${data}::/data:ro`, fs, "/data"]);
      assertNoStackTrace(res.stderr);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /^fs: cannot write \/data\/note\.txt: /m);
      // The write failure does not stop the outside checks.
      assert.match(res.stdout, /^\/data holds: keep\.txt$/m);
      assert.match(res.stdout, /^outside the grant, \/data\/\.\.\/etc\/passwd is not readable: /m);
      assert.ok(!existsSync(join(data, "note.txt")), "a read-only grant was written to");
      assert.equal(await readFile(join(data, "keep.txt"), "utf8"), "untouched\n");
    });

    test("with a read-only grant beside a writable one, outside paths stay unreadable", async () => {
      const data = await folder("rw2");
      const assets = await folder("assets");
      const res = await run(["--dir", `${data}::/data`, "--dir", `${assets}::/assets:ro`, fs]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /^outside the grant, \/etc\/passwd is not readable: /m);
      assert.match(res.stdout, /^outside the grant, \/data\/\.\.\/etc\/passwd is not readable: /m);
      assert.ok(!existsSync(join(assets, "note.txt")));
    });

    test("no grant at all: the guest cannot write, exit 1", async () => {
      const res = await run([fs]);
      assertNoStackTrace(res.stderr);
      assert.equal(res.code, 1, res.stderr);
      assert.match(res.stderr, /^fs: cannot write \/data\/note\.txt: /m);
    });

    for (const status of [0, 3, 42]) {
      test(`the guest's exit status ${status} is the process's exit status`, async () => {
        const res = await run([exitCode, String(status)]);
        assertNoStackTrace(res.stderr);
        assert.equal(res.code, status, res.stderr);
        assert.equal(res.stdout, `exiting with ${status}\n`);
        assert.equal(res.stderr, "");
      });
    }

    test("a WASI preview-1 core module runs, and its proc_exit status comes through", async () => {
      const header = (await readFile(exitCodeP1)).subarray(0, 8);
      // A core module (version 1), not a component: this case is about preview 1 itself.
      assert.deepEqual([...header], [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
      const res = await run([exitCodeP1, "43"]);
      assertNoStackTrace(res.stderr);
      assert.equal(res.code, 43, res.stderr);
      assert.equal(res.stdout, "exiting with 43\n");
    });

    test("guest stdout passes through while the guest still runs (unbuffered)", async () => {
      const running = start([sleeper], { timeoutMs: 60_000 });
      try {
        await running.waitForStdout(/^sleeping\n/);
        // The guest is asleep for an hour: the line arrived before it ended, not at exit.
        assert.equal(running.child.exitCode, null);
        assert.equal(running.child.signalCode, null);
      } finally {
        running.child.kill("SIGTERM");
      }
      const res = await running.result;
      assert.ok(res.code !== 0, `exited 0 after SIGTERM:\n${res.stderr}`);
      assertNoStackTrace(res.stderr);
    });
  });
}
