import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findLoopHost, LoopHostNotFoundError, runHost } from "@loop-kit/host-client";

let dir: string;
let fake: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "host-client-"));
  fake = join(dir, "loop-host");
  await writeFile(fake, "#!/bin/sh\nexit $FAKE_EXIT\n");
  await chmod(fake, 0o755);
});

after(() => rm(dir, { recursive: true, force: true }));

test("LOOP_HOST wins when it names an executable", () => {
  assert.equal(findLoopHost({ env: { LOOP_HOST: fake, PATH: "" } }), fake);
});

test("LOOP_HOST naming nothing is an error that says so", () => {
  const missing = join(dir, "nope");
  assert.throws(
    () => findLoopHost({ env: { LOOP_HOST: missing } }),
    (err: unknown) =>
      err instanceof LoopHostNotFoundError &&
      err.message.includes(missing) &&
      err.message.includes("LOOP_HOST"),
  );
});

test("the repository build comes before PATH", () => {
  const other = join(dir, "elsewhere");
  assert.equal(findLoopHost({ env: { PATH: other }, repoBinary: fake }), fake);
});

test("PATH is searched last", () => {
  assert.equal(findLoopHost({ env: { PATH: dir }, repoBinary: false }), fake);
});

test("nothing found: the message says how to build it", () => {
  assert.throws(
    () => findLoopHost({ env: { PATH: join(dir, "empty") }, repoBinary: join(dir, "nope") }),
    {
      name: "LoopHostNotFoundError",
      message:
        "loop-host is not built: run `npm run setup` (or `cargo build --release -p loop-host`), or set LOOP_HOST",
    },
  );
});

test("runHost passes the arguments and returns the exit status", async () => {
  const exit = await runHost(["run", "x.wasm", "--flag"], {
    bin: fake,
    env: { ...process.env, FAKE_EXIT: "7" },
    stdio: "ignore",
  });
  assert.deepEqual(exit, { code: 7, signal: null });
});

test("runHost reports a missing binary as LoopHostNotFoundError", async () => {
  await assert.rejects(runHost([], { bin: join(dir, "nope"), stdio: "ignore" }), {
    name: "LoopHostNotFoundError",
  });
});
