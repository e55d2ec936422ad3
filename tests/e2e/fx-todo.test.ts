// `loop run` on the todo app (examples/todo: a `todo` list with keyed `todo-item` children that
// emit `toggle` / `remove` to it), through the real CLI: as the app of its loop.toml (built from
// source), with --manifest, and as a FILE with its child next to it. Driven by event logs:
// type and add three items, toggle one, remove one through the child's emit, reverse.
import assert from "node:assert/strict";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  assertNoStackTrace,
  buildGuest,
  type RunOptions,
  repoRoot,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let app: string;
let item: string;
const todoDir = join(repoRoot, "examples", "todo");

before(async () => {
  scratch = await tempDir("fx-todo");
  [app, item] = await Promise.all([
    buildGuest("examples/todo/app"),
    buildGuest("examples/todo/item"),
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
const outPath = (ext: string) => join(scratch.dir, `out${++files}.${ext}`);

// Node ids: div 1, h1 2, "Todo" 3, input#draft 4, button#add 5, "Add" 6, button#reverse 7,
// "Reverse" 8, button#clear 9, "Clear done" 10, ul#items 11, span#left 12, its text 13; then
// seven per item (li, toggle, "[ ]", span, text, remove, "x"): item 1 is 14-20, item 2 21-27,
// item 3 28-34.
const type = (t: number, value: string) =>
  `{"t":${t},"type":"event","node":4,"event":"input","payload":${JSON.stringify(JSON.stringify({ value }))}}`;
const click = (t: number, node: number) =>
  `{"t":${t},"type":"event","node":${node},"event":"click","payload":"{}"}`;

const ADD_THREE = [
  type(0, "milk"),
  click(10, 5),
  type(20, "eggs"),
  click(30, 5),
  type(40, "bread"),
  click(50, 5),
];
const SESSION = `${[...ADD_THREE, click(60, 22), click(70, 19), click(80, 7)].join("\n")}\n`;

const HEAD =
  '<div class="todo"><h1>Todo</h1><input id="draft" value=""><button id="add">Add</button><button id="reverse">Reverse</button><button id="clear">Clear done</button><ul id="items">';
const li = (id: number, text: string, done = false) =>
  `<li class="item${done ? " done" : ""}" data-id="${id}"><button class="toggle">${done ? "[x]" : "[ ]"}</button><span class="text">${text}</span><button class="remove">x</button></li>`;

const AFTER_ADD = `${HEAD}${li(1, "milk")}${li(2, "eggs")}${li(3, "bread")}</ul><span id="left">3 left</span></div>\n`;
const AFTER_SESSION = `${HEAD}${li(3, "bread")}${li(2, "eggs", true)}</ul><span id="left">1 left</span></div>\n`;

test("the app of examples/todo/loop.toml, from its folder: add three items", async () => {
  const res = await loop(["run", "--events", await file(`${ADD_THREE.join("\n")}\n`)], {
    cwd: todoDir,
  });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, AFTER_ADD);
  assertNoStackTrace(res.stderr);
});

test("toggle (child emits to the parent), remove (the same), reverse (keyed moves)", async () => {
  const patches = outPath("jsonl");
  const res = await loop(["run", "--events", await file(SESSION), "--patches", patches], {
    cwd: todoDir,
  });
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, AFTER_SESSION);
  const ops = (await readFile(patches, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { op: string; id: number });
  // Item 1 went as a whole subtree; reversing two items is one move.
  assert.deepEqual(
    ops.filter((p) => p.op === "remove"),
    [{ op: "remove", parent: 11, id: 14 }],
  );
  assert.deepEqual(
    ops.filter((p) => p.op === "move"),
    [{ op: "move", parent: 11, id: 28, before: 21 }],
  );
});

test("--manifest from another folder, and the same log twice: byte-identical patches", async () => {
  const log = await file(SESSION);
  const [a, b] = [outPath("jsonl"), outPath("jsonl")];
  for (const out of [a, b]) {
    const res = await loop([
      "run",
      "--manifest",
      "examples/todo/loop.toml",
      "--events",
      log,
      "--patches",
      out,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, AFTER_SESSION);
  }
  const [pa, pb] = [await readFile(a), await readFile(b)];
  assert.ok(pa.length > 2000);
  assert.ok(pa.equals(pb), "the patch streams differ");
});

test("--record, then --events of the record: the same HTML, patches and log", async () => {
  const rec = outPath("log");
  const p1 = outPath("jsonl");
  const first = await loop(
    ["run", "--events", await file(SESSION), "--record", rec, "--patches", p1],
    { cwd: todoDir },
  );
  assert.equal(first.code, 0, first.stderr);
  const rec2 = outPath("log");
  const p2 = outPath("jsonl");
  const again = await loop(["run", "--events", rec, "--record", rec2, "--patches", p2], {
    cwd: todoDir,
  });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout, AFTER_SESSION);
  assert.equal(await readFile(p2, "utf8"), await readFile(p1, "utf8"));
  assert.equal(await readFile(rec2, "utf8"), await readFile(rec, "utf8"));
});

test("a FILE finds its child components next to it (todo-item → todo_item.wasm)", async () => {
  const dir = join(scratch.dir, "file-mode");
  await (await import("node:fs/promises")).mkdir(dir, { recursive: true });
  await copyFile(app, join(dir, "todo_app.wasm"));
  await copyFile(item, join(dir, "todo_item.wasm"));
  const res = await loop(["run", "--events", await file(SESSION), join(dir, "todo_app.wasm")]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, AFTER_SESSION);
});
