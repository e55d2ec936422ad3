// @loop-kit/dom's DomRenderer in real Chromium, with a plain-JS fx component in the page: event
// delegation (bubbling to every listening ancestor, innermost first; focus, which does not
// bubble), the payloads events carry (docs/web.md), controlled inputs, SVG, and what the
// renderer refuses to create (script-like tags, `on*` attributes, `javascript:` URLs).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { repoRoot } from "../helpers.js";
import { launchBrowser, noBrowser } from "./web-helpers.js";

// The page: the reconciler and the renderer straight from the packages' sources.
const ENTRY = `
import { DomRenderer } from "@loop-kit/dom";
import { FxRuntime, flatten, h, jsDriver } from "@loop-kit/fx";
window.events = [];
window.warnings = [];
let renderer;
const rt = new FxRuntime({
  root: "form",
  driver: jsDriver({
    form: (host) => {
      let value = "";
      return {
        render: () => flatten(
          h("div", { id: "root", on: { click: "outer" } },
            h("form", { id: "f", on: { submit: "submit" } },
              h("input", { id: "name", name: "name", value, on: { input: "input", keydown: "key", focus: "focus" } }),
              h("input", { id: "check", type: "checkbox", name: "agree", on: { change: "change" } }),
              h("button", { id: "go", type: "submit" }, "Go")),
            h("button", { id: "inner", on: { click: "inner" } }, h("span", { id: "label" }, "Click")),
            h("button", { id: "reset", on: { click: "reset" } }, "Reset"),
            h("a", { id: "bad", href: " java\\tscript:alert(1)", onclick: "window.pwned = 1" }, "bad"),
            h("a", { id: "good", href: "https://example.com/" }, "good"),
            h("script", { id: "s" }, "window.pwned = 2"),
            h("img", { id: "img", src: "data:,", onerror: "window.pwned = 3" }),
            h("svg", { id: "svg", viewBox: "0 0 10 10" }, h("circle", { cx: "5", cy: "5", r: "4" })))),
        handle(e) {
          window.events.push([e.handler, e.payload]);
          if (e.handler === "input") value = JSON.parse(e.payload).value;
          if (e.handler === "reset") value = "";
          host.invalidate();
        },
      };
    },
  }),
  onPatches: (b) => renderer.apply(b),
});
renderer = new DomRenderer(document.getElementById("app"), {
  onEvent: (node, event, payload) => rt.dispatchSync(node, event, payload),
  onWarning: (m) => window.warnings.push(m),
});
rt.startSync();
window.nodeId = (sel) => renderer.idOf(document.querySelector(sel));
`;

let browser: Browser;
let page: Page;

declare global {
  interface Window {
    events: [string, string][];
    warnings: string[];
    pwned?: number;
    nodeId(selector: string): number | undefined;
  }
}

const events = () => page.evaluate(() => window.events.splice(0));

describe("the DOM renderer in Chromium", { skip: noBrowser, timeout: 120_000 }, () => {
  before(async () => {
    const bundle = await build({
      stdin: { contents: ENTRY, resolveDir: repoRoot, loader: "js" },
      bundle: true,
      format: "iife",
      platform: "browser",
      conditions: ["source"],
      write: false,
      logLevel: "silent",
    });
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setContent('<!doctype html><main id="app"></main>');
    await page.addScriptTag({ content: bundle.outputFiles[0]?.text ?? "" });
  });

  after(() => browser?.close());

  test("a click reaches every listening ancestor, innermost first", async () => {
    await page.click("#label");
    assert.deepEqual(await events(), [
      ["inner", "{}"],
      ["outer", "{}"],
    ]);
  });

  test("typing: focus (not bubbling), then keydown and input per key with the value so far", async () => {
    await page.locator("#name").pressSequentially("ab");
    assert.deepEqual(await events(), [
      ["focus", "{}"],
      ["key", '{"key":"a"}'],
      ["input", '{"value":"a"}'],
      ["key", '{"key":"b"}'],
      ["input", '{"value":"ab"}'],
    ]);
    await page.keyboard.press("Shift+C");
    assert.deepEqual(
      (await events()).filter(([h]) => h === "key"),
      [
        ["key", '{"key":"Shift","shift":true}'],
        ["key", '{"key":"C","shift":true}'],
      ],
    );
  });

  test("a checkbox's change carries checked; a submit carries the form's fields and stays on the page", async () => {
    const url = page.url();
    await page.click("#check");
    // The browser's order: the click (which bubbles to the outer div), then the change.
    assert.deepEqual(await events(), [
      ["outer", "{}"],
      ["change", '{"value":"on","checked":true}'],
    ]);
    await page.click("#go");
    const got = await events();
    assert.deepEqual(
      got.find(([h]) => h === "submit"),
      ["submit", '{"values":{"name":"abC","agree":"on"}}'],
    );
    assert.equal(page.url(), url);
  });

  test("a controlled input follows the component's value", async () => {
    assert.equal(await page.inputValue("#name"), "abC");
    await page.click("#reset");
    assert.equal(await page.inputValue("#name"), "");
    assert.equal(await page.getAttribute("#name", "value"), "");
    await events();
  });

  test("no script runs: on* attributes, javascript: URLs and script tags are refused", async () => {
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.equal(await page.getAttribute("#bad", "href"), null);
    assert.equal(await page.getAttribute("#bad", "onclick"), null);
    assert.equal(await page.getAttribute("#good", "href"), "https://example.com/");
    assert.equal(await page.getAttribute("#img", "onerror"), null);
    assert.equal(
      await page.evaluate(() => document.getElementById("s")?.namespaceURI),
      "urn:loop-kit:inert",
    );
    await page.click("#bad");
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    const warnings = await page.evaluate(() => window.warnings);
    assert.deepEqual(warnings, [
      'refused a script URL in "href" on <a>',
      'refused event-handler attribute "onclick" on <a>',
      "made <script> inert",
      'refused event-handler attribute "onerror" on <img>',
    ]);
  });

  test("SVG elements are made in the SVG namespace; ids map both ways", async () => {
    const ns = await page.evaluate(() => [
      document.getElementById("svg")?.namespaceURI,
      document.querySelector("circle")?.namespaceURI,
    ]);
    assert.deepEqual(ns, ["http://www.w3.org/2000/svg", "http://www.w3.org/2000/svg"]);
    assert.equal(await page.evaluate(() => window.nodeId("#root")), 1);
  });
});
