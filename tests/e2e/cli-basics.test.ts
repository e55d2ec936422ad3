// The `loop` CLI's own behaviour: help, usage errors, and the errors that need no component.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { assertNoStackTrace, lines, loopBin, runCommand, runLoop } from "../helpers.js";

test("loop --help lists the commands and shows an example", async () => {
  const res = await runLoop(["--help"]);
  assert.equal(res.code, 0);
  assert.match(res.stdout, /Usage: loop/);
  assert.match(res.stdout, /\brun\b/);
  assert.match(res.stdout, /\bcomponent\b/);
  assert.match(res.stdout, /Examples:\n\s+\$ loop /);
});

test("loop run --help reads like a man page, with examples and every option", async () => {
  const res = await runLoop(["run", "--help"]);
  assert.equal(res.code, 0);
  for (const option of [
    "--env",
    "--dir",
    "--timeout",
    "--max-memory",
    "--no-cache",
    "--cache-dir",
  ]) {
    assert.ok(res.stdout.includes(option), `--help does not mention ${option}`);
  }
  assert.match(res.stdout, /Examples:\n\s+\$ loop run /);
});

test("every command's --help has an Examples section", async () => {
  for (const command of [[], ["run"], ["component"], ["component", "build"]]) {
    const res = await runLoop([...command, "--help"]);
    assert.equal(res.code, 0, `loop ${command.join(" ")} --help: ${res.stderr}`);
    assert.match(res.stdout, /\nExamples:\n\s+\$ loop /, `loop ${command.join(" ")} --help`);
  }
});

test("help piped into a reader that stops early is not an error", async () => {
  const res = await runCommand("bash", [
    "-c",
    `node ${JSON.stringify(loopBin)} run --help | head -1`,
  ]);
  assert.equal(res.code, 0);
  assert.equal(res.stderr, "");
});

test("loop --version prints the version", async () => {
  const res = await runLoop(["--version"]);
  assert.equal(res.code, 0);
  assert.match(res.stdout.trim(), /^\d+\.\d+\.\d+/);
});

test("an unknown command is one line on stderr and exit status 2", async () => {
  const res = await runLoop(["frobnicate"]);
  assert.equal(res.code, 2);
  assert.equal(res.stdout, "");
  assert.deepEqual(lines(res.stderr).length, 1, res.stderr);
  assert.match(res.stderr, /^loop: unknown command 'frobnicate'/);
});

test("an unknown option is one line and exit status 2", async () => {
  const res = await runLoop(["run", "--frobnicate", "x.wasm"]);
  assert.equal(res.code, 2);
  assert.equal(lines(res.stderr).length, 1, res.stderr);
  assert.match(res.stderr, /unknown option '--frobnicate'/);
});

test("a bad option value is one line and exit status 2", async () => {
  for (const args of [
    ["--timeout", "soon"],
    ["--max-memory", "lots"],
    ["--env", "=x"],
  ]) {
    const res = await runLoop(["run", ...args, "x.wasm"]);
    assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(res.stderr, /^loop: option '--[a-z-]+ <[^>]+>' argument .* is invalid/);
  }
});

test("loop run without a file is a usage error", async () => {
  const res = await runLoop(["run"]);
  assert.equal(res.code, 2);
  assert.match(res.stderr, /missing required argument 'file'/);
});

test("loop run on a missing file is one clear line, no stack trace", async () => {
  const res = await runLoop(["run", "missing.wasm"]);
  assert.equal(res.code, 1);
  assert.equal(lines(res.stderr).length, 1, res.stderr);
  assert.match(res.stderr, /^loop: no such file: missing\.wasm$/m);
  assertNoStackTrace(res.stderr);
});

test("LOOP_HOST pointing nowhere gives the not-found message", async () => {
  const dir = await mkdtemp(join(tmpdir(), "loop-cli-"));
  try {
    const wasm = join(dir, "x.wasm");
    await writeFile(wasm, "not really wasm");
    const nowhere = join(dir, "no-such-loop-host");
    const res = await runLoop(["run", wasm], { env: { LOOP_HOST: nowhere } });
    assert.equal(res.code, 1);
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(
      res.stderr,
      /^loop: loop-host not found at .*no-such-loop-host \(from LOOP_HOST\)/,
    );
    assert.match(res.stderr, /npm run setup/);
    assertNoStackTrace(res.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
