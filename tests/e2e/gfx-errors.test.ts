// What goes wrong around native windows, each as one clear line and never a panic: no display,
// no GPU adapter, a trap inside the frame callback (the guest's wasm backtrace, the window
// closed, exit 134), a window or GPU denied by loop.toml (refused at load, naming the grant),
// and a gfx component where no window can open (the control protocol). Also what `loop doctor` and
// `loop component inspect` say about windows and GPUs.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Display, haveDisplayTools, startXvfb } from "../gfx.js";
import {
  assertNoStackTrace,
  buildExample,
  buildGuest,
  lines,
  loopHostBin,
  type RunOptions,
  runCommand,
  runLoop,
  startLoop,
  tempDir,
} from "../helpers.js";

let display: Display;
let scratch: { dir: string; cleanup: () => Promise<void> };
const wasm: Record<string, string> = {};

before(async () => {
  const missing = await haveDisplayTools();
  assert.equal(missing, undefined, missing);
  [display, scratch] = await Promise.all([startXvfb(), tempDir("gfx-errors")]);
  wasm.triangle = await buildExample("triangle");
  wasm.paint = await buildExample("paint");
  wasm.trap = await buildGuest("tests/fixtures/gfx-trap");
});

after(async () => {
  await display?.stop();
  await scratch?.cleanup();
});

function loop(args: string[], options: RunOptions = {}) {
  return runLoop(args, {
    cwd: scratch.dir,
    timeoutMs: 60_000,
    ...options,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...display.env, ...options.env },
  });
}

/** Asserts exactly one `error:` line on stderr, matching `pattern`, and no stack traces. */
function assertOneError(stderr: string, pattern: RegExp): string {
  assertNoStackTrace(stderr);
  const errors = lines(stderr).filter((l) => l.startsWith("error:"));
  assert.equal(errors.length, 1, stderr);
  assert.match(errors[0] as string, pattern);
  return errors[0] as string;
}

describe("a window or GPU that cannot be had", () => {
  test("no display (no DISPLAY, no WAYLAND_DISPLAY): one line, exit 1", async () => {
    const res = await loop(["run", wasm.triangle as string], {
      env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined },
    });
    assert.equal(res.code, 1, res.stderr);
    assertOneError(
      res.stderr,
      /^error: triangle cannot open a window: no display: neither DISPLAY nor WAYLAND_DISPLAY is set; .*xvfb-run/,
    );
  });

  test("a display nobody serves: one line naming it, exit 1", async () => {
    const res = await loop(["run", wasm.paint as string], { env: { DISPLAY: ":999" } });
    assert.equal(res.code, 1, res.stderr);
    assertOneError(
      res.stderr,
      /^error: paint cannot open a window: cannot connect to the X11 display :999 .*is an X server running there\?$/,
    );
  });

  test("no GPU adapter (no Vulkan driver): one line saying what to install, exit 1", async () => {
    const noDriver = {
      VK_ICD_FILENAMES: "/nonexistent.json",
      VK_DRIVER_FILES: "/nonexistent.json",
    };
    const res = await loop(["run", wasm.triangle as string], { env: noDriver });
    assert.equal(res.code, 1, res.stderr);
    assertOneError(
      res.stderr,
      /^error: triangle needs a GPU: no GPU adapter: .*mesa-vulkan-drivers/,
    );
    // A frame-buffer component needs no GPU.
    const doctor = await loop(["doctor", "--json"], { env: noDriver });
    const report = JSON.parse(doctor.stdout) as DoctorJson;
    const gpu = report.checks.find((c) => c.id === "gpu");
    assert.equal(gpu?.ok, false, doctor.stdout);
    assert.match(`${gpu?.detail} ${gpu?.fix}`, /mesa-vulkan-drivers/);
  });
});

describe("a trap inside the frame callback", () => {
  test("a clear error with the guest's wasm backtrace, the window closed, exit 134", async () => {
    const run = startLoop(["run", wasm.trap as string], {
      cwd: scratch.dir,
      env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...display.env },
      timeoutMs: 60_000,
    });
    const res = await run.result;
    assert.equal(res.code, 134, res.stderr);
    assert.equal(res.stdout, "frame 1\nframe 2\n", "two frames drawn before the third trapped");
    const error = assertOneError(res.stderr, /^error: gfx_trap trapped: /);
    assert.match(error, /unreachable/);
    const stderr = lines(res.stderr);
    const at = stderr.indexOf("guest wasm backtrace:");
    assert.ok(at > 0, res.stderr);
    const trace = stderr.slice(at + 1).join("\n");
    assert.match(trace, /draw_the_broken_frame[\s\S]*on_frame[\s\S]*wasi:cli\/run@0\.3\.0#run/);
    const windows = await runCommand("xdotool", ["search", "--name", "^gfx_trap$"], {
      env: display.env,
    });
    assert.equal(windows.stdout.trim(), "", "no window is left open");
  });
});

