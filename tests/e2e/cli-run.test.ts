// `loop run` end to end: the real CLI, the real loop-host, components built from source.
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  lines,
  loopHostBin,
  repoRoot,
  runLoop,
  startLoop,
} from "../helpers.js";

let hello: string;

before(async () => {
  hello = await buildExample("hello-ts");
});

test("hello-ts prints its arguments and GREETING, and logs one line", async () => {
  const res = await runLoop(["run", "--env", "GREETING=hi", hello, "a", "b", "--flag"]);
  assertNoStackTrace(res.stderr);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, 'args: ["a","b","--flag"]\nGREETING: hi\n');
  assert.match(res.stderr, /greeted 3 argument\(s\)/);
});

test("the guest sees no host environment unless granted", async () => {
  const res = await runLoop(["run", hello], { env: { GREETING: "from the host" } });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^GREETING: \(not set\)$/m);
  const copied = await runLoop(["run", "--env", "GREETING", hello], {
    env: { GREETING: "from the host" },
  });
  assert.match(copied.stdout, /^GREETING: from the host$/m);
});

test("everything after FILE goes to the guest verbatim, options included", async () => {
  const res = await runLoop(["run", hello, "--env", "GREETING=no", "-v", "--", "--help"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^args: \["--env","GREETING=no","-v","--","--help"\]$/m);
  assert.match(res.stdout, /^GREETING: \(not set\)$/m);
});

test("the guest's exit status is loop's exit status", async () => {
  const res = await runLoop(["run", "--env", "EXIT_CODE=3", hello]);
  assert.equal(res.code, 3, res.stderr);
  assertNoStackTrace(res.stderr);
});

test("LOOP_HOST selects the loop-host binary", async () => {
  const res = await runLoop(["run", "--env", "GREETING=hey", hello], {
    env: { LOOP_HOST: loopHostBin },
  });
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^GREETING: hey$/m);
});

test("a file that is not a component: loop-host's one error line, no trace", async () => {
  const dir = await mkdtemp(join(tmpdir(), "loop-run-"));
  try {
    const bogus = join(dir, "bogus.wasm");
    await writeFile(bogus, "this is not wasm");
    const res = await runLoop(["run", bogus]);
    assert.notEqual(res.code, 0);
    assert.equal(res.stdout, "");
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(res.stderr, /^error: /);
    assertNoStackTrace(res.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a folder instead of a file says to build it", async () => {
  const res = await runLoop(["run", "examples/hello-ts"]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^loop: examples\/hello-ts is a folder; build it first/m);
});

describeSignals();

/** SIGINT/SIGTERM sent to `loop` reach the guest's host, and loop ends the way it did. */
function describeSignals(): void {
  let root: string;
  let sleeper: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "loop-sleeper-"));
    const crate = join(root, "sleeper");
    await mkdir(join(crate, "src"), { recursive: true });
    await writeFile(
      join(crate, "Cargo.toml"),
      '[package]\nname = "sleeper"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n',
    );
    await writeFile(
      join(crate, "src", "main.rs"),
      'fn main() {\n    println!("ready");\n    std::thread::sleep(std::time::Duration::from_secs(60));\n}\n',
    );
    await copyFile(join(repoRoot, "rust-toolchain.toml"), join(crate, "rust-toolchain.toml"));
    const res = await runLoop(["component", "build", crate, "--json"], { timeoutMs: 600_000 });
    assert.equal(res.code, 0, res.stderr);
    sleeper = (JSON.parse(res.stdout) as { wasm: string }).wasm;
  });

  after(() => rm(root, { recursive: true, force: true }));

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} to loop is forwarded to loop-host`, async () => {
      const running = startLoop(["run", sleeper], { timeoutMs: 30_000 });
      await running.waitForStdout(/ready/);
      const sent = Date.now();
      running.child.kill(signal);
      const res = await running.result;
      assert.ok(Date.now() - sent < 10_000, "loop did not stop promptly");
      // loop-host either dies of the signal (loop re-raises it) or exits on its own terms.
      const ended = res.signal === signal || (res.code !== null && res.code !== 0);
      assert.ok(ended, `unexpected end: code ${res.code}, signal ${res.signal}\n${res.stderr}`);
      assertNoStackTrace(res.stderr);
    });
  }
}
