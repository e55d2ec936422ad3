// `loop run` of a WebGPU component (examples/triangle) in a real native window on a private
// Xvfb display, drawn by lavapipe (Mesa's software Vulkan): real pixels are read back, a
// synthetic click recolours it, a resize redraws it at the new size, and closing the window or
// Ctrl-C ends the run with status 0.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  closeWindow,
  type Display,
  haveDisplayTools,
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

/** Colours of examples/triangle (Bgra8unorm, so exactly these bytes). */
const ORANGE = [255, 128, 0];
const TEAL = [0, 153, 204];
const CLEAR = [26, 51, 77];
/** Its window: 640 × 480 at the top-left corner (no window manager on Xvfb). */
const CENTRE = { x: 320, y: 240 };
const CORNER = { x: 8, y: 8 };

let display: Display;
let triangle: string;
let scratch: { dir: string; cleanup: () => Promise<void> };

before(async () => {
  const missing = await haveDisplayTools();
  assert.equal(missing, undefined, missing);
  [display, triangle, scratch] = await Promise.all([
    startXvfb(),
    buildExample("triangle"),
    tempDir("gfx-triangle"),
  ]);
});

after(async () => {
  await display?.stop();
  await scratch?.cleanup();
});

function runTriangle() {
  return startLoop(["run", triangle], {
    env: { ...display.env, LOOP_CACHE_DIR: join(scratch.dir, "cache") },
    timeoutMs: 120_000,
  });
}

describe("loop run examples/triangle (WebGPU on lavapipe, under Xvfb)", () => {
  test("draws the triangle, recolours it on a click, follows a resize; closing the window exits 0", async () => {
    const run = runTriangle();
    const window = await waitForWindow(display, "triangle");

    // The first frames: the triangle's colour at the centre, the clear colour in a corner.
    const first = await waitForPixel(display, CENTRE, ORANGE);
    assert.ok(near(pixel(first, CORNER.x, CORNER.y), CLEAR), `corner: ${pixel(first, 8, 8)}`);
    await mkdir(join(repoRoot, "docs", "img"), { recursive: true });
    await savePng(display, window, join(repoRoot, "docs", "img", "triangle.png"));

    // A synthetic click (XTEST, as a real mouse) toggles the colour.
    await xdotool(display, "mousemove", String(CENTRE.x), String(CENTRE.y), "click", "1");
    const clicked = await waitForPixel(display, CENTRE, TEAL);
    assert.ok(near(pixel(clicked, CORNER.x, CORNER.y), CLEAR));
    await run.waitFor("stdout", /click at \(320, 240\): teal/);

    // Resized by the "window manager": the swap chain follows and the triangle is redrawn,
    // centred in the new size.
    await xdotool(display, "windowsize", "--sync", window, "300", "200");
    const resized = await waitForPixel(display, { x: 150, y: 100 }, TEAL);
    assert.ok(near(pixel(resized, 4, 4), CLEAR), `corner after resize: ${pixel(resized, 4, 4)}`);
    assert.ok(
      !near(pixel(resized, 450, 100), TEAL) && !near(pixel(resized, 450, 100), CLEAR),
      "nothing is drawn outside the smaller window",
    );

    // Closed the way a window manager's close button does it.
    await closeWindow(display, window);
    const res = await run.result;
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, `exit ${res.code} ${res.signal}\n${res.stderr}`);
    assert.equal(res.stderr, "");
    const after = await screenshot(display);
    assert.ok(!near(pixel(after, CENTRE.x, CENTRE.y), TEAL), "the window is gone");
  });

  test("Ctrl-C (SIGINT to loop) ends the run with status 0 and closes the window", async () => {
    const run = runTriangle();
    await waitForWindow(display, "triangle");
    await waitForPixel(display, CENTRE, ORANGE);
    run.child.kill("SIGINT");
    const res = await run.result;
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 0, `exit ${res.code} ${res.signal}\n${res.stderr}`);
    await waitUntil(
      async () => {
        const image = await screenshot(display);
        return near(pixel(image, CENTRE.x, CENTRE.y), ORANGE) ? undefined : true;
      },
      10_000,
      "the window to disappear",
    );
  });
});
