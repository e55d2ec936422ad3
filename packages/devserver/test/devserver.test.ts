// Unit tests of the default dev server's pure parts: the debouncer, what the watcher ignores,
// the plan over a watch graph, where a diagnostic points, and loading a custom dev server.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  completeWasm,
  Debouncer,
  DevServerError,
  defaultDevServer,
  type FileChange,
  isIgnored,
  loadDevServer,
  locate,
  planChanges,
  type Workspace,
  watch,
} from "../src/index.js";

test("a burst of events is one batch, one entry per path, with the last kind", async () => {
  const batches: FileChange[][] = [];
  const d = new Debouncer((b) => batches.push(b), 20, 1000);
  d.push("/a/x.ts", "unlink");
  d.push("/a/x.ts", "add"); // a rename over the file: a change
  d.push("/a/y.ts", "add");
  d.push("/a/y.ts", "change"); // still an add
  d.push("/a/z.ts", "change");
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(batches, [
    [
      { path: "/a/x.ts", kind: "change" },
      { path: "/a/y.ts", kind: "add" },
      { path: "/a/z.ts", kind: "change" },
    ],
  ]);
});

test("a steady stream is cut at maxWait", async () => {
  const batches: FileChange[][] = [];
  const d = new Debouncer((b) => batches.push(b), 30, 60);
  for (let i = 0; i < 12; i++) {
    d.push(`/a/${i}.ts`, "change");
    await new Promise((r) => setTimeout(r, 10));
  }
  d.flush();
  assert.ok(batches.length >= 2, `${batches.length} batches`);
  assert.equal(batches.flat().length, 12);
});

test("an urgent change hands over everything pending at once", async () => {
  const batches: FileChange[][] = [];
  const d = new Debouncer((b) => batches.push(b), 1000, 5000);
  d.push("/a/src/x.ts", "change");
  d.push("/a/app.wasm", "change", true);
  assert.deepEqual(batches, [
    [
      { path: "/a/app.wasm", kind: "change" },
      { path: "/a/src/x.ts", kind: "change" },
    ],
  ]);
  d.push("/a/app.wasm", "change");
  d.cancel();
  assert.equal(batches.length, 1);
});

// A module with a type section and a 200-byte custom section (a two-byte section size).
function smallModule(): Uint8Array {
  const name = new TextEncoder().encode("pad");
  const custom = [name.length, ...name, ...new Array<number>(200 - 1 - name.length).fill(7)];
  return Uint8Array.from([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...[1, 4, 1, 0x60, 0, 0], // type section: one func type () -> ()
    ...[0, 0xc8, 0x01, ...custom], // custom section, size 200 as LEB128
  ]);
}

test("completeWasm tells a whole binary from a truncated one", () => {
  const whole = smallModule();
  assert.equal(completeWasm(whole), true);
  for (const cut of [0, 4, 8, 9, 10, 13, 14, 15, 100, whole.length - 1])
    assert.equal(completeWasm(whole.subarray(0, cut)), cut === 8 || cut === 14, `cut at ${cut}`);
  assert.equal(completeWasm(new TextEncoder().encode("#!/bin/sh\necho hi\n")), false);
  const longer = new Uint8Array(whole.length + 1);
  longer.set(whole);
  assert.equal(completeWasm(longer), false, "a stray byte after the last section");
});

test("build outputs, dependencies, VCS and editor temporaries are ignored", () => {
  const roots = ["/w"];
  const ignore = ["target", "node_modules", ".git", ".loop", "dist"];
  for (const p of [
    "/w/target/release/x.wasm",
    "/w/a/node_modules/m/index.js",
    "/w/.git/index",
    "/w/a/.loop/dev/a.cjs",
    "/w/a/src/.index.ts.swp",
    "/w/a/src/index.ts~",
    "/w/a/src/4913",
    "/w/a/src/index.ts.tmp.123",
  ]) {
    assert.equal(isIgnored(p, roots, ignore), true, p);
  }
  for (const p of ["/w/a/src/index.ts", "/w/wit/world.wit", "/w/loop.toml"]) {
    assert.equal(isIgnored(p, roots, ignore), false, p);
  }
});

function workspace(): Workspace {
  const component = (name: string) => ({
    name,
    kind: "ts" as const,
    source: `/w/${name}`,
    path: null,
    files: [`/w/${name}/src/index.ts`],
    wit: ["ex:shared"],
    policy: null,
  });
  return {
    root: "/w",
    manifest: "/w/loop.toml",
    name: "w",
    main: "a",
    components: [component("a"), component("b")],
    wit: [{ id: "ex:shared", files: ["/w/wit/world.wit"], uses: [] }],
    edges: [
      { from: "file:/w/wit/world.wit", to: "wit:ex:shared" },
      { from: "wit:ex:shared", to: "component:a" },
      { from: "wit:ex:shared", to: "component:b" },
      { from: "file:/w/a/src/index.ts", to: "component:a" },
      { from: "file:/w/b/src/index.ts", to: "component:b" },
    ],
    watch: ["/w"],
    ignore: ["target"],
  };
}

