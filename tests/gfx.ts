// Helpers for the native-window tests: a private Xvfb display, screenshots read back as real
// pixels (xwd → xwdtopnm → PPM), input through XTEST (xdotool), and closing a window the way a
// window manager's close button does (a WM_DELETE_WINDOW client message, sent by a tiny X11
// client below, since xdotool cannot).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { runCommand } from "./helpers.js";

/** Screen size of the virtual display. */
export const SCREEN = { width: 1024, height: 768 };

/** A virtual X display: its name (`:N`) and the environment that points at it. */
export interface Display {
  name: string;
  env: Record<string, string | undefined>;
  stop(): Promise<void>;
}

/** Whether the tools these tests need are installed (the setup command installs them). */
export async function haveDisplayTools(): Promise<string | undefined> {
  for (const tool of ["Xvfb", "xdotool", "xwd", "xwdtopnm", "pnmtopng"]) {
    const res = await runCommand("sh", ["-c", `command -v ${tool}`]).catch(() => undefined);
    if (res?.code !== 0) return `${tool} is not installed (run \`npm run setup\`)`;
  }
  return undefined;
}

/**
 * Starts Xvfb on a free display number (`-displayfd`), without access control, and resolves once
 * it accepts connections.
 */
export async function startXvfb(): Promise<Display> {
  const child: ChildProcess = spawn(
    "Xvfb",
    [
      "-displayfd",
      "3",
      "-screen",
      "0",
      `${SCREEN.width}x${SCREEN.height}x24`,
      "-ac",
      "-nolisten",
      "tcp",
      "-noreset",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const number = await new Promise<string>((resolve, reject) => {
    let out = "";
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.setEncoding("utf8");
    fd3.on("data", (d: string) => {
      out += d;
      if (out.includes("\n")) resolve(out.trim());
    });
    child.once("exit", (code) => reject(new Error(`Xvfb exited (${code}): ${stderr}`)));
    setTimeout(() => reject(new Error(`Xvfb did not start: ${stderr}`)), 15_000);
  });
  const name = `:${number}`;
  return {
    name,
    // A display of our own, and no Wayland one, whatever the machine's session has.
    env: { DISPLAY: name, WAYLAND_DISPLAY: undefined, XAUTHORITY: undefined },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** Runs `xdotool` on a display and returns its stdout. */
export async function xdotool(display: Display, ...args: string[]): Promise<string> {
  const res = await runCommand("xdotool", args, { env: display.env, timeoutMs: 20_000 });
  assert.equal(res.code, 0, `xdotool ${args.join(" ")} failed: ${res.stderr}`);
  return res.stdout.trim();
}

/** Waits for a window titled exactly `title` and returns its X id. */
export async function waitForWindow(
  display: Display,
  title: string,
  timeoutMs = 30_000,
): Promise<string> {
  return waitUntil(
    async () => {
      const res = await runCommand("xdotool", ["search", "--name", `^${title}$`], {
        env: display.env,
      });
      const id = res.stdout.trim().split("\n")[0];
      return res.code === 0 && id ? id : undefined;
    },
    timeoutMs,
    `a window titled ${title}`,
  );
}

/** An RGB image. */
export interface Image {
  width: number;
  height: number;
  /** Row-major RGB bytes. */
  data: Buffer;
}

/** The colour at (x, y). */
export function pixel(image: Image, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * image.width + Math.round(x)) * 3;
  return [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
}

/** Whether two colours are within `tolerance` per channel. */
export function near(a: readonly number[], b: readonly number[], tolerance = 4): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] as number)) <= tolerance);
}

/** Captures the whole screen (`xwd -root | xwdtopnm`), as real pixels. */
export async function screenshot(display: Display): Promise<Image> {
  const res = await capture(display, "xwd -root -silent | xwdtopnm 2>/dev/null");
  return parsePpm(res);
}

/** Saves a window's pixels as a PNG (`xwd -id | xwdtopnm | pnmtopng`). */
export async function savePng(display: Display, windowId: string, file: string): Promise<void> {
  const res = await runCommand(
    "sh",
    ["-c", `xwd -id ${windowId} -silent | xwdtopnm 2>/dev/null | pnmtopng > "${file}"`],
    { env: display.env, timeoutMs: 30_000 },
  );
  assert.equal(res.code, 0, `saving ${file} failed: ${res.stderr}`);
}

function capture(display: Display, pipeline: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", pipeline], {
      env: { ...process.env, DISPLAY: display.name },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`${pipeline} failed (${code}): ${stderr}`));
    });
  });
}

