// The fast path of `loop run FILE ...` (packages/cli/src/fast-run.ts): a plain run is handed to
// loop-host before commander is loaded, and must behave exactly like the full CLI, which
// `LOOP_NO_FAST_PATH=1` forces. Each case runs both ways and compares stdout, stderr and the
// exit status. No timings here: benches/run/run.bench.sh measures those.
import assert from "node:assert/strict";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { createProgram } from "../../packages/cli/src/cli.js";
import { FAST_RUN_OPTIONS, fastRunArgs } from "../../packages/cli/src/fast-run.js";
import {
  assertNoStackTrace,
  buildExample,
  buildGuest,
  loopBin,
  type RunOptions,
  type RunResult,
  runCommand,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let hello: string;
let trap: string;
/** A stand-in for loop-host that prints its arguments, one `[ARG]` a line. */
let echoHost: string;
/** A stand-in for loop-host that dies of SIGTERM. */
let killedHost: string;
/** Any existing file ending in .wasm (the stand-ins never read it). */
let anyWasm: string;

before(async () => {
  scratch = await tempDir("fast-run");
  [hello, trap] = await Promise.all([buildExample("hello"), buildGuest("tests/fixtures/trap")]);
  // Compile both into the cache once, so that no compared run is the one that compiles.
  for (const wasm of [hello, trap]) await runLoop(["run", wasm]);
  echoHost = join(scratch.dir, "echo-host");
  await writeFile(
    echoHost,
    '#!/bin/sh\nfor a in "$@"; do printf \'[%s]\\n\' "$a"; done\nexit $((ECHO_HOST_EXIT))\n',
  );
  killedHost = join(scratch.dir, "killed-host");
  await writeFile(killedHost, "#!/bin/sh\nkill -TERM $$\nsleep 5\n");
  await Promise.all([chmod(echoHost, 0o755), chmod(killedHost, 0o755)]);
  anyWasm = join(scratch.dir, "any.wasm");
  await writeFile(anyWasm, "not read by the stand-ins");
});

after(() => scratch.cleanup());

/** `loop ARGS` on the fast path (where it applies) and on the full path; asserts they agree. */
async function both(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const fast = await runLoop(args, {
    ...options,
    env: { ...options.env, LOOP_NO_FAST_PATH: undefined },
  });
  const full = await runLoop(args, { ...options, env: { ...options.env, LOOP_NO_FAST_PATH: "1" } });
  assert.deepEqual(fast, full, `loop ${args.join(" ")}: the fast and the full path differ`);
  assertNoStackTrace(fast.stderr);
  return fast;
}

/** Asserts that the fast path takes `args` (after `run`) rather than passing them on. */
function takes(args: string[]): void {
  assert.notEqual(
    fastRunArgs(args),
    undefined,
    `the fast path does not take: run ${args.join(" ")}`,
  );
}

/** Asserts that the fast path leaves `args` (after `run`) to the full CLI. */
function leaves(args: string[]): void {
  assert.equal(fastRunArgs(args), undefined, `the fast path takes: run ${args.join(" ")}`);
}

test("the fast path knows every option of `loop run`: takes it or leaves it", () => {
  const run = createProgram().commands.find((c) => c.name() === "run");
  assert.ok(run, "no run command");
  const name = (o: (typeof run.options)[number]) => (o.long ?? "").slice(2);
  const left = new Set(FAST_RUN_OPTIONS.leftToFullCli);
  const taken = run.options.filter((o) => !left.has(name(o)));
  assert.deepEqual(
    taken
      .filter((o) => o.required || o.optional)
      .map(name)
      .sort(),
    [...FAST_RUN_OPTIONS.withValue].sort(),
  );
  assert.deepEqual(
    taken
      .filter((o) => !o.required && !o.optional)
      .map(name)
      .sort(),
    [...FAST_RUN_OPTIONS.flags].sort(),
  );
  for (const gone of left) {
    assert.ok(
      run.options.some((o) => name(o) === gone),
      `loop run has no --${gone}`,
    );
  }
  // -v is the only short option the fast path takes.
  assert.deepEqual(
    taken.filter((o) => o.short !== undefined).map((o) => o.short),
    ["-v"],
  );
});

describe("the fast path and the full CLI agree", () => {
  test("hello with arguments and --env", async () => {
    const args = ["--env", "GREETING=hi", hello, "a", "b"];
    takes(args);
    const res = await both(["run", ...args]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'hello from a Rust component! args: [a, b]\nGREETING is "hi"\n');
    assert.match(res.stderr, /greeted with 2 argument\(s\)/);
  });

  test("options after FILE go to the guest", async () => {
    const args = [hello, "--env", "GREETING=no", "-v", "--", "--help"];
    takes(args);
    const res = await both(["run", ...args]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /args: \[--env, GREETING=no, -v, --, --help\]/);
    assert.match(res.stdout, /^GREETING is not set$/m);
  });

  test("a trap: exit status 134 and loop-host's report", async () => {
    takes([trap]);
    const res = await both(["run", trap]);
    assert.equal(res.code, 134, res.stderr);
    assert.match(res.stdout, /^about to trap$/m);
  });

  test("a missing file: one line, exit status 1", async () => {
    takes(["missing.wasm"]);
    const res = await both(["run", "missing.wasm"]);
    assert.equal(res.code, 1);
    assert.equal(res.stdout, "");
    assert.equal(res.stderr, "loop: no such file: missing.wasm\n");
  });

  test("a folder named like a component: one line, exit status 1", async () => {
    const folder = join(scratch.dir, "folder.wasm");
    await mkdir(folder, { recursive: true });
    const res = await both(["run", folder]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^loop: .*folder\.wasm is a folder; build it first/);
  });

  test("LOOP_HOST naming nothing: the not-found line", async () => {
    const res = await both(["run", hello], { env: { LOOP_HOST: join(scratch.dir, "nothing") } });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^loop: loop-host not found at .*nothing \(from LOOP_HOST\)/);
  });

  test("--help goes to commander", async () => {
    leaves(["--help"]);
    leaves(["--env", "A=1", "-h", hello]);
    const res = await both(["run", "--help"]);
    assert.equal(res.code, 0);
    assert.match(res.stdout, /^Usage: loop run \[options\] \[file\] \[args\.\.\.\]/);
    assert.deepEqual(await both(["run", "-h", hello]), res);
  });

  test("an unknown option goes to commander: its one line, exit status 2", async () => {
    leaves(["--frobnicate", hello]);
    const res = await both(["run", "--frobnicate", hello]);
    assert.equal(res.code, 2);
    assert.equal(res.stdout, "");
    assert.equal(res.stderr, "loop: unknown option '--frobnicate' (see `loop run --help`)\n");
  });

  test("bad option values go to commander: one line, exit status 2", async () => {
    for (const bad of [
      ["--timeout", "soon"],
      ["--max-memory", "lots"],
      ["--env", "=x"],
      ["--env", "A B=1"],
      ["--dir", "::/data"],
      ["--dir="],
      ["--allow-host", "a host"],
      ["--kv", "two words"],
      ["--config", "novalue"],
      ["--log", "loud"],
      ["--allow-process"],
      ["--trusted=yes"],
    ]) {
      leaves([...bad, anyWasm]);
      const res = await both(["run", ...bad, anyWasm], { env: { LOOP_HOST: echoHost } });
      assert.equal(res.code, 2, `${bad.join(" ")}: ${res.stderr}`);
      assert.equal(res.stdout, "");
      assert.match(res.stderr, /^loop: [^\n]+\n$/);
    }
  });

  test("every option reaches loop-host the same way", async () => {
    const env = { LOOP_HOST: echoHost };
    for (const options of [
      [],
      ["--env", "A=1", "--env", "B", "--dir", "./d::/d:ro", "--dir", "/tmp"],
      ["--allow-host", "127.0.0.1:9000", "--allow-host", "*", "--kv", "default"],
      ["--config", "url=http://127.0.0.1:9000/", "--trusted", "--allow-process"],
      ["--allow-process", "--trusted", "--data-dir", "a", "--data-dir", "b"],
      [
        "--timeout",
        "1s",
        "--timeout",
        "1m 30s",
        "--max-memory",
        "64MiB",
        "--max-memory",
        "1048576",
      ],
      ["--no-cache", "--cache-dir", "c", "--log", "warn", "-v"],
      ["--env=A=b=c", "--log=off", "--verbose", "--cache-dir=", "--dir=x::y"],
      ["-v", "--trusted", "--env", "K", "--trusted", "-v"],
    ]) {
      const args = [...options, anyWasm, "a", "--env", "X=1", "-v", "--"];
      takes(args);
      const res = await both(["run", ...args], { env });
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stderr, "");
      assert.match(res.stdout, /^\[run\]\n/);
      assert.ok(
        res.stdout.endsWith(`[--]\n[${anyWasm}]\n[a]\n[--env]\n[X=1]\n[-v]\n[--]\n`),
        res.stdout,
      );
    }
  });

  test("loop-host's exit status and death by a signal are loop's", async () => {
    const status = await both(["run", anyWasm], {
      env: { LOOP_HOST: echoHost, ECHO_HOST_EXIT: "42" },
    });
    assert.equal(status.code, 42);
    const killed = await both(["run", anyWasm], { env: { LOOP_HOST: killedHost } });
    assert.equal(killed.signal, "SIGTERM", `code ${killed.code}: ${killed.stderr}`);
  });

  test("forms the fast path leaves to commander still run", async () => {
    const env = { LOOP_HOST: echoHost };
    for (const args of [
      ["-vv", anyWasm], // a group of short options
      ["--env", "-x", anyWasm], // a value that looks like an option
      ["--manifest", "nowhere.toml", anyWasm],
    ]) {
      leaves(args);
      await both(["run", ...args], { env });
    }
  });
});

