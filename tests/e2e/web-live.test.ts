// Live mode, `loop run --ui web`, in real Chromium: the components run in loop-host and the
// reconciler in the `loop` process, which serves a page on 127.0.0.1 and streams patches to it
// over a WebSocket; DOM events come back. The TypeScript counter (examples/counter) and the Rust
// todo app (examples/todo: a manifest app with keyed `todo-item` children): clicks, typing,
// add, toggle and remove (the child's emit), reorder; a reloaded page gets the current tree, a
// second page shares the app; what ran (--record) replays headless to the same patch stream
// (--patches) byte for byte.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import WebSocket from "ws";
import { assertNoStackTrace, buildExample, repoRoot, runLoop, tempDir } from "../helpers.js";
import {
  appHtml,
  assertNoPageErrors,
  click,
  launchBrowser,
  noBrowser,
  openApp,
  pagePatches,
  startLive,
  type,
  waitReady,
} from "./web-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let browser: Browser;
let counter: string;
const todoDir = join(repoRoot, "examples", "todo");
const env = () => ({ LOOP_CACHE_DIR: join(scratch.dir, "cache") });

describe("live mode: loop run --ui web", { skip: noBrowser, timeout: 600_000 }, () => {
  before(async () => {
    scratch = await tempDir("web-live");
    [counter, browser] = await Promise.all([buildExample("counter"), launchBrowser()]);
  });

  after(async () => {
    await browser?.close();
    await scratch?.cleanup();
  });

  const counterHtml = (n: number) =>
    `<div class="counter"><h1>Counter</h1><button id="dec">-</button><span id="count">${n}</span><button id="inc">+</button></div>`;

  test("counter (TypeScript): clicks, a reload gets the current tree, two pages share the app", async () => {
    const patches = join(scratch.dir, "counter.jsonl");
    const record = join(scratch.dir, "counter.log");
    const live = await startLive(["--patches", patches, "--record", record, counter], {
      env: env(),
    });
    const first = await openApp(browser, live.url);
    const { page } = first;
    assert.equal(await appHtml(page), counterHtml(0));
    for (const id of ["#inc", "#inc", "#inc", "#dec"]) await click(page, id);
    assert.equal(await page.textContent("#count"), "2");

    // A fresh page connected right after the start: the tree it was sent and the patches that
    // followed are exactly the reconciler's stream (the counter has no child components, so the
    // tree as patches is its first render's batch).
    const resets = await page.evaluate(() => window.__loop?.resets ?? []);
    assert.equal(resets.length, 1);
    assert.equal(
      (resets[0] as string) + (await pagePatches(page)),
      await readFile(patches, "utf8"),
    );

    // A reload gets the current tree, not the first render.
    await page.reload();
    await waitReady(page);
    assert.equal(await appHtml(page), counterHtml(2));

    // A second page shows the same app; its clicks reach the first page too.
    const second = await openApp(browser, live.url);
    assert.equal(await appHtml(second.page), counterHtml(2));
    await click(second.page, "#inc");
    await page.waitForFunction(() => document.getElementById("count")?.textContent === "3");
    assertNoPageErrors(first);
    assertNoPageErrors(second);

    const stopped = await live.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
    assertNoStackTrace(stopped.stderr);

    // What ran, replayed headless: the same HTML and the same patches, byte for byte.
    const replayed = join(scratch.dir, "counter-replayed.jsonl");
    const res = await runLoop(["run", "--events", record, "--patches", replayed, counter], {
      env: env(),
    });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `${counterHtml(3)}\n`);
    assert.equal(await readFile(replayed, "utf8"), await readFile(patches, "utf8"));
  });

  const HEAD =
    '<div class="todo"><h1>Todo</h1><input id="draft" value=""><button id="add">Add</button><button id="reverse">Reverse</button><button id="clear">Clear done</button><ul id="items">';
  const li = (id: number, text: string, done = false) =>
    `<li class="item${done ? " done" : ""}" data-id="${id}"><button class="toggle">${done ? "[x]" : "[ ]"}</button><span class="text">${text}</span><button class="remove">x</button></li>`;
  const todoHtml = (items: string) => `${HEAD}${items}</ul><span id="left">`;

  test("todo (Rust, manifest app): typing, add, toggle, remove, reorder, reload", async () => {
    const patches = join(scratch.dir, "todo.jsonl");
    const record = join(scratch.dir, "todo.log");
    const live = await startLive(["--patches", patches, "--record", record], {
      cwd: todoDir,
      env: env(),
    });
    const app = await openApp(browser, live.url);
    const { page } = app;
    for (const item of ["milk", "eggs", "bread"]) {
      await type(page, "#draft", item);
      await click(page, "#add");
      // The draft was cleared by the app (a patch to the controlled input's value).
      assert.equal(await page.inputValue("#draft"), "");
    }
    assert.ok(
      (await appHtml(page)).startsWith(todoHtml(li(1, "milk") + li(2, "eggs") + li(3, "bread"))),
    );
    await click(page, 'li[data-id="2"] .toggle'); // the child emits `toggle` to the list
    await click(page, 'li[data-id="1"] .remove'); // and `remove`
    // Reversing is a keyed move: the same <li> element ends up first, not a rebuilt one.
    await page.evaluate(() => {
      (document.querySelector('li[data-id="3"]') as unknown as { mark: number }).mark = 3;
    });
    await click(page, "#reverse");
    const final = `${todoHtml(li(3, "bread") + li(2, "eggs", true))}1 left</span></div>`;
    assert.equal(await appHtml(page), final);
    assert.equal(
      await page.evaluate(
        () => (document.querySelector("#items li") as unknown as { mark?: number }).mark,
      ),
      3,
    );

    // A reloaded page gets the current tree.
    await page.reload();
    await waitReady(page);
    assert.equal(await appHtml(page), final);
    assertNoPageErrors(app);
    const stopped = await live.stop();
    assert.equal(stopped.code, 0, stopped.stderr);

    const replayed = join(scratch.dir, "todo-replayed.jsonl");
    const res = await runLoop(["run", "--events", record, "--patches", replayed], {
      cwd: todoDir,
      env: env(),
    });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, `${final}\n`);
    assert.equal(await readFile(replayed, "utf8"), await readFile(patches, "utf8"));
  });

  test("only this origin's pages may connect, and only by a loopback name", async () => {
    const live = await startLive([counter], { env: env() });
    const port = new URL(live.url).port;
    const refused = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/loop/ws`, { headers });
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => {
          ws.close();
          reject(new Error(`connected with ${JSON.stringify(headers)}`));
        });
        ws.on("error", () => {});
      });
    assert.equal(await refused({ origin: "http://evil.example" }), 403);
    assert.equal(await refused({ origin: `http://127.0.0.1:${port}`, host: "evil.example" }), 403);
    // A page of another name (DNS rebinding) gets nothing.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.get(live.url, { headers: { host: `rebound.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
    });
    assert.equal(rebound, 403);
    const ok = await fetch(live.url);
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    const stopped = await live.stop();
    assert.equal(stopped.code, 0, stopped.stderr);
  });

  test("--listen refuses a non-loopback address; --listen without --ui web is a usage error", async () => {
    const wide = await runLoop(["run", "--ui", "web", "--listen", "0.0.0.0:0", counter]);
    assert.equal(wide.code, 2);
    assert.match(wide.stderr, /loopback address only/);
    const noUi = await runLoop(["run", "--listen", "127.0.0.1:0", counter]);
    assert.equal(noUi.code, 2);
    assert.match(noUi.stderr, /add --ui web/);
    const badUi = await runLoop(["run", "--ui", "tv", counter]);
    assert.equal(badUi.code, 2);
    assert.match(badUi.stderr, /--ui tv: expected headless or web/);
  });
});
