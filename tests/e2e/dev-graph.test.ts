// `loop dev`'s watch graph, seen through its --json `plan` and `build` events (never timing): a
// scratch app whose two TypeScript fx components share one WIT package (`wit/`, named by each
// package.json's `loop.wit`); a change to the shared WIT rebuilds both, a change inside one
// component rebuilds only it, and files under ignored folders (`node_modules/`, `target/`,
// `.loop/`) rebuild nothing.
import assert from "node:assert/strict";
import { appendFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { assertNoStackTrace, tempDir } from "../helpers.js";
import { copyInto, type Dev, edit, eventsOf, save, startDev } from "./dev-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let app: string;
let dev: Dev;

before(async () => {
  scratch = await tempDir("dev-graph");
  app = join(scratch.dir, "app");
  await mkdir(join(app, "wit"), { recursive: true });
  await writeFile(
    join(app, "loop.toml"),
    '[app]\nmain = "a"\n\n[components.a]\nsource = "a"\n\n[components.b]\nsource = "b"\n',
  );
  await writeFile(
    join(app, "wit", "world.wit"),
    "package example:shared;\n\nworld app {\n  include loop:fx/app@0.1.0;\n  export loop:host/lifecycle@0.1.0;\n}\n",
  );
  for (const name of ["a", "b"]) {
    const copy = await copyInto("counter", scratch.dir);
    const dir = join(app, name);
    await rename(copy, dir);
    await rm(join(dir, "wit"), { recursive: true });
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
      name: string;
      loop: { wit: string };
    };
    pkg.name = name;
    pkg.loop.wit = "../wit";
    await writeFile(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  }
  dev = startDev(["--ui", "headless"], { cwd: app });
  await dev.next((e) => e.event === "ready");
});

after(async () => {
  await dev?.stop();
  await scratch?.cleanup();
});

/** The plan and the builds that follow one change (waits until every planned build is done). */
async function afterChange(change: () => Promise<void>) {
  const from = dev.events.length;
  await change();
  const plan = await dev.next((e) => e.event === "plan", from);
  const rebuild = plan.rebuild as string[];
  for (const name of rebuild) {
    await dev.next(
      (e) => (e.event === "swap" || e.event === "error") && e.component === name,
      from,
    );
  }
  return {
    rebuild,
    built: eventsOf(dev, "build", from).map((e) => e.component),
    errors: eventsOf(dev, "error", from),
  };
}

test("the scan finds both components and the shared WIT package", () => {
  const scan = dev.events.find((e) => e.event === "scan");
  assert.ok(scan);
  const components = scan.components as { name: string; kind: string; wit: string[] }[];
  assert.deepEqual(
    components.map((c) => [c.name, c.kind, c.wit.includes("example:shared")]),
    [
      ["a", "ts", true],
      ["b", "ts", true],
    ],
  );
  assert.ok((scan.wit as string[]).includes("example:shared"));
  assert.equal(scan.main, "a");
});

test("a shared WIT change rebuilds both components", async () => {
  const r = await afterChange(() =>
    appendFile(join(app, "wit", "world.wit"), "\n/// A comment: the package changed.\n"),
  );
  assert.deepEqual(r.rebuild, ["a", "b"]);
  assert.deepEqual(r.built.sort(), ["a", "b"]);
  assert.deepEqual(r.errors, []);
});

test("a change inside one component rebuilds only that one", async () => {
  const a = await afterChange(() =>
    edit(join(app, "a", "src", "index.ts"), 'h1("Counter")', 'h1("A")'),
  );
  assert.deepEqual(a.rebuild, ["a"]);
  assert.deepEqual(a.built, ["a"]);
  assert.deepEqual(a.errors, []);
  assert.match(await dev.html(), /<h1>A<\/h1>/);

  const b = await afterChange(() =>
    edit(join(app, "b", "src", "index.ts"), 'h1("Counter")', 'h1("B")'),
  );
  assert.deepEqual(b.rebuild, ["b"]);
  assert.deepEqual(b.built, ["b"]);
  // b is not on the page (the app runs a): the page is unchanged.
  assert.match(await dev.html(), /<h1>A<\/h1>/);
});

test("files under ignored folders rebuild nothing", async () => {
  const from = dev.events.length;
  for (const dir of ["node_modules/x", "target/debug", ".loop/data"]) {
    await mkdir(join(app, "a", dir), { recursive: true });
    await save(join(app, "a", dir, "index.ts"), "export const x = 1;\n");
  }
  // Then a real change: the only plan after `from` must be its own.
  const r = await afterChange(() => edit(join(app, "a", "src", "index.ts"), 'h1("A")', 'h1("A2")'));
  assert.deepEqual(r.rebuild, ["a"]);
  const plans = eventsOf(dev, "plan", from);
  assert.equal(plans.length, 1, JSON.stringify(plans));
  const changed = eventsOf(dev, "change", from).flatMap((e) =>
    (e.files as { path: string }[]).map((f) => f.path),
  );
  assert.deepEqual(changed, [join(app, "a", "src", "index.ts")]);
  assertNoStackTrace(dev.stderr());
});

test("a change of loop.toml scans again and restarts the app", async () => {
  const from = dev.events.length;
  await appendFile(join(app, "loop.toml"), "# a comment: the manifest changed\n");
  const plan = await dev.next((e) => e.event === "plan", from);
  assert.equal(plan.rescan, true);
  await dev.next((e) => e.event === "scan", from);
  await dev.next((e) => e.event === "ready", from);
  assert.match(await dev.html(), /<h1>A2<\/h1>/);
  assert.deepEqual(eventsOf(dev, "error", from), []);
});