describe("loop run without FILE: the app of ./loop.toml", () => {
  let dir: string;

  before(async () => {
    dir = join(scratch.dir, "app");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "loop.toml"),
      `[components.hello]\npath = ${JSON.stringify(hello)}\n\n[components.hello.grants]\nenv = { GREETING = "from loop.toml" }\n`,
    );
  });

  test("runs the manifest's app, guest arguments after `--`", async () => {
    leaves([]);
    leaves(["--", "a"]);
    const plain = await both(["run"], { cwd: dir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^GREETING is "from loop\.toml"$/m);
    const args = await both(["run", "--", "a", "b"], { cwd: dir });
    assert.equal(args.code, 0, args.stderr);
    assert.match(args.stdout, /args: \[a, b\]/);
  });

  test("a word that is no file gets the manifest hint", async () => {
    leaves(["list"]);
    const res = await both(["run", "list"], { cwd: dir });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^loop: no such file: list \(.*loop run -- list\)$/m);
  });
});

test("the fast path does not load the full CLI; everything else does", async () => {
  // A module hook that reports every module of the full CLI being loaded.
  const hook = join(scratch.dir, "hook.mjs");
  const resolveHook = join(scratch.dir, "resolve-hook.mjs");
  await writeFile(
    resolveHook,
    `import { writeSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (/\\/dist\\/(loop-cli\\.mjs|index\\.js)$/.test(resolved.url)) writeSync(2, "full CLI loaded\\n");
  return resolved;
}
`,
  );
  await writeFile(
    hook,
    `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(resolveHook).href)});\n`,
  );
  const loop = (args: string[], env: Record<string, string | undefined> = {}) =>
    runCommand(process.execPath, ["--import", hook, loopBin, ...args], {
      env: { LOOP_NO_FAST_PATH: undefined, ...env },
    });
  const fast = await loop(["run", "--env", "GREETING=hi", hello, "x"]);
  assert.equal(fast.code, 0, fast.stderr);
  assert.doesNotMatch(fast.stderr, /full CLI loaded/);
  const forced = await loop(["run", hello, "x"], { LOOP_NO_FAST_PATH: "1" });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, /full CLI loaded/);
  const help = await loop(["run", "--help"]);
  assert.match(help.stderr, /full CLI loaded/);
  // A loop:fx component is the full CLI's to render (it names loop:fx/component near its end).
  const fx = join(scratch.dir, "fx.wasm");
  await writeFile(fx, "\0asm ... loop:fx/component ...");
  const rendered = await loop(["run", fx], { LOOP_HOST: echoHost });
  assert.match(rendered.stderr, /full CLI loaded/);
});