describe("grants", () => {
  async function manifest(grants: string): Promise<string> {
    const dir = join(scratch.dir, `app-${grants.replace(/\W+/g, "-")}`);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "loop.toml"),
      `[components.tri]\npath = ${JSON.stringify(wasm.triangle)}\n[components.tri.grants]\n${grants}\n`,
    );
    return dir;
  }

  for (const [grant, import_] of [
    ["gpu", "wasi:webgpu/webgpu@0.3.0-rc.2"],
    ["window", "wasi-gfx:surface/surface@0.2.0"],
  ] as const) {
    test(`grants.${grant} = false refuses the component at load, naming the grant`, async () => {
      const dir = await manifest(`${grant} = false`);
      const res = await loop(["run"], { cwd: dir });
      assert.equal(res.code, 1, res.stderr);
      const line = assertOneError(res.stderr, /^error: tri was refused: /);
      assert.ok(line.includes(import_), line);
      assert.ok(line.includes(`grants.${grant} = false`), line);
      const windows = await runCommand("xdotool", ["search", "--name", "^tri$"], {
        env: display.env,
      });
      assert.equal(windows.stdout.trim(), "", "no window opened");

      const inspect = await loop(["component", "inspect", "--json"], { cwd: dir });
      assert.equal(inspect.code, 0, inspect.stderr);
      const report = JSON.parse(inspect.stdout) as {
        imports: { name: string; capability: string; status: string; detail: string }[];
      };
      const entry = report.imports.find((i) => i.name === import_);
      assert.deepEqual(
        { status: entry?.status, detail: entry?.detail },
        { status: "refused", detail: `grants.${grant} = false` },
      );
    });
  }

  test("loop component inspect shows the gfx imports granted by default", async () => {
    const res = await loop(["component", "inspect", wasm.triangle as string]);
    assert.equal(res.code, 0, res.stderr);
    const table = lines(res.stdout);
    const row = (name: string) => table.find((l) => l.trim().startsWith(name)) ?? "";
    assert.match(
      row("wasi:webgpu/webgpu@0.3.0-rc.2"),
      /granted\s+WebGPU on the system's Vulkan adapter/,
    );
    assert.match(row("wasi-gfx:surface/surface@0.2.0"), /granted\s+a native window/);
    assert.match(row("wasi-gfx:surface/surface-webgpu@0.2.0"), /granted/);
    assert.ok(table.includes("  wasi:cli/run@0.3.0"), res.stdout);
  });

  test("where no window can open (the control protocol), a gfx component is refused at load", async () => {
    // One length-prefixed JSON frame in, one out (docs/control-protocol.md).
    const request = Buffer.from(JSON.stringify({ id: 1, op: "load", path: wasm.paint }));
    const frame = Buffer.alloc(4 + request.length);
    frame.writeUInt32BE(request.length, 0);
    request.copy(frame, 4);
    const child = spawn(loopHostBin, ["control"], { stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.end(frame);
    const chunks: Buffer[] = [];
    for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
    const out = Buffer.concat(chunks);
    const reply = JSON.parse(out.subarray(4, 4 + out.readUInt32BE(0)).toString("utf8")) as {
      error?: { kind: string; message: string };
    };
    assert.equal(reply.error?.kind, "load");
    assert.equal(
      reply.error?.message,
      "paint was refused: it imports wasi-gfx:surface/surface@0.2.0, but windows and GPUs are only available to `loop run`, not to the control protocol",
    );
  });
});

/** What `loop doctor --json` prints (the fields these tests read). */
interface DoctorJson {
  checks: {
    id: string;
    ok: boolean;
    detail: string;
    fix?: string;
    data?: Record<string, unknown>;
  }[];
}

describe("loop doctor", () => {
  test("reports the display and the GPU adapter (name, backend, software or hardware)", async () => {
    const res = await loop(["doctor"]);
    assert.equal(res.code, 0, res.stderr);
    const out = lines(res.stdout);
    assert.ok(
      out.some((l) => /^✓ display: X11 display :\d+$/.test(l)),
      res.stdout,
    );
    assert.ok(
      out.some((l) => /^✓ gpu: .*llvmpipe.* \(Vulkan, software renderer/.test(l)),
      res.stdout,
    );
    const json = JSON.parse((await loop(["doctor", "--json"])).stdout) as DoctorJson;
    const gpu = json.checks.find((c) => c.id === "gpu");
    assert.equal(gpu?.data?.kind, "software");
    assert.equal(gpu?.data?.backend, "Vulkan");

    const headless = await loop(["doctor"], { env: { DISPLAY: undefined } });
    assert.equal(headless.code, 0, headless.stderr);
    assert.match(
      headless.stdout,
      /^○ display \(no display: neither DISPLAY nor WAYLAND_DISPLAY.*— fix: .*xvfb-run/m,
    );
  });
});
