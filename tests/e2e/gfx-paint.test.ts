// `loop run` of a CPU-pixel component (examples/paint, wasi-gfx:frame-buffer) in a native
// window on a private Xvfb display: a synthetic drag leaves the expected stroke in the real
// pixels, a key clears it, and the canvas follows a resize.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  closeWindow,
  type Display,
  haveDisplayTools,
  type Image,
  near,
  pixel,
  savePng,
  screenshot,
  startXvfb,
  waitForPixel,
  waitForWindow,
  waitUntil,
  xdotool,
} from "../gfx.js";
import { assertNoStackTrace, buildExample, repoRoot, startLoop, tempDir } from "../helpers.js";

/** Colours of examples/paint. */
const PAPER = [240, 240, 240];
const INK = [32, 64, 192];

let display: Display;
let paint: string;
let scratch: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  const missing = await haveDisplayTools();
  assert.equal(missing, undefined, missing);
  [display, paint, scratch] = await Promise.all([
    startXvfb(),
    buildExample("paint"),
    tempDir("gfx-paint"),
  ]);
});

after(async () => {
  await display?.stop();
  await scratch?.cleanup();
});

/** Whether every point is ink (within a stroke 9 px wide). */
function inked(image: Image, points: [number, number][]): boolean {
  return points.every(([x, y]) => near(pixel(image, x, y), INK));
}

describe("loop run examples/paint (frame buffer, under Xvfb)", () => {
  test("a drag draws a stroke, a key clears it, a resize keeps drawing", async () => {
    const run = startLoop(["run", paint], {
      env: { ...display.env, LOOP_CACHE_DIR: join(scratch.dir, "cache") },
      timeoutMs: 120_000,
    });
    const window = await waitForWindow(display, "paint");
    await waitForPixel(display, { x: 320, y: 240 }, PAPER);

    // Press at (100, 100), drag through (200, 150) to (400, 150), release.
    await xdotool(display, "mousemove", "100", "100", "mousedown", "1");
    for (const [x, y] of [
      [150, 125],
      [200, 150],
      [300, 150],
      [400, 150],
    ] as const) {
      await xdotool(display, "mousemove", String(x), String(y));
    }
    await xdotool(display, "mouseup", "1");
    await run.waitFor("stdout", /stroke of \d+ points, ending at \(400, 150\)/);

    // Along the path (including between the sampled pointer positions): ink. Off it: paper.
    const stroke: [number, number][] = [
      [100, 100],
      [150, 125],
      [175, 137],
      [200, 150],
      [250, 150],
      [350, 150],
      [400, 150],
      [400, 154],
    ];
    const drawn = await waitUntil(
      async () => {
        const image = await screenshot(display);
        return inked(image, stroke) ? image : undefined;
      },
      20_000,
      "the stroke",
    ).catch((err: Error) => {
      throw new Error(`${err.message}; the app printed:\n${run.output().stdout}`);
    });
    for (const [x, y] of [
      [100, 200],
      [300, 100],
      [300, 160],
      [420, 150],
      [600, 400],
    ] as const) {
      assert.ok(near(pixel(drawn, x, y), PAPER), `(${x}, ${y}) is paper: ${pixel(drawn, x, y)}`);
    }

    // A loop-de-loop for the README's screenshot (docs/img/paint.png).
    const curve: [number, number][] = [];
    for (let i = 0; i <= 64; i++) {
      const t = (i / 64) * 4 * Math.PI;
      curve.push([Math.round(110 + 33 * t - 70 * Math.sin(t)), Math.round(330 - 70 * Math.cos(t))]);
    }
    const [start, ...rest] = curve as [[number, number], ...[number, number][]];
    await xdotool(display, "mousemove", String(start[0]), String(start[1]), "mousedown", "1");
    for (const [x, y] of rest) await xdotool(display, "mousemove", String(x), String(y));
    await xdotool(display, "mouseup", "1");
    const end = curve[curve.length - 1] as [number, number];
    await waitForPixel(display, { x: end[0], y: end[1] }, INK);
    await mkdir(join(repoRoot, "docs", "img"), { recursive: true });
    await savePng(display, window, join(repoRoot, "docs", "img", "paint.png"));

    // Keys go to the focused window; C clears the canvas.
    await xdotool(display, "windowfocus", "--sync", window);
    await xdotool(display, "key", "c");
    const cleared = await waitUntil(
      async () => {
        const image = await screenshot(display);
        const all = [...stroke, ...curve];
        return all.every(([x, y]) => near(pixel(image, x, y), PAPER)) ? image : undefined;
      },
      20_000,
      "the canvas to be cleared",
    );
    assert.ok(near(pixel(cleared, 320, 240), PAPER));

    // Resized: the canvas follows, and a stroke lands in the smaller window.
    await xdotool(display, "windowsize", "--sync", window, "300", "200");
    await xdotool(display, "mousemove", "50", "50", "mousedown", "1", "mousemove", "250", "50");
    await xdotool(display, "mouseup", "1");
    const resized = await waitForPixel(display, { x: 150, y: 50 }, INK);
    assert.ok(near(pixel(resized, 150, 150), PAPER), `${pixel(resized, 150, 150)}`);
    assert.ok(!near(pixel(resized, 450, 50), INK) && !near(pixel(resized, 450, 50), PAPER));

    await closeWindow(display, window);
    const res = await run.result;
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, `exit ${res.code} ${res.signal}\n${res.stderr}`);
  });
});