/** Decodes a binary PPM (P6, maxval 255). */
export function parsePpm(bytes: Buffer): Image {
  const fields: string[] = [];
  let at = 0;
  while (fields.length < 4) {
    // Skip whitespace and comments between header fields.
    while (at < bytes.length && /\s/.test(String.fromCharCode(bytes[at] as number))) at++;
    if (bytes[at] === 0x23) {
      while (at < bytes.length && bytes[at] !== 0x0a) at++;
      continue;
    }
    const start = at;
    while (at < bytes.length && !/\s/.test(String.fromCharCode(bytes[at] as number))) at++;
    fields.push(bytes.subarray(start, at).toString("latin1"));
  }
  const [magic, width, height, maxval] = fields;
  assert.equal(magic, "P6", "expected a binary PPM");
  assert.equal(maxval, "255", "expected 8-bit samples");
  const w = Number(width);
  const h = Number(height);
  const data = bytes.subarray(at + 1, at + 1 + w * h * 3);
  assert.equal(data.length, w * h * 3, "truncated PPM");
  return { width: w, height: h, data };
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the screen's pixel at (x, y) is near `colour`; returns the last screenshot. */
export function waitForPixel(
  display: Display,
  at: { x: number; y: number },
  colour: readonly number[],
  timeoutMs = 20_000,
): Promise<Image> {
  let seen: number[] = [];
  return waitUntil(
    async () => {
      const image = await screenshot(display);
      seen = pixel(image, at.x, at.y);
      return near(seen, colour) ? image : undefined;
    },
    timeoutMs,
    `pixel (${at.x}, ${at.y}) to be ${colour} (last seen ${seen})`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last seen ${seen}`);
  });
}

/**
 * Asks a window to close, as a window manager's close button does: a `WM_DELETE_WINDOW`
 * `ClientMessage` (X11 protocol, spoken directly over the display's Unix socket; the display
 * runs without access control).
 */
export async function closeWindow(display: Display, windowId: string): Promise<void> {
  const socket = connect({ path: `/tmp/.X11-unix/X${display.name.slice(1)}` });
  const reader = new Reader(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  try {
    // Connection setup: little-endian, protocol 11.0, no authorization.
    const setup = Buffer.alloc(12);
    setup.writeUInt8(0x6c, 0);
    setup.writeUInt16LE(11, 2);
    socket.write(setup);
    const head = await reader.read(8);
    assert.equal(head[0], 1, "the X server refused the connection");
    await reader.read(head.readUInt16LE(6) * 4);

    const protocols = await internAtom(socket, reader, "WM_PROTOCOLS");
    const deleteWindow = await internAtom(socket, reader, "WM_DELETE_WINDOW");
    const send = Buffer.alloc(44);
    send.writeUInt8(25, 0); // SendEvent
    send.writeUInt16LE(11, 2);
    send.writeUInt32LE(Number(windowId), 4);
    send.writeUInt32LE(0, 8); // no event mask: to the window's owner
    send.writeUInt8(33, 12); // ClientMessage
    send.writeUInt8(32, 13); // format 32
    send.writeUInt32LE(Number(windowId), 16);
    send.writeUInt32LE(protocols, 20);
    send.writeUInt32LE(deleteWindow, 24);
    socket.write(send);
    // A round trip (GetInputFocus) makes sure the server has handled it.
    const sync = Buffer.alloc(4);
    sync.writeUInt8(43, 0);
    sync.writeUInt16LE(1, 2);
    socket.write(sync);
    const reply = await reader.read(32);
    assert.equal(reply[0], 1, `the X server reported error ${reply[1]}`);
  } finally {
    socket.destroy();
  }
}

async function internAtom(socket: Socket, reader: Reader, name: string): Promise<number> {
  const padded = Math.ceil(name.length / 4) * 4;
  const req = Buffer.alloc(8 + padded);
  req.writeUInt8(16, 0); // InternAtom
  req.writeUInt16LE(2 + padded / 4, 2);
  req.writeUInt16LE(name.length, 4);
  req.write(name, 8, "latin1");
  socket.write(req);
  const reply = await reader.read(32);
  assert.equal(reply[0], 1, `InternAtom ${name} failed (X error ${reply[1]})`);
  return reply.readUInt32LE(8);
}

/** Reads exact byte counts from a socket. */
class Reader {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | undefined;

  constructor(socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.waiting?.();
    });
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("the X server did not answer")), 10_000);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }
}
