// In-browser mode, `loop pack --web`, in real Chromium: a static folder that runs the app
// entirely in the page (jco-transpiled components, the same fx reconciler, @loop-kit/web-host's
// providers, @loop-kit/dom). The TypeScript counter (a componentize-js component) and the Rust
// todo app (two components): clicks, typing, add, toggle, remove, reorder; a reload starts the
// app afresh (its state lives in the page). The screenshots in docs/img are taken here.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { assertNoStackTrace, repoRoot, runLoop, tempDir } from "../helpers.js";
import {
  appHtml,
  assertNoPageErrors,
  click,
  launchBrowser,
  noBrowser,
  openApp,
  screenshot,
  serveStatic,
  type,
  waitReady,
} from "./web-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let browser: Browser;
const shots = join(repoRoot, "docs", "img");

/** `loop pack --web PATH --out DIR`, checked. */
async function pack(path: string, out: string): Promise<string> {
  const res = await runLoop(["pack", "--web", path, "--out", out], { timeoutMs: 600_000 });
  assert.equal(res.code, 0, res.stderr);
  assertNoStackTrace(res.stderr);
  return res.stdout;
}

describe("in-browser mode: loop pack --web", { skip: noBrowser, timeout: 600_000 }, () => {
  before(async () => {
    scratch = await tempDir("web-pack");
    browser = await launchBrowser();
    await mkdir(shots, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await scratch?.cleanup();
  });

  test("counter (TypeScript): packs, runs, clicks; a reload starts afresh", async () => {
    const out = join(scratch.dir, "counter");
    const stdout = await pack("examples/counter", out);
    assert.match(stdout, /^packed counter \(1 component\) into .+ in .+\n/);
    assert.match(stdout, /python3 -m http\.server -d /);
    for (const f of [
      "index.html",
      "app.js",
      "loop-web.json",
      "components/counter/counter.core.wasm",
    ])
      assert.ok(existsSync(join(out, f)), `${f} was not written`);
    const meta = JSON.parse(await readFile(join(out, "loop-web.json"), "utf8")) as {
      root: string;
      components: { name: string; imports: string[] }[];
    };
    assert.equal(meta.root, "counter");
    // A componentize-js component imports much of WASI 0.2: the page provides all of it.
    assert.ok(meta.components[0]?.imports.includes("wasi:http/outgoing-handler"));

    const server = await serveStatic(out);
    try {
      const app = await openApp(browser, server.url);
      const { page } = app;
      assert.equal(
        await appHtml(page),
        '<div class="counter"><h1>Counter</h1><button id="dec">-</button><span id="count">0</span><button id="inc">+</button></div>',
      );
      for (const id of ["#inc", "#inc", "#inc", "#inc", "#dec"]) await click(page, id);
      assert.equal(await page.textContent("#count"), "3");
      await screenshot(page, join(shots, "counter.png"));
      // The app's state lives in the page: a reload starts it again.
      await page.reload();
      await waitReady(page);
      assert.equal(await page.textContent("#count"), "0");
      assertNoPageErrors(app);
    } finally {
      await server.close();
    }
  });

  const HEAD =
    '<div class="todo"><h1>Todo</h1><input id="draft" value=""><button id="add">Add</button><button id="reverse">Reverse</button><button id="clear">Clear done</button><ul id="items">';
  const li = (id: number, text: string, done = false) =>
    `<li class="item${done ? " done" : ""}" data-id="${id}"><button class="toggle">${done ? "[x]" : "[ ]"}</button><span class="text">${text}</span><button class="remove">x</button></li>`;
  const todoHtml = (items: string, left: number) =>
    `${HEAD}${items}</ul><span id="left">${left} left</span></div>`;

  test("todo (Rust, two components): typing, add, toggle, remove, reorder, clear; reload", async () => {
    const out = join(scratch.dir, "todo");
    const stdout = await pack("examples/todo", out);
    assert.match(stdout, /^packed todo \(2 components: todo, todo-item\) into /);
    const server = await serveStatic(out);
    try {
      const app = await openApp(browser, server.url);
      const { page } = app;
      assert.equal(await appHtml(page), todoHtml("", 0));
      for (const item of ["milk", "eggs", "bread"]) {
        await type(page, "#draft", item);
        await click(page, "#add");
        assert.equal(await page.inputValue("#draft"), "");
      }
      await click(page, 'li[data-id="2"] .toggle');
      assert.equal(
        await appHtml(page),
        todoHtml(li(1, "milk") + li(2, "eggs", true) + li(3, "bread"), 2),
      );
      await screenshot(page, join(shots, "todo.png"));

      await click(page, 'li[data-id="1"] .remove');
      await page.evaluate(() => {
        (document.querySelector('li[data-id="3"]') as unknown as { mark: number }).mark = 3;
      });
      await click(page, "#reverse");
      assert.equal(await appHtml(page), todoHtml(li(3, "bread") + li(2, "eggs", true), 1));
      // A keyed move: the same element, not a rebuilt one.
      assert.equal(
        await page.evaluate(
          () => (document.querySelector("#items li") as unknown as { mark?: number }).mark,
        ),
        3,
      );
      await click(page, "#clear");
      assert.equal(await appHtml(page), todoHtml(li(3, "bread"), 1));

      await page.reload();
      await waitReady(page);
      assert.equal(await appHtml(page), todoHtml("", 0));
      assertNoPageErrors(app);
    } finally {
      await server.close();
    }
  });

  test("loop pack without a target, or of a path that is no app, says what to do", async () => {
    const none = await runLoop(["pack", "examples/counter"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /loop pack needs a target: --web/);
    const missing = await runLoop(["pack", "--web", join(scratch.dir, "nothing-here")]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^loop: no such file or folder: /m);
    assertNoStackTrace(missing.stderr);
  });
});
