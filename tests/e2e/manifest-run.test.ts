// `loop run` with loop.toml: the app of the current folder (built from source or taken from a
// path), --manifest and --component, `loop run x.wasm` with grant flags, and every manifest
// error as one `file:line: key: ...` line.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
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
let kv: string;
let hello: string;

before(async () => {
  scratch = await tempDir("manifest-run");
  kv = await buildExample("kv");
  hello = await buildExample("hello");
});

after(() => scratch.cleanup());

/** `loop ARGS` in `cwd`, with this file's own compile cache. */
function loop(args: string[], cwd: string, options: RunOptions = {}) {
  return runLoop(args, {
    ...options,
    cwd,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env },
  });
}

let folders = 0;
/** A fresh folder holding `loop.toml` with `text`. */
async function app(text: string, name = "app"): Promise<string> {
  const dir = join(scratch.dir, `${name}-${++folders}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "loop.toml"), text);
  return dir;
}

/**
 * A copy of examples/kv's loop.toml in a fresh folder. The crate itself stays where it is (it
 * depends on the SDK by a relative path), so `source` points at it; everything else, the data
 * directory included, is the copy's.
 */
async function kvCopy(): Promise<string> {
  const original = await readFile(join(repoRoot, "examples", "kv", "loop.toml"), "utf8");
  assert.match(original, /^source = "\."$/m);
  const source = JSON.stringify(join(repoRoot, "examples", "kv"));
  return app(original.replace(/^source = "\."$/m, `source = ${source}`), "kv");
}

describe("loop run with a loop.toml", () => {
  test("no FILE runs the manifest's app; the kv counter survives restarts", async () => {
    const dir = await kvCopy();
    const first = await loop(["run"], dir);
    assertNoStackTrace(first.stderr);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, "this app has run 1 time(s)\n");
    const second = await loop(["run"], dir);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, "this app has run 2 time(s)\n");
    // The store is the manifest's default data dir, next to loop.toml.
    assert.ok(existsSync(join(dir, ".loop", "data", "kv.redb")), "no .loop/data/kv.redb");
    // An up-to-date source build says nothing: stderr is the guest's own (empty here).
    assert.equal(second.stderr, "");
  });

  test("guest arguments go after `--`", async () => {
    const dir = await kvCopy();
    const set = await loop(["run", "--", "set", "colour", "green"], dir);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, "set colour\n");
    const get = await loop(["run", "--", "get", "colour"], dir);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, "green\n");
  });

  test("a word that is no file, without `--`, gets a hint instead of a guess", async () => {
    const dir = await kvCopy();
    const res = await loop(["run", "list"], dir);
    assert.equal(res.code, 1);
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(
      res.stderr,
      /^loop: no such file: list \(.*put them after `--`: loop run -- list\)$/m,
    );
  });

  test("a `path` component is relative to the manifest; app.data-dir moves the store", async () => {
    const dir = await app(
      '[app]\ndata-dir = "state"\n\n[components.counter]\npath = "bin/kv.wasm"\n\n[components.counter.grants]\nkv = ["default"]\n',
    );
    await mkdir(join(dir, "bin"));
    await copyFile(kv, join(dir, "bin", "kv.wasm"));
    for (const n of [1, 2]) {
      const res = await loop(["run"], dir);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `this app has run ${n} time(s)\n`);
    }
    assert.ok(existsSync(join(dir, "state", "kv.redb")), "app.data-dir was not used");
  });

  test("--manifest from another folder, --component picks one of several", async () => {
    const dir = await app(
      `[app]\nmain = "greeter"\n\n[components.greeter]\npath = ${JSON.stringify(hello)}\n\n[components.greeter.grants]\nenv = { GREETING = "from loop.toml" }\n\n[components.counter]\npath = ${JSON.stringify(kv)}\n\n[components.counter.grants]\nkv = ["default"]\n`,
    );
    const manifest = join(dir, "loop.toml");
    const main = await loop(["run", "--manifest", manifest, "--", "a"], scratch.dir);
    assert.equal(main.code, 0, main.stderr);
    assert.match(main.stdout, /args: \[a\]/);
    assert.match(main.stdout, /^GREETING is "from loop\.toml"$/m);
    // With --manifest, every positional is a guest argument.
    const counter = await loop(
      ["run", "--manifest", manifest, "--component", "counter", "set", "k", "v"],
      scratch.dir,
    );
    assert.equal(counter.code, 0, counter.stderr);
    assert.equal(counter.stdout, "set k\n");
    // --component alone reads ./loop.toml.
    const get = await loop(["run", "--component", "counter", "--", "get", "k"], dir);
    assert.equal(get.stdout, "v\n", get.stderr);
    const unknown = await loop(["run", "--component", "nope"], dir);
    assert.equal(unknown.code, 1);
    assert.equal(lines(unknown.stderr).length, 1, unknown.stderr);
    assert.match(
      unknown.stderr,
      /^loop: loop\.toml has no component named `nope` \(it has: counter, greeter\)$/m,
    );
  });

  test("flags add to the manifest's grants", async () => {
    const dir = await app(`[components.greeter]\npath = ${JSON.stringify(hello)}\n`);
    const plain = await loop(["run"], dir);
    assert.match(plain.stdout, /^GREETING is not set$/m, plain.stderr);
    const granted = await loop(["run", "--env", "GREETING=flag"], dir);
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /^GREETING is "flag"$/m);
  });
});

describe("loop run FILE keeps working with flags alone", () => {
  test("--kv and --data-dir grant the counter its bucket", async () => {
    const data = join(scratch.dir, "flags-data");
    for (const n of [1, 2]) {
      const res = await loop(["run", "--kv", "default", "--data-dir", data, kv], scratch.dir);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `this app has run ${n} time(s)\n`);
    }
    assert.ok(existsSync(join(data, "kv.redb")));
  });

  test("--allow-process without --trusted is a usage error", async () => {
    const res = await loop(["run", "--allow-process", kv], scratch.dir);
    assert.equal(res.code, 2);
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(res.stderr, /^loop: --allow-process needs --trusted/);
  });

  test("bad grant flags are one usage line each", async () => {
    for (const args of [
      ["--allow-host", "http://x/"],
      ["--config", "novalue"],
      ["--kv", ""],
    ]) {
      const res = await loop(["run", ...args, kv], scratch.dir);
      assert.equal(res.code, 2, `${args.join(" ")}: ${res.stderr}`);
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      assert.match(res.stderr, /^loop: option '--[a-z-]+ <[^>]+>' argument .* is invalid/);
    }
  });
});

describe("manifest errors: file, line, key and what is expected, in one line", () => {
  const cases: { name: string; text: string; line: number; key: string; expect: RegExp }[] = [
    {
      name: "a bad trust value",
      text: '[components.hello]\npath = "h.wasm"\ntrust = "sometimes"\n',
      line: 3,
      key: "components.hello.trust",
      expect: /expected `untrusted` or `trusted`/,
    },
    {
      name: "an unknown key",
      text: '[components.hello]\npath = "h.wasm"\n\n[components.hello.grants]\ndirectories = ["data"]\n',
      line: 5,
      key: "components.hello.grants.directories",
      expect: /unknown field `directories`, expected one of .*`dirs`/,
    },
    {
      name: "a bad memory size",
      text: '[components.hello]\npath = "h.wasm"\n\n[components.hello.limits]\nmemory = "lots"\n',
      line: 5,
      key: "components.hello.limits.memory",
      expect: /`lots` is not a size; expected e\.g\. `64MiB`/,
    },
    {
      name: "process without trusted",
      text: '[components.tools]\npath = "t.wasm"\n\n[components.tools.grants]\nprocess = true\n',
      line: 5,
      key: "components.tools.grants.process",
      expect: /only trusted components may spawn processes; add `trust = "trusted"`/,
    },
    {
      name: "no components",
      text: '# an app with nothing in it\n[app]\nname = "empty"\n',
      line: 1,
      key: "components",
      expect: /no components declared; expected at least one \[components\.NAME\] table/,
    },
    {
      name: "two components without app.main",
      text: '# two of them\n\n[app]\nname = "two"\n\n[components.a]\npath = "a.wasm"\n\n[components.b]\npath = "b.wasm"\n',
      line: 3,
      key: "app.main",
      expect: /2 components \(a, b\) and no app\.main; expected app\.main = "NAME" under \[app\]/,
    },
    {
      name: "a TOML syntax error",
      text: '[components.hello]\npath = "h.wasm"\ntrust = \n',
      line: 3,
      key: "",
      expect: /./,
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = await app(c.text, "bad");
      const res = await loop(["run"], dir);
      assertNoStackTrace(res.stderr);
      assert.notEqual(res.code, 0);
      assert.equal(res.stdout, "");
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      const where = c.key === "" ? `loop.toml:${c.line}: ` : `loop.toml:${c.line}: ${c.key}: `;
      assert.ok(
        res.stderr.startsWith(`loop: invalid manifest: ${where}`),
        `expected "${where}" in:\n${res.stderr}`,
      );
      assert.match(res.stderr, c.expect);
    });
  }

  test("--manifest names the file as given", async () => {
    const dir = await app('[components.a]\npath = "a.wasm"\ntrust = "maybe"\n', "bad");
    const res = await loop(["run", "--manifest", "./loop.toml"], dir);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /^loop: invalid manifest: \.\/loop\.toml:3: components\.a\.trust: /);
  });

  test("no loop.toml and no FILE: what to do, in one line", async () => {
    const empty = join(scratch.dir, "empty");
    await mkdir(empty, { recursive: true });
    const res = await loop(["run"], empty);
    assert.equal(res.code, 2);
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(
      res.stderr,
      /^loop: missing required argument 'file', and there is no loop\.toml in /,
    );
    assert.match(res.stderr, /pass a FILE or create loop\.toml/);
    assert.match(res.stderr, /`loop app new`/);
    assertNoStackTrace(res.stderr);
  });
});

describe("help", () => {
  test("run, serve and component inspect document the grant flags, with examples", async () => {
    for (const command of [["run"], ["serve"], ["component", "inspect"]]) {
      const res = await runLoop([...command, "--help"]);
      const name = `loop ${command.join(" ")} --help`;
      assert.equal(res.code, 0, `${name}: ${res.stderr}`);
      assert.match(res.stdout, /\nExamples:\n\s+\$ loop /, name);
      for (const option of [
        "--manifest",
        "--component",
        "--env",
        "--dir",
        "--allow-host",
        "--kv",
        "--config",
        "--trusted",
        "--allow-process",
        "--data-dir",
        "--timeout",
        "--max-memory",
      ]) {
        assert.ok(res.stdout.includes(option), `${name} does not mention ${option}`);
      }
    }
    const serve = await runLoop(["serve", "--help"]);
    assert.match(serve.stdout, /--listen <ADDR>/);
    const root = await runLoop(["--help"]);
    assert.match(root.stdout, /\bserve\b/);
  });
});
