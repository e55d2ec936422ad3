// Capabilities a command component is granted, one test per grant and per denial path, each
// both ways where it applies: as `loop run` flags and as loop.toml grants. Environment, files
// (read-write, read-only, escapes through `..` and through planted symlinks), key-value buckets
// (with the denial's log line), and the log-level filter.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  lines,
  type RunOptions,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let hello: string;
let fs: string;
let kv: string;

before(async () => {
  scratch = await tempDir("cap-grants");
  hello = await buildExample("hello");
  fs = await buildExample("fs");
  kv = await buildExample("kv");
});

after(() => scratch.cleanup());

/** `loop ARGS` with this file's own compile cache. */
function loop(args: string[], options: RunOptions = {}) {
  return runLoop(args, {
    cwd: scratch.dir,
    ...options,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env },
  });
}

let folders = 0;
async function folder(name: string): Promise<string> {
  const dir = join(scratch.dir, `${name}-${++folders}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** A folder with loop.toml (`text`) in it. */
async function app(text: string): Promise<string> {
  const dir = await folder("app");
  await writeFile(join(dir, "loop.toml"), text);
  return dir;
}

describe("environment", () => {
  test("granted by --env: the guest sees that variable", async () => {
    const res = await loop(["run", "--env", "GREETING=hi", hello]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^GREETING is "hi"$/m);
  });

  test("granted by loop.toml's grants.env", async () => {
    const dir = await app(
      `[components.hello]\npath = ${JSON.stringify(hello)}\n\n[components.hello.grants]\nenv = { GREETING = "from the manifest" }\n`,
    );
    const res = await loop(["run"], { cwd: dir });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^GREETING is "from the manifest"$/m);
  });

  test("not granted: the host's own value does not leak in", async () => {
    const res = await loop(["run", hello], { env: { GREETING: "host secret" } });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^GREETING is not set$/m);
    assert.doesNotMatch(res.stdout, /host secret/);
  });
});

describe("files", () => {
  test("a read-write grant (loop.toml, relative to the manifest): write, read, list", async () => {
    const dir = await app(
      `[components.fs]\npath = ${JSON.stringify(fs)}\n\n[components.fs.grants]\ndirs = ["data::/data"]\n`,
    );
    await mkdir(join(dir, "data"));
    const res = await loop(["run", "--", "/data"], { cwd: dir });
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^read back \/data\/note\.txt: written by the fs example$/m);
    assert.equal(
      await readFile(join(dir, "data", "note.txt"), "utf8"),
      "written by the fs example\n",
    );
  });

  test("a read-only grant: the write is denied with the filesystem's own error", async () => {
    const data = await folder("ro");
    const res = await loop(["run", "--dir", `${data}::/data:ro`, fs, "/data"]);
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /^fs: cannot write \/data\/note\.txt: Operation not permitted/m);
    assert.ok(!existsSync(join(data, "note.txt")));
  });

  test("no grant: no files at all", async () => {
    const res = await loop(["run", fs, "/data"]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /^fs: cannot write \/data\/note\.txt: No such file or directory/m);
  });

  test("escapes through `..` and absolute paths are denied", async () => {
    const data = await folder("dotdot");
    const res = await loop([
      "run",
      "--dir",
      `${data}::/data`,
      fs,
      "/data",
      "/data/../../etc/passwd",
    ]);
    assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
    assert.match(res.stdout, /^outside the grant, \/etc\/passwd is not readable: /m);
    assert.match(
      res.stdout,
      /^outside the grant, \/data\/\.\.\/etc\/passwd is not readable: Operation not permitted/m,
    );
    assert.match(
      res.stdout,
      /^outside the grant, \/data\/\.\.\/\.\.\/etc\/passwd is not readable: Operation not permitted/m,
    );
  });

  test("symlinks planted in a granted dir do not lead out of it", async () => {
    const root = await folder("planted");
    const granted = join(root, "granted");
    const sibling = join(root, "sibling");
    await mkdir(granted);
    await mkdir(sibling);
    await writeFile(join(sibling, "secret.txt"), "not for the guest\n");
    await writeFile(join(granted, "inside.txt"), "fine\n");
    await symlink("/etc", join(granted, "etc-link"));
    await symlink("../sibling/secret.txt", join(granted, "relative-link"));
    await symlink(join(sibling, "secret.txt"), join(granted, "absolute-link"));
    await symlink(sibling, join(granted, "dir-link"));
    const outside = [
      "/data/etc-link/passwd",
      "/data/relative-link",
      "/data/absolute-link",
      "/data/dir-link/secret.txt",
    ];
    const res = await loop(["run", "--dir", `${granted}::/data`, fs, "/data", ...outside]);
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, `${res.stdout}${res.stderr}`);
    assert.match(
      res.stdout,
      /^\/data holds: absolute-link, dir-link, etc-link, inside\.txt, note\.txt, relative-link$/m,
    );
    for (const path of outside) {
      assert.ok(
        res.stdout.includes(`outside the grant, ${path} is not readable: `),
        `${path} was not reported unreadable:\n${res.stdout}`,
      );
    }
    assert.doesNotMatch(res.stdout, /not for the guest|root:/);
  });

  test("the fs example fails (non-zero) when an extra path is readable", async () => {
    const data = await folder("control");
    await writeFile(join(data, "inside.txt"), "fine\n");
    const res = await loop(["run", "--dir", `${data}::/data`, fs, "/data", "/data/inside.txt"]);
    assert.notEqual(res.code, 0);
    assert.match(
      res.stderr,
      /^fs: read \/data\/inside\.txt although it is outside the granted directory$/m,
    );
  });
});

describe("key-value", () => {
  test("a granted bucket (loop.toml) opens and persists", async () => {
    const dir = await app(
      `[components.counter]\npath = ${JSON.stringify(kv)}\n\n[components.counter.grants]\nkv = ["default"]\n`,
    );
    for (const n of [1, 2]) {
      const res = await loop(["run"], { cwd: dir });
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `this app has run ${n} time(s)\n`);
    }
  });

  test("an ungranted bucket: access-denied, and one log line naming the grant", async () => {
    const dir = await app(
      `[components.counter]\npath = ${JSON.stringify(kv)}\n\n[components.counter.grants]\nkv = ["other"]\n`,
    );
    const res = await loop(["run"], { cwd: dir });
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stdout, "");
    const denial = lines(res.stderr).filter((l) => l.includes("loop-host: denied"));
    assert.deepEqual(denial, [
      '[counter] warn loop-host: denied key-value: bucket `default`; to allow it, grant kv = ["default"] under [components.counter.grants]',
    ]);
    assert.match(res.stderr, /^kv: access denied/m);
    assert.ok(!existsSync(join(dir, ".loop", "data", "kv.redb")), "a denied open created a store");
  });

  test("no --kv flag: the same denial, naming the component after its file", async () => {
    const res = await loop(["run", "--data-dir", await folder("kvdata"), kv]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(
      res.stderr,
      /^\[kv-example\] warn loop-host: denied key-value: bucket `default`; to allow it, grant kv = \["default"\]/m,
    );
  });
});

describe("logging", () => {
  test("guest log lines show at info by default", async () => {
    const res = await loop(["run", hello]);
    assert.equal(res.stderr, "[hello] info: greeted with 0 argument(s)\n");
  });

  test("--log warn filters them out", async () => {
    const res = await loop(["run", "--log", "warn", hello]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, "");
    assert.match(res.stdout, /^hello from a Rust component!/);
  });

  test("LOOP_LOG=off filters them out, also for the manifest's app", async () => {
    const dir = await app(`[components.hello]\npath = ${JSON.stringify(hello)}\n`);
    const res = await loop(["run"], { cwd: dir, env: { LOOP_LOG: "off" } });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, "");
    const shown = await loop(["run"], { cwd: dir, env: { LOOP_LOG: "debug" } });
    assert.equal(shown.stderr, "[hello] info: greeted with 0 argument(s)\n");
  });
});
