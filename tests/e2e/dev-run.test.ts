// `loop dev` on a command component and on bad input: a prebuilt `.wasm` (examples/hello) runs
// with its arguments and reruns whenever the file is replaced; a folder with nothing runnable, a
// broken manifest, a missing path or dev server each end `loop dev` with one clear `loop:` line
// (and, with --json, an `error` event), no stack trace.
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { assertNoStackTrace, buildExample, lines, runLoop, tempDir } from "../helpers.js";
import { eventsOf, startDev } from "./dev-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  scratch = await tempDir("dev-run");
});

after(() => scratch?.cleanup());

test("a command reruns with its arguments each time its .wasm is replaced", {
  timeout: 600_000,
}, async () => {
  const wasm = await buildExample("hello");
  const dir = join(scratch.dir, "cmd");
  await mkdir(dir);
  const target = join(dir, "hello.wasm");
  await copyFile(wasm, target);
  const dev = startDev(["--env", "GREETING=hi", "hello.wasm", "--", "one", "two"], { cwd: dir });
  try {
    const scan = await dev.next((e) => e.event === "scan");
    assert.deepEqual(
      (scan.components as { kind: string }[]).map((c) => c.kind),
      ["wasm"],
    );
    await dev.next((e) => e.event === "run");
    const exit = await dev.next((e) => e.event === "exit");
    assert.equal(exit.code, 0);
    // With --json the guest's stdout goes to stderr, so stdout stays JSON.
    assert.match(dev.stderr(), /args: \[one, two\]/);
    assert.match(dev.stderr(), /hi/);
    assert.deepEqual(dev.stray, []);

    const from = dev.events.length;
    await writeFile(`${target}.next`, await readFile(wasm));
    await rename(`${target}.next`, target);
    const plan = await dev.next((e) => e.event === "plan", from);
    assert.deepEqual(plan.rebuild, ["hello"]);
    await dev.next((e) => e.event === "run", from);
    const again = await dev.next((e) => e.event === "exit", from);
    assert.equal(again.code, 0);
    assert.equal(dev.stderr().match(/args: \[one, two\]/g)?.length, 2);
    assert.equal(eventsOf(dev, "error").length, 0);
  } finally {
    assert.equal(await dev.stop(), 0);
  }
  assertNoStackTrace(dev.stderr());
});

describe("bad input: one clear line, no stack trace", () => {
  const cases: [string, (dir: string) => Promise<string[]>, RegExp][] = [
    [
      "a folder with nothing runnable",
      async () => [],
      /^loop: there is no loop\.toml in \S+, and it is not a component project \(Cargo\.toml or package\.json\)/,
    ],
    [
      "a broken manifest",
      async (dir) => {
        await writeFile(join(dir, "loop.toml"), "[components.app]\npath = 3\n");
        return [];
      },
      /^loop: invalid manifest: \S+loop\.toml:2: components\.app\.path: invalid type/,
    ],
    [
      "a manifest without components",
      async (dir) => {
        await writeFile(join(dir, "loop.toml"), '[app]\nname = "x"\n');
        return [];
      },
      /^loop: \S+loop\.toml declares no components: add a \[components\.NAME\] table/,
    ],
    [
      "a missing source folder",
      async (dir) => {
        await writeFile(join(dir, "loop.toml"), '[components.app]\nsource = "nope"\n');
        return [];
      },
      /^loop: component app: its source folder \S+nope does not exist/,
    ],
    [
      "a path that does not exist",
      async () => ["missing.wasm"],
      /^loop: no such file or folder: missing\.wasm \(loop dev takes an app or component folder, or a \.wasm\)$/m,
    ],
    [
      "a file that is not a component",
      async (dir) => {
        await writeFile(join(dir, "notes.txt"), "hello");
        return ["notes.txt"];
      },
      /^loop: notes\.txt is not a \.wasm component or a project folder \(/,
    ],
    [
      "a dev server module that is not there",
      async (dir) => {
        await writeFile(
          join(dir, "loop.toml"),
          '[dev]\nserver = "./nope.mjs"\n\n[components.app]\npath = "app.wasm"\n',
        );
        return [];
      },
      /^loop: dev server module \S+nope\.mjs not found/,
    ],
  ];
  let n = 0;
  for (const [name, setup, expected] of cases) {
    test(name, async () => {
      const dir = join(scratch.dir, `bad${++n}`);
      await mkdir(dir);
      const args = await setup(dir);
      const res = await runLoop(["dev", ...args], { cwd: dir, timeoutMs: 60_000 });
      assert.equal(res.code, 1, res.stderr);
      assert.equal(res.stdout, "");
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      assert.match(res.stderr, expected);
      assertNoStackTrace(res.stderr);

      const json = await runLoop(["dev", "--json", ...args], { cwd: dir, timeoutMs: 60_000 });
      assert.equal(json.code, 1, json.stderr);
      const events = lines(json.stdout).map((l) => JSON.parse(l) as { event: string });
      assert.ok(
        events.some((e) => e.event === "error"),
        `an error event on stdout:\n${json.stdout}`,
      );
      assert.equal(lines(json.stderr).length, 1, json.stderr);
    });
  }
});
