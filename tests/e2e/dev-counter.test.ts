// `loop dev` on the TypeScript counter (examples/counter, a loop:fx app exporting
// loop:host/lifecycle), in a scratch copy edited on disk, with the live page in Chromium: an edit
// of the label swaps the component while the count survives, the page keeps its DOM nodes and
// gets only the patches between the old and the new render; a syntax error keeps the old version
// answering and shows the error (a terminal event with file and line, an overlay on the page),
// and fixing it recovers; 100 rapid saves give a handful of rebuilds, no crash, and the final
// version runs.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { assertNoStackTrace, tempDir } from "../helpers.js";
import {
  copyInto,
  counterHtml,
  type Dev,
  type DevEvent,
  edit,
  eventsOf,
  save,
  startDev,
} from "./dev-helpers.js";
import {
  type AppPage,
  appHtml,
  assertNoPageErrors,
  click,
  launchBrowser,
  noBrowser,
  openApp,
} from "./web-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
const env = () => ({ LOOP_CACHE_DIR: join(scratch.dir, "cache") });

before(async () => {
  scratch = await tempDir("dev-counter");
});

after(() => scratch?.cleanup());

/** The patch lines of `patches` events from index `from` on. */
function patchLines(dev: Dev, from: number): string[] {
  return eventsOf(dev, "patches", from).flatMap((e) =>
    String(e.patches)
      .split("\n")
      .filter((l) => l !== ""),
  );
}

