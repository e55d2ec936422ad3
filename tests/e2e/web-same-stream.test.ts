// One patch stream, three renderers: the same event log (docs/fx.md) gives the same patch JSON
// lines, byte for byte, headless (`loop run --events --patches`), in live mode (`loop run --ui
// web --events --patches`, whose page then shows the result) and in in-browser mode (the packed
// page replaying the log with `__loop.replay`). And the other way round: real clicks and typing
// in a page, recorded by the page, replay headless and live to the patches the page applied.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { buildExample, repoRoot, runLoop, tempDir } from "../helpers.js";
import {
  appHtml,
  assertNoPageErrors,
  click,
  idle,
  launchBrowser,
  noBrowser,
  openApp,
  pagePatches,
  serveStatic,
  startLive,
  type,
} from "./web-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let browser: Browser;
let counter: string;
const servers: { url: string; close(): Promise<void> }[] = [];
const packed: Record<"counter" | "todo", string> = { counter: "", todo: "" };
const todoDir = join(repoRoot, "examples", "todo");
const env = () => ({ LOOP_CACHE_DIR: join(scratch.dir, "cache") });

let files = 0;
async function file(text: string): Promise<string> {
  const path = join(scratch.dir, `f${++files}.log`);
  await writeFile(path, text);
  return path;
}

/** An app: how `loop run` finds it, and where its packed folder is served. */
interface App {
  /** `loop run` arguments after the options (a FILE, or none for ./loop.toml). */
  args: () => string[];
  cwd?: string;
  url: () => string;
}

const apps: Record<"counter" | "todo", App> = {
  counter: { args: () => [counter], url: () => packed.counter },
  todo: { args: () => [], cwd: todoDir, url: () => packed.todo },
};

/** Headless: the patches and the final HTML. */
async function headless(app: App, log: string): Promise<{ patches: string; html: string }> {
  const out = join(scratch.dir, `h${++files}.jsonl`);
  const res = await runLoop(["run", "--events", log, "--patches", out, ...app.args()], {
    ...(app.cwd ? { cwd: app.cwd } : {}),
    env: env(),
  });
  assert.equal(res.code, 0, res.stderr);
  return { patches: await readFile(out, "utf8"), html: res.stdout.trimEnd() };
}

/** Live mode replaying the log at start: the patches, and what a page then shows. */
async function live(app: App, log: string): Promise<{ patches: string; html: string }> {
  const out = join(scratch.dir, `l${++files}.jsonl`);
  const server = await startLive(["--events", log, "--patches", out, ...app.args()], {
    ...(app.cwd ? { cwd: app.cwd } : {}),
    env: env(),
  });
  const page = await openApp(browser, server.url);
  const html = await appHtml(page.page);
  assertNoPageErrors(page);
  await page.page.context().close();
  const stopped = await server.stop();
  assert.equal(stopped.code, 0, stopped.stderr);
  return { patches: await readFile(out, "utf8"), html };
}

/** In-browser mode: a fresh page replays the log; the patches it applied, and its HTML. */
async function inBrowser(app: App, log: string): Promise<{ patches: string; html: string }> {
  const page = await openApp(browser, app.url());
  await page.page.evaluate((text) => window.__loop?.replay?.(text), await readFile(log, "utf8"));
  await idle(page.page);
  const result = { patches: await pagePatches(page.page), html: await appHtml(page.page) };
  assertNoPageErrors(page);
  await page.page.context().close();
  return result;
}

// Counter node ids: div 1, h1 2, "Counter" 3, button#dec 4, "-" 5, span 6, "0" 7, button#inc 8.
const CLICKS = [
  '{"t":0,"type":"event","node":8,"event":"click","payload":"{}"}',
  '{"t":16,"type":"event","node":8,"event":"click","payload":"{}"}',
  '{"t":32,"type":"event","node":8,"event":"click","payload":"{}"}',
  '{"t":48,"type":"event","node":4,"event":"click","payload":"{}"}',
];

// Todo node ids (tests/e2e/fx-todo.test.ts): input#draft 4, button#add 5, button#reverse 7;
// seven per item: item 1's toggle is 15 and remove 19, item 2's toggle 22.
const input = (t: number, value: string) =>
  `{"t":${t},"type":"event","node":4,"event":"input","payload":${JSON.stringify(JSON.stringify({ value }))}}`;
const press = (t: number, node: number) =>
  `{"t":${t},"type":"event","node":${node},"event":"click","payload":"{}"}`;
const SESSION = [
  input(0, "milk"),
  press(10, 5),
  input(20, "eggs"),
  press(30, 5),
  input(40, "bread"),
  press(50, 5),
  press(60, 22),
  press(70, 19),
  press(80, 7),
];

describe("the same patch stream headless, live and in the browser", {
  skip: noBrowser,
  timeout: 600_000,
}, () => {
  before(async () => {
    scratch = await tempDir("web-same");
    [counter, browser] = await Promise.all([buildExample("counter"), launchBrowser()]);
    for (const name of ["counter", "todo"] as const) {
      const out = join(scratch.dir, `web-${name}`);
      const res = await runLoop(["pack", "--web", `examples/${name}`, "--out", out], {
        timeoutMs: 600_000,
      });
      assert.equal(res.code, 0, res.stderr);
      const server = await serveStatic(out);
      servers.push(server);
      packed[name] = server.url;
    }
  });

  after(async () => {
    for (const s of servers) await s.close();
    await browser?.close();
    await scratch?.cleanup();
  });

  for (const [name, log] of [
    ["counter (TypeScript)", CLICKS],
    ["todo (Rust, keyed children)", SESSION],
  ] as const) {
    test(`${name}: one event log, byte-identical patches in all three`, async () => {
      const app = name.startsWith("counter") ? apps.counter : apps.todo;
      const path = await file(`${log.join("\n")}\n`);
      const h = await headless(app, path);
      const l = await live(app, path);
      const b = await inBrowser(app, path);
      assert.ok(h.patches.split("\n").length > 20, "too few patches to compare");
      assert.equal(l.patches, h.patches, "live mode's patch stream differs from headless");
      assert.equal(b.patches, h.patches, "in-browser mode's patch stream differs from headless");
      assert.equal(l.html, h.html);
      assert.equal(b.html, h.html);
    });
  }

  test("real typing and clicks in a page, recorded by it, replay to its patches headless and live", async () => {
    const page = await openApp(browser, apps.todo.url());
    const p = page.page;
    for (const item of ["tea", "jam"]) {
      await type(p, "#draft", item);
      await click(p, "#add");
    }
    await click(p, 'li[data-id="1"] .toggle');
    await click(p, "#reverse");
    await click(p, 'li[data-id="2"] .remove');
    const recorded = await p.evaluate(() => window.__loop?.log?.() ?? "");
    const patches = await pagePatches(p);
    const html = await appHtml(p);
    assertNoPageErrors(page);
    await p.context().close();
    // Key by key: an `input` event per character, each with the value so far.
    assert.match(recorded, /"payload":"\{\\"value\\":\\"te\\"\}"/);

    const log = await file(recorded);
    const h = await headless(apps.todo, log);
    assert.equal(h.patches, patches);
    assert.equal(h.html, html);
    const l = await live(apps.todo, log);
    assert.equal(l.patches, patches);
    assert.equal(l.html, html);
  });
});
