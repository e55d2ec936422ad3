// Shared by the tests/e2e/web-*.test.ts files: Chromium through playwright-core (Debian's
// /usr/bin/chromium, which `npm run setup` installs), a static file server for `loop pack --web`
// folders, and `loop run --ui web` started and stopped.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { type Running, type RunOptions, startLoop } from "../helpers.js";

/** Debian's Chromium (TOOLCHAIN.md: `npx playwright install` cannot download here). */
export const CHROMIUM = process.env.LOOP_CHROMIUM ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or false. */
export const noBrowser: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (npm run setup installs Debian's chromium package)`;

/** A headless Chromium with a fresh profile, talking to 127.0.0.1 only. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What `window.__loop` holds (live mode's and in-browser mode's handles, as tests use them). */
export interface LoopHandle {
  mode: "live" | "web";
  ready?: boolean;
  patches: string[];
  resets?: string[];
  errors: string[];
  log?: () => string;
  replay?: (log: string) => Promise<void>;
  idle(): Promise<void>;
}

declare global {
  interface Window {
    __loop?: LoopHandle;
  }
}

/** A page with the errors it reported (uncaught exceptions and console errors). */
export interface AppPage {
  page: Page;
  errors: string[];
}

/**
 * Opens `url?record` (the app keeps its patch stream and log for the test) in a fresh context
 * and waits for the app's first render.
 */
export async function openApp(browser: Browser, url: string): Promise<AppPage> {
  const context = await browser.newContext({ viewport: { width: 760, height: 460 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  await page.goto(`${url}?record`);
  await waitReady(page);
  return { page, errors };
}

/** Waits until the app is on the page and every event so far has been answered. */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      window.__loop !== undefined &&
      (window.__loop.mode === "web" || window.__loop.ready === true) &&
      (document.getElementById("app")?.childNodes.length ?? 0) > 0,
    undefined,
    { timeout: 60_000 },
  );
  await idle(page);
}

/** Resolves once the app has handled every event sent so far (and applied the patches). */
export function idle(page: Page): Promise<void> {
  return page.evaluate(() => (window.__loop as LoopHandle).idle());
}

/** The app's HTML (the container's inner HTML). */
export function appHtml(page: Page): Promise<string> {
  return page.innerHTML("#app");
}

/** The patch lines the page applied, as one JSON-lines text. */
export async function pagePatches(page: Page): Promise<string> {
  const lines = await page.evaluate(() => (window.__loop as LoopHandle).patches);
  return lines.map((l) => `${l}\n`).join("");
}

/** Clicks and waits for the app's answer (a live page answers asynchronously). */
export async function click(page: Page, selector: string): Promise<void> {
  await page.click(selector);
  await idle(page);
}

/** Types into an input key by key (an `input` event each), then waits for the answers. */
export async function type(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).pressSequentially(text);
  await idle(page);
}

/** A static file server for a packed folder, on 127.0.0.1 and a free port. */
export async function serveStatic(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const types: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".wasm": "application/wasm",
  };
  const server: Server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? "/").split("?", 1)[0] as string));
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A running `loop run --ui web` and its page's URL. */
export interface Live {
  running: Running;
  url: string;
  /** Stops it the way Ctrl-C does and resolves with its exit status and output. */
  stop(): Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts `loop run --ui web --listen 127.0.0.1:0 ARGS` and waits for its URL. */
export async function startLive(args: readonly string[], options: RunOptions = {}): Promise<Live> {
  const running = startLoop(["run", "--ui", "web", "--listen", "127.0.0.1:0", ...args], {
    timeoutMs: 600_000,
    ...options,
  });
  const match = await running.waitFor("stdout", /^serving \S+ on (http:\/\/127\.0\.0\.1:\d+\/)$/m);
  return {
    running,
    url: match[1] as string,
    async stop() {
      running.child.kill("SIGINT");
      const r = await running.result;
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
  };
}

/** Asserts that a page reported no errors. */
export function assertNoPageErrors(app: AppPage): void {
  assert.deepEqual(app.errors, [], `the page reported errors:\n${app.errors.join("\n")}`);
}

/** A screenshot of the app's card (and a margin of page around it), without hover or caret. */
export async function screenshot(page: Page, path: string): Promise<void> {
  await page.mouse.move(0, 0);
  const box = await page.locator("#app").boundingBox();
  assert.ok(box !== null, "the app is not on the page");
  const m = 24;
  await page.screenshot({
    path,
    caret: "initial",
    clip: {
      x: box.x - m,
      y: Math.max(0, box.y - m),
      width: box.width + 2 * m,
      height: box.height + 2 * m,
    },
  });
}
