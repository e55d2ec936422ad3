// loop:process, the trusted-only capability (examples/process lists a folder by spawning `ls`):
// trusted and granted, it works; trusted without the grant, the call is denied with a log
// line; untrusted, the component is refused at load.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  lines,
  type RunOptions,
  repoRoot,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let proc: string;
/** A folder with files of known names, for the guest's `ls` to list. */
let listed: string;
const NAMES = ["alpha.txt", "beta.md", "gamma"];

before(async () => {
  scratch = await tempDir("cap-process");
  proc = await buildExample("process");
  listed = join(scratch.dir, "listed");
  await mkdir(listed);
  for (const name of NAMES) await writeFile(join(listed, name), `${name}\n`);
});

after(() => scratch.cleanup());

function loop(args: string[], options: RunOptions = {}) {
  return runLoop(args, {
    cwd: scratch.dir,
    ...options,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env },
  });
}

let folders = 0;
async function app(text: string): Promise<string> {
  const dir = join(scratch.dir, `app-${++folders}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "loop.toml"), text);
  return dir;
}

function assertListed(stdout: string): void {
  assert.equal(stdout, `${NAMES.join("\n")}\n(ls exited with 0)\n`);
}

describe("trusted and granted", () => {
  test("examples/process's own loop.toml (trusted, process = true) lists the folder", async () => {
    // The example's manifest, with `source` pointing back at the example.
    const original = await readFile(join(repoRoot, "examples", "process", "loop.toml"), "utf8");
    assert.match(original, /^trust = "trusted"$/m);
    const source = JSON.stringify(join(repoRoot, "examples", "process"));
    const dir = await app(original.replace(/^source = "\."$/m, `source = ${source}`));
    const res = await loop(["run", "--", listed], { cwd: dir });
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, res.stderr);
    assertListed(res.stdout);
    assert.equal(res.stderr, "");
  });

  test("--trusted --allow-process does the same for a bare file", async () => {
    const res = await loop(["run", "--trusted", "--allow-process", proc, listed]);
    assert.equal(res.code, 0, res.stderr);
    assertListed(res.stdout);
  });

  test("--allow-process alone is enough for a component loop.toml trusts", async () => {
    const dir = await app(
      `[components.tools]\npath = ${JSON.stringify(proc)}\ntrust = "trusted"\n`,
    );
    const res = await loop(["run", "--allow-process", "--", listed], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    assertListed(res.stdout);
  });
});

describe("trusted without the grant", () => {
  test("the spawn is denied with loop:process's own error and one log line", async () => {
    const dir = await app(
      `[components.tools]\npath = ${JSON.stringify(proc)}\ntrust = "trusted"\n`,
    );
    const res = await loop(["run", "--", listed], { cwd: dir });
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stdout, "");
    const denials = lines(res.stderr).filter((l) => l.includes("loop-host: denied"));
    assert.deepEqual(denials, [
      '[tools] warn loop-host: denied process: run ls; to allow it, grant process = true (with trust = "trusted") under [components.tools]',
    ]);
    assert.match(
      res.stderr,
      /^process: cannot list .*: denied: spawning processes is not granted to tools$/m,
    );
  });

  test("--trusted alone (no --allow-process) is denied the same way", async () => {
    const res = await loop(["run", "--trusted", proc, listed]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(
      res.stderr,
      /^\[process-example\] warn loop-host: denied process: run ls; to allow it, grant process = true/m,
    );
  });
});

describe("untrusted", () => {
  test("a bare file importing loop:process is refused at load, in one line", async () => {
    const res = await loop(["run", proc, listed]);
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stdout, "");
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(
      res.stderr,
      /^error: process-example was refused: it imports loop:process\/process@[\d.]+, which only trusted components may use; /,
    );
  });

  test("an untrusted manifest component is refused the same way, by its name", async () => {
    const dir = await app(`[components.tools]\npath = ${JSON.stringify(proc)}\n`);
    const res = await loop(["run", "--", listed], { cwd: dir });
    assert.equal(res.code, 1, res.stderr);
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(res.stderr, /^error: tools was refused: it imports loop:process\//);
    assert.match(res.stderr, /set trust = "trusted" and grants\.process = true/);
  });
});