describe("loop dev: the counter in the live page", { skip: noBrowser, timeout: 600_000 }, () => {
  let browser: Browser;
  let dev: Dev;
  let app: AppPage;
  let source: string;

  before(async () => {
    const dir = await copyInto("counter", scratch.dir);
    source = join(dir, "src", "index.ts");
    browser = await launchBrowser();
    dev = startDev(["--listen", "127.0.0.1:0"], { cwd: dir, env: env() });
    const page = await dev.next((e) => e.event === "page");
    app = await openApp(browser, String(page.url));
  });

  after(async () => {
    await dev?.stop();
    await browser?.close();
  });

  test("it scans, builds through the fast path and serves the page", async () => {
    const scan = await dev.next((e) => e.event === "scan");
    const components = scan.components as { name: string; kind: string; wit: string[] }[];
    assert.equal(scan.main, "counter");
    assert.deepEqual(
      components.map((c) => [c.name, c.kind]),
      [["counter", "ts"]],
    );
    assert.ok(components[0]?.wit.includes("loop:host@0.1.0"), JSON.stringify(components));
    const build = await dev.next((e) => e.event === "build");
    assert.equal(build.artifact, "module");
    await dev.next((e) => e.event === "ready" && e.world === "fx");
    assert.equal(await appHtml(app.page), counterHtml(0));
    assert.deepEqual(dev.stray, [], "only JSON on stdout with --json");
  });

  test("an edit of the label swaps the component; the count and the DOM nodes survive", async () => {
    for (const id of ["#inc", "#inc", "#inc", "#dec", "#inc"]) await click(app.page, id);
    assert.equal(await appHtml(app.page), counterHtml(3));
    // Tag the live DOM nodes: a re-created node would lose its tag.
    await app.page.evaluate(() => {
      for (const id of ["count", "inc", "dec"]) {
        (document.getElementById(id) as unknown as { __kept: string }).__kept = id;
      }
      (document.querySelector("h1") as unknown as { __kept: string }).__kept = "h1";
    });
    const pagePatchesBefore = await app.page.evaluate(() => window.__loop?.patches.length ?? 0);
    const from = dev.events.length;

    await edit(source, 'h1("Counter")', 'h1("Clicks")');

    const swap = await dev.next((e) => e.event === "swap", from);
    assert.equal(swap.component, "counter");
    assert.equal(swap.state, "kept", "the count is handed over through loop:host/lifecycle");
    await app.page.waitForFunction(() => document.querySelector("h1")?.textContent === "Clicks");
    assert.equal(await appHtml(app.page), counterHtml(3, "Clicks"));

    // Only the changed text crossed: one set-text patch, no reset, same nodes.
    const lines = patchLines(dev, from);
    assert.equal(lines.length, 1, lines.join("\n"));
    assert.deepEqual(JSON.parse(lines[0] as string), { op: "set-text", id: 3, text: "Clicks" });
    const pageLines = await app.page.evaluate(
      (n) => window.__loop?.patches.slice(n) ?? [],
      pagePatchesBefore,
    );
    assert.deepEqual(pageLines, lines);
    assert.equal(await app.page.evaluate(() => window.__loop?.resets?.length), 1);
    const kept = await app.page.evaluate(() =>
      ["count", "inc", "dec"]
        .map((id) => (document.getElementById(id) as unknown as { __kept?: string }).__kept)
        .concat((document.querySelector("h1") as unknown as { __kept?: string }).__kept),
    );
    assert.deepEqual(kept, ["count", "inc", "dec", "h1"]);

    // The new version answers clicks, from the kept count.
    await click(app.page, "#inc");
    assert.equal(await appHtml(app.page), counterHtml(4, "Clicks"));
    assertNoPageErrors(app);
  });

  test("a syntax error keeps the old version answering and shows the error; a fix recovers", async () => {
    const from = dev.events.length;
    await edit(source, 'h1("Clicks")', 'h1("Broken" +)');

    const error = await dev.next((e) => e.event === "error", from);
    assert.equal(error.stage, "build");
    assert.equal(error.component, "counter");
    const location = error.location as { file: string; line: number; column: number };
    assert.equal(location.file, source);
    const text = await readFile(source, "utf8");
    const wanted = text.split("\n").findIndex((l) => l.includes('h1("Broken" +)')) + 1;
    assert.equal(location.line, wanted, "the line of the error");
    assert.match(String(error.message), /index\.ts:\d+:\d+/);
    assert.match(String(error.output), /index\.ts:\d+:\d+/);

    // The overlay on the page names the file.
    await app.page.waitForSelector("#loop-status.loop-error", { state: "visible" });
    assert.match((await app.page.textContent("#loop-status")) ?? "", /index\.ts:\d+/);

    // The old version still answers.
    await click(app.page, "#inc");
    assert.equal(await appHtml(app.page), counterHtml(5, "Clicks"));
    assert.equal(eventsOf(dev, "swap", from).length, 0);

    // The fix: recovered, swapped, the overlay gone, the count kept.
    const fixFrom = dev.events.length;
    await edit(source, 'h1("Broken" +)', 'h1("Fixed")');
    await dev.next((e) => e.event === "recovered" && e.component === "counter", fixFrom);
    const swap = await dev.next((e) => e.event === "swap", fixFrom);
    assert.equal(swap.state, "kept");
    await app.page.waitForSelector("#loop-status", { state: "hidden" });
    await app.page.waitForFunction(() => document.querySelector("h1")?.textContent === "Fixed");
    assert.equal(await appHtml(app.page), counterHtml(5, "Fixed"));
    assertNoPageErrors(app);
  });

  test("100 rapid saves give a handful of rebuilds, no crash, and the last version runs", async () => {
    const from = dev.events.length;
    const text = await readFile(source, "utf8");
    assert.match(text, /h1\("Fixed"\)/);
    for (let i = 0; i < 100; i++) {
      await save(source, text.replace('h1("Fixed")', `h1("Save ${i}")`));
    }
    await app.page.waitForFunction(
      () => document.querySelector("h1")?.textContent === "Save 99",
      undefined,
      { timeout: 120_000 },
    );
    // Let a trailing batch (if any) finish before counting.
    await dev.next((e: DevEvent) => e.event === "html" && String(e.html).includes("Save 99"), from);
    const builds = eventsOf(dev, "build", from).length;
    const swaps = eventsOf(dev, "swap", from);
    assert.ok(builds >= 1 && builds <= 8, `${builds} rebuilds for 100 saves`);
    assert.equal(swaps.length, builds);
    assert.ok(
      swaps.every((s) => s.state === "kept"),
      JSON.stringify(swaps),
    );
    assert.equal(eventsOf(dev, "error", from).length, 0);
    assert.equal(dev.child.exitCode, null, "loop dev is still running");

    await click(app.page, "#inc");
    assert.equal(await appHtml(app.page), counterHtml(6, "Save 99"));
    assertNoPageErrors(app);
  });

  test("it stops cleanly", async () => {
    assert.equal(await dev.stop(), 0);
    assertNoStackTrace(dev.stderr());
    assert.equal(dev.events.at(-1)?.event, "stopped");
  });
});
