// The compile cache, end to end. Whether a run compiled is read from `-v` output and from the
// cache folder's files, never from timing.
import assert from "node:assert/strict";
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  buildGuest,
  loopHostBin,
  type RunResult,
  runCommand,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let hello: string;
let exitCode: string;

const HELLO_OUT = "hello from a Rust component! args: [x]\nGREETING is not set\n";

before(async () => {
  scratch = await tempDir("host-cache");
  hello = await buildExample("hello");
  exitCode = await buildGuest(join("tests", "fixtures", "exit-code"));
});

after(() => scratch.cleanup());

let caches = 0;
/** A cache folder path that does not exist yet (loop-host must create it). */
function freshCacheDir(): string {
  return join(scratch.dir, `cache-${++caches}`, "compiled");
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

/** `loop run -v --cache-dir DIR FILE x`, checking that the guest itself ran correctly. */
async function loopRun(cacheDir: string, file = hello): Promise<RunResult> {
  const res = await runLoop(["run", "-v", "--cache-dir", cacheDir, file, "x"]);
  assertNoStackTrace(res.stderr);
  assert.equal(res.code, 0, res.stderr);
  if (file === hello) assert.equal(res.stdout, HELLO_OUT);
  return res;
}

const COMPILED = /^loop-host: compiled hello\.wasm .*; cached at /m;
const HIT = /^loop-host: cache hit for hello\.wasm: loaded /m;
/** Any compilation, of any component (the cache path itself contains "compiled"). */
const ANY_COMPILE = /^loop-host: (compiled|discarded)/m;

test("the second run loads the cached compilation instead of compiling", async () => {
  const cache = freshCacheDir();
  const first = await loopRun(cache);
  assert.match(first.stderr, COMPILED);
  assert.doesNotMatch(first.stderr, /cache hit/);
  const entries = await filesIn(cache);
  assert.equal(entries.length, 1, `expected one cache entry, found ${entries.join(", ")}`);
  assert.ok(first.stderr.includes(join(cache, entries[0] as string)), first.stderr);

  const second = await loopRun(cache);
  assert.match(second.stderr, HIT);
  assert.doesNotMatch(second.stderr, ANY_COMPILE);
  assert.ok(second.stderr.includes(join(cache, entries[0] as string)), second.stderr);
  assert.deepEqual(await filesIn(cache), entries);
});

test("loop-host run shares the cache with loop run", async () => {
  const cache = freshCacheDir();
  await loopRun(cache);
  const res = await runCommand(loopHostBin, ["run", "-v", "--cache-dir", cache, hello, "x"]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, HELLO_OUT);
  assert.match(res.stderr, HIT);
  assert.doesNotMatch(res.stderr, ANY_COMPILE);
});

test("without -v, a cached run prints nothing about the cache", async () => {
  const cache = freshCacheDir();
  await loopRun(cache);
  const res = await runLoop(["run", "--cache-dir", cache, hello, "x"]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stderr, "[hello] info: greeted with 1 argument(s)\n");
});

test("each component gets its own entry", async () => {
  const cache = freshCacheDir();
  await loopRun(cache);
  const other = await loopRun(cache, exitCode);
  assert.match(other.stderr, /^loop-host: compiled exit-code\.wasm /m);
  assert.equal((await filesIn(cache)).length, 2);
  const again = await loopRun(cache);
  assert.match(again.stderr, HIT);
});

test("$LOOP_CACHE_DIR is the default cache folder", async () => {
  const cache = freshCacheDir();
  const env = { LOOP_CACHE_DIR: cache };
  const first = await runLoop(["run", "-v", hello, "x"], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, COMPILED);
  assert.equal((await filesIn(cache)).length, 1);
  const second = await runLoop(["run", "-v", hello, "x"], { env });
  assert.match(second.stderr, HIT);
});

test("--no-cache compiles every time and writes nothing", async () => {
  const cache = freshCacheDir();
  for (let i = 0; i < 2; i++) {
    const res = await runLoop(["run", "-v", "--no-cache", "--cache-dir", cache, hello, "x"]);
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, HELLO_OUT);
    assert.match(res.stderr, /^loop-host: compiled hello\.wasm .*\(cache disabled\)/m);
    assert.doesNotMatch(res.stderr, /cache hit|cached at/);
  }
  assert.deepEqual(await filesIn(cache), []);
});

test("--no-cache ignores an existing entry", async () => {
  const cache = freshCacheDir();
  await loopRun(cache);
  const res = await runLoop(["run", "-v", "--no-cache", "--cache-dir", cache, hello, "x"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /^loop-host: compiled hello\.wasm /m);
  assert.doesNotMatch(res.stderr, /cache hit/);
});

test("a corrupt entry is discarded and recompiled, and the next run is a hit again", async () => {
  const cache = freshCacheDir();
  await loopRun(cache);
  const [entry] = await filesIn(cache);
  assert.ok(entry, "no cache entry written");
  const path = join(cache, entry);
  const { size } = await stat(path);
  const handle = await open(path, "r+");
  try {
    await handle.write(Buffer.alloc(64, 0xa5), 0, 64, Math.floor(size / 2));
  } finally {
    await handle.close();
  }

  const repaired = await loopRun(cache);
  assert.match(repaired.stderr, /^loop-host: discarded a corrupt cache entry for hello\.wasm/m);
  assert.doesNotMatch(repaired.stderr, HIT);

  const after = await loopRun(cache);
  assert.match(after.stderr, HIT);
  assert.doesNotMatch(after.stderr, ANY_COMPILE);
});

test("a truncated entry is discarded too", async () => {
  const cache = freshCacheDir();
  await loopRun(cache);
  const [entry] = await filesIn(cache);
  assert.ok(entry, "no cache entry written");
  const handle = await open(join(cache, entry), "r+");
  try {
    await handle.truncate(100);
  } finally {
    await handle.close();
  }
  const repaired = await loopRun(cache);
  assert.match(repaired.stderr, /discarded a corrupt cache entry for hello\.wasm/);
  const after = await loopRun(cache);
  assert.match(after.stderr, HIT);
});

test("--compiler winch runs the same, with cache entries of its own", async () => {
  const cache = freshCacheDir();
  await loopRun(cache);
  const winch = async () => {
    const res = await runCommand(loopHostBin, [
      "run",
      "-v",
      "--compiler",
      "winch",
      "--cache-dir",
      cache,
      hello,
      "x",
    ]);
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, HELLO_OUT);
    return res;
  };
  // Cranelift's entry is not Winch's: the first Winch run compiles.
  const first = await winch();
  assert.match(first.stderr, COMPILED);
  assert.equal((await filesIn(cache)).length, 2);
  const second = await winch();
  assert.match(second.stderr, HIT);
  assert.doesNotMatch(second.stderr, ANY_COMPILE);
});

test("an unknown --compiler is a usage error naming the choices", async () => {
  const res = await runCommand(loopHostBin, ["run", "--compiler", "llvm", hello]);
  assert.equal(res.code, 2, res.stderr);
  assertNoStackTrace(res.stderr);
  assert.match(res.stderr, /llvm/);
  assert.match(res.stderr, /cranelift/);
  assert.match(res.stderr, /winch/);
});
