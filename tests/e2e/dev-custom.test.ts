// A custom `loop:devserver` named in loop.toml (`[dev] server = "./my-devserver.mjs"`): a small
// module wrapping the built-in dev server (its default export is a function given the built-in
// one) that tags its name, records each `load`, and plans no rebuild for `*.draft.ts` files.
// `loop dev` uses it: the `server` event names it, its loads build and swap the counter (the
// count kept), and its plan decides what a change rebuilds.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { assertNoStackTrace, tempDir } from "../helpers.js";
import {
  COUNTER,
  copyInto,
  counterHtml,
  type Dev,
  edit,
  eventsOf,
  startDev,
} from "./dev-helpers.js";

const DEV_SERVER = `// A custom loop:devserver: the built-in one, tagged, recording its loads.
import { appendFileSync } from "node:fs";

export default function tagged(builtin) {
  return {
    name: "tagged-devserver",
    scan: (request) => builtin.scan(request),
    async plan(workspace, changes) {
      const drafts = changes.filter((c) => c.path.endsWith(".draft.ts"));
      const plan = await builtin.plan(
        workspace,
        changes.filter((c) => !drafts.includes(c)),
      );
      return { ...plan, unrelated: [...plan.unrelated, ...drafts.map((c) => c.path)] };
    },
    async load(workspace, component, options) {
      const loaded = await builtin.load(workspace, component, options);
      appendFileSync(process.env.LOOP_TEST_LOADS, component + " " + loaded.artifact.kind + "\\n");
      return loaded;
    },
  };
}
`;

let scratch: { dir: string; cleanup: () => Promise<void> };
let dev: Dev;
let loads: string;
let app: string;

before(async () => {
  scratch = await tempDir("dev-custom");
  app = join(scratch.dir, "app");
  await copyInto("counter", app);
  await writeFile(
    join(app, "loop.toml"),
    '[dev]\nserver = "./my-devserver.mjs"\n\n[components.counter]\nsource = "counter"\n',
  );
  await writeFile(join(app, "my-devserver.mjs"), DEV_SERVER);
  loads = join(scratch.dir, "loads.log");
  dev = startDev(["--ui", "headless"], { cwd: app, env: { LOOP_TEST_LOADS: loads } });
});

after(async () => {
  await dev?.stop();
  await scratch?.cleanup();
});

test("loop dev uses the dev server loop.toml names", async () => {
  const server = await dev.next((e) => e.event === "server");
  assert.equal(server.name, "tagged-devserver");
  await dev.next((e) => e.event === "ready");
  assert.equal(await readFile(loads, "utf8"), "counter module\n");
  assert.equal(await dev.html(), counterHtml(0));
});

test("its load builds each edit, and the swap keeps the count", async () => {
  await dev.click(COUNTER.inc);
  assert.equal(await dev.click(COUNTER.inc), counterHtml(2));
  const from = dev.events.length;
  await edit(join(app, "counter", "src", "index.ts"), 'h1("Counter")', 'h1("Custom")');
  const swap = await dev.next((e) => e.event === "swap", from);
  assert.equal(swap.state, "kept");
  assert.equal(await dev.html(), counterHtml(2, "Custom"));
  assert.equal(await readFile(loads, "utf8"), "counter module\ncounter module\n");
});

test("its plan decides what a change rebuilds", async () => {
  const from = dev.events.length;
  const draft = join(app, "counter", "src", "notes.draft.ts");
  await writeFile(draft, "export const draft = 1;\n");
  const plan = await dev.next((e) => e.event === "plan", from);
  assert.deepEqual(plan.rebuild, []);
  assert.deepEqual(plan.unrelated, [draft]);
  assert.equal(eventsOf(dev, "build", from).length, 0);
  assert.equal(await readFile(loads, "utf8"), "counter module\ncounter module\n");
  assertNoStackTrace(dev.stderr());
});
