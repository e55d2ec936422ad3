// `loop run` on fx components when something is wrong: each is one clear line on stderr (no
// stack), a status, and nothing on stdout. Also a TypeScript fx component with timers, built
// here: set-timeout / clear-timeout and the virtual clock through loop-host, and a trap in render.
import assert from "node:assert/strict";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  buildGuest,
  lines,
  type RunOptions,
  repoRoot,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let counter: string;
let todoApp: string;
let hello: string;
let ticker: string;

// A TypeScript fx component with timers: "start" ticks every 100 virtual ms, three times;
// "stop" cancels the pending tick; it shows the tick count and the virtual time it rendered
// at; props {"fail": true} make render throw.
const TICKER = `import { button, defineComponent, div, now, span } from "@loop-kit/sdk";

interface State { ticks: number; timer: number }

export const component = defineComponent<State, { fail?: boolean }>({
  initial: { ticks: 0, timer: 0 },
  render: (s, props) => {
    if (props.fail) throw new Error("render failed on purpose");
    return div(
      button({ id: "start", on: { click: "start" } }, "start"),
      button({ id: "stop", on: { click: "stop" } }, "stop"),
      span({ id: "ticks" }, \`\${s.ticks} ticks at \${now()}\`),
    );
  },
  handlers: {
    start: (s, _payload, ctx) => ({ ...s, timer: ctx.setTimeout(100, "tick") }),
    tick: (s, _payload, ctx) => ({
      ticks: s.ticks + 1,
      timer: s.ticks + 1 < 3 ? ctx.setTimeout(100, "tick") : 0,
    }),
    stop: (s, _payload, ctx) => {
      ctx.clearTimeout(s.timer);
      return { ...s, timer: 0 };
    },
  },
});
`;

before(async () => {
  scratch = await tempDir("fx-errors");
  const project = join(scratch.dir, "ticker");
  await mkdir(join(project, "src"), { recursive: true });
  await mkdir(join(project, "wit"), { recursive: true });
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({
      name: "ticker",
      private: true,
      type: "module",
      loop: { world: "app", wit: "wit", entry: "src/index.ts" },
    }),
  );
  await writeFile(
    join(project, "wit", "world.wit"),
    "package test:ticker;\n\nworld app {\n  include loop:fx/app@0.1.0;\n}\n",
  );
  await writeFile(join(project, "src", "index.ts"), TICKER);
  [counter, todoApp, hello, ticker] = await Promise.all([
    buildExample("counter-rs"),
    buildGuest("examples/todo/app"),
    buildExample("hello"),
    (async () => {
      const res = await runLoop(["component", "build", project, "--json"], { timeoutMs: 600_000 });
      assert.equal(res.code, 0, res.stderr);
      return (JSON.parse(res.stdout) as { wasm: string }).wasm;
    })(),
  ]);
});

after(() => scratch.cleanup());

function loop(args: string[], options: RunOptions = {}) {
  return runLoop(args, {
    ...options,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env },
  });
}

let files = 0;
async function file(text: string): Promise<string> {
  const path = join(scratch.dir, `f${++files}.log`);
  await writeFile(path, text);
  return path;
}

/** Asserts a failed run: `code`, nothing on stdout, one `loop: ...` line matching `pattern`. */
function assertOneLine(
  res: { code: number | null; stdout: string; stderr: string },
  code: number,
  pattern: RegExp,
): void {
  assert.equal(res.code, code, res.stderr);
  assert.equal(res.stdout, "");
  assertNoStackTrace(res.stderr);
  const all = lines(res.stderr);
  assert.equal(all.length, 1, `expected one line on stderr, got:\n${res.stderr}`);
  assert.match(all[0] as string, pattern);
}