test("the plan follows the graph: shared WIT → both, own file → one, manifest → rescan", () => {
  const ws = workspace();
  assert.deepEqual(planChanges(ws, [{ path: "/w/wit/world.wit", kind: "change" }]).rebuild, [
    "a",
    "b",
  ]);
  assert.deepEqual(planChanges(ws, [{ path: "/w/b/src/index.ts", kind: "change" }]).rebuild, ["b"]);
  // A file the graph does not know yet, in a component's folder: that component.
  const added = planChanges(ws, [{ path: "/w/a/src/new.ts", kind: "add" }]);
  assert.deepEqual(added.rebuild, ["a"]);
  assert.deepEqual(added.reasons, [{ component: "a", files: ["/w/a/src/new.ts"] }]);
  const other = planChanges(ws, [{ path: "/w/README.md", kind: "change" }]);
  assert.deepEqual([other.rebuild, other.unrelated], [[], ["/w/README.md"]]);
  assert.equal(planChanges(ws, [{ path: "/w/loop.toml", kind: "change" }]).rescan, true);
});

test("locate finds rustc's and esbuild's first error", () => {
  assert.deepEqual(
    locate("", "error[E0425]: cannot find value `x`\n  --> src/main.rs:4:5\n   |\n"),
    { file: "src/main.rs", line: 4, column: 5 },
  );
  assert.deepEqual(
    locate("", '✘ [ERROR] Unexpected ")"\n\n    src/index.ts:16:19:\n      16 │ x\n'),
    { file: "src/index.ts", line: 16, column: 20 },
  );
  assert.equal(locate("something failed", "no location here"), null);
});

test("a custom dev server: a function given the built-in one; missing methods are built in", async () => {
  const dir = await mkdtemp(join(tmpdir(), "loop-devserver-"));
  try {
    await writeFile(
      join(dir, "custom.mjs"),
      'export default (builtin) => ({ name: "custom", plan: (w, c) => ({ ...builtin.plan(w, c), rebuild: [] }) });\n',
    );
    const server = await loadDevServer("./custom.mjs", dir);
    assert.equal(server.name, "custom");
    assert.equal(server.scan, defaultDevServer.scan);
    assert.equal(server.load, defaultDevServer.load);
    const plan = await server.plan(workspace(), [{ path: "/w/a/src/index.ts", kind: "change" }]);
    assert.deepEqual(plan.rebuild, []);

    await writeFile(join(dir, "bad.mjs"), "export default 42;\n");
    await assert.rejects(loadDevServer("./bad.mjs", dir), DevServerError);
    await assert.rejects(loadDevServer("./missing.mjs", dir), /not found/);
    await assert.rejects(loadDevServer("no-such-devserver-package", dir), /not found/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the watcher sees every save, however fast renames over a file follow each other", async () => {
  const dir = await mkdtemp(join(tmpdir(), "loop-watch-"));
  const batches: FileChange[][] = [];
  let wake: () => void = () => {};
  const watcher = await watch({
    roots: [dir],
    ignore: ["node_modules"],
    debounceMs: 50,
    onChanges: (b) => {
      batches.push(b);
      wake();
    },
  });
  const next = () =>
    new Promise<FileChange[]>((resolve) => {
      wake = () => resolve(batches.shift() as FileChange[]);
      if (batches.length > 0) wake();
    });
  const file = join(dir, "app.wasm");
  const save = async (text: string) => {
    await writeFile(`${file}.tmp.1`, text);
    await rename(`${file}.tmp.1`, file);
  };
  try {
    await save("0");
    assert.deepEqual(await next(), [{ path: file, kind: "add" }]);
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 5; i++) await save(`${round}.${i}`);
      const batch = await next();
      assert.deepEqual(batch, [{ path: file, kind: "change" }], `round ${round}`);
    }
    // A new folder with a file, and files under ignored folders.
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub", "a.ts"), "x");
    await mkdir(join(dir, "node_modules"));
    await writeFile(join(dir, "node_modules", "b.ts"), "x");
    const added = (await next()).map((c) => c.path);
    assert.ok(added.includes(join(dir, "sub", "a.ts")), JSON.stringify(added));
    assert.ok(!added.some((p) => p.includes("node_modules")), JSON.stringify(added));
    await rm(file);
    assert.deepEqual(await next(), [{ path: file, kind: "unlink" }]);
  } finally {
    await watcher.close();
    await rm(dir, { recursive: true, force: true });
  }
});