describe("timers and the clock (TypeScript fx component)", () => {
  // Node ids: div 1, button#start 2, "start" 3, button#stop 4, "stop" 5, span 6, its text 7.
  test("set-timeout fires on virtual time; now() follows the clock", async () => {
    const log = await file(
      '{"t":0,"type":"event","node":2,"event":"click"}\n{"t":250,"type":"advance"}\n',
    );
    const res = await loop(["run", "--events", log, ticker]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /<span id="ticks">2 ticks at 200<\/span>/);
    const more = await file(
      '{"t":0,"type":"event","node":2,"event":"click"}\n{"t":5000,"type":"advance"}\n',
    );
    const done = await loop(["run", "--events", more, ticker]);
    assert.match(done.stdout, /<span id="ticks">3 ticks at 300<\/span>/);
  });

  test("clear-timeout cancels the pending tick", async () => {
    const log = await file(
      [
        '{"t":0,"type":"event","node":2,"event":"click"}',
        '{"t":150,"type":"event","node":4,"event":"click"}',
        '{"t":1000,"type":"advance"}',
      ].join("\n"),
    );
    const res = await loop(["run", "--events", log, ticker]);
    assert.equal(res.code, 0, res.stderr);
    // One tick at 100; stopping re-rendered at 150; nothing after.
    assert.match(res.stdout, /<span id="ticks">1 ticks at 150<\/span>/);
  });

  test("a component that throws in render: one line, status 134", async () => {
    const res = await loop(["run", "--props", '{"fail":true}', ticker]);
    assert.equal(res.code, 134, res.stderr);
    assert.equal(res.stdout, "");
    assertNoStackTrace(res.stderr);
    // componentize-js prints the JS error itself (guest output); loop's line is the last.
    assert.match(
      lines(res.stderr).at(-1) as string,
      /^loop: component "ticker" \(fiber 1\) failed to render: .*trap/,
    );
  });
});

describe("one clear line", () => {
  test("a bad event log line names the file and line", async () => {
    const log = await file('{"t":0,"type":"flush"}\n\n{"t":1,"type":"event","node":8\n');
    assertOneLine(
      await loop(["run", "--events", log, counter]),
      1,
      /^loop: .*f\d+\.log: event log line 3: not JSON/,
    );
    const back = await file('{"t":5,"type":"flush"}\n{"t":1,"type":"flush"}\n');
    assertOneLine(
      await loop(["run", "--events", back, counter]),
      1,
      /event log line 2: "t" goes back in time \(1 after 5\)$/,
    );
    const kind = await file('{"t":0,"type":"click"}\n');
    assertOneLine(
      await loop(["run", "--events", kind, counter]),
      1,
      /event log line 1: unknown "type" "click"/,
    );
  });

  test("a missing event log", async () => {
    assertOneLine(
      await loop(["run", "--events", join(scratch.dir, "nope.log"), counter]),
      1,
      /^loop: no such file: .*nope\.log \(the --events log\)$/,
    );
  });

  test("an unknown component name (FILE without its child next to it)", async () => {
    const dir = join(scratch.dir, "alone");
    await mkdir(dir, { recursive: true });
    await copyFile(todoApp, join(dir, "todo_app.wasm"));
    const log = await file(
      '{"t":0,"type":"event","node":4,"event":"input","payload":{"value":"x"}}\n{"t":0,"type":"event","node":5,"event":"click"}\n',
    );
    assertOneLine(
      await loop(["run", "--events", log, join(dir, "todo_app.wasm")]),
      1,
      /^loop: could not instantiate component "todo-item" \(fiber 2\): no component named "todo-item": looked for .*todo-item\.wasm and .*todo_item\.wasm .*\(at .*f\d+\.log:2\)$/,
    );
  });

  test("an unknown component name (manifest without it)", async () => {
    const dir = join(scratch.dir, "partial");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "loop.toml"),
      `[components.todo]\nsource = ${JSON.stringify(join(repoRoot, "examples", "todo", "app"))}\n`,
    );
    const log = await file(
      '{"t":0,"type":"event","node":4,"event":"input","payload":{"value":"x"}}\n{"t":0,"type":"event","node":5,"event":"click"}\n',
    );
    assertOneLine(
      await loop(["run", "--events", log], { cwd: dir }),
      1,
      /^loop: could not instantiate component "todo-item" \(fiber 2\): loop\.toml has no component named "todo-item" \(it has: todo\)/,
    );
  });

  test("--events on a component that is not an fx component", async () => {
    assertOneLine(
      await loop(["run", "--events", await file(""), hello]),
      1,
      /is not a loop:fx component \(it targets wasi:cli\/command/,
    );
  });

  test("options after FILE are refused for an fx component (they would be guest arguments)", async () => {
    assertOneLine(
      await loop(["run", counter, "--events", "x.log"]),
      2,
      /is a loop:fx component, which takes no arguments \(got: --events x\.log\); put options such as --events before FILE$/,
    );
  });

  test("an event for a node with no such listener is a warning, not a failure", async () => {
    const res = await loop([
      "run",
      "--events",
      await file('{"t":0,"type":"event","node":99,"event":"click"}\n'),
      counter,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(
      res.stderr,
      /^loop: warning: .*f\d+\.log:1: node 99 has no "click" listener; event ignored$/m,
    );
  });
});
