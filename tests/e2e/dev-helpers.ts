// Shared by the tests/e2e/dev-*.test.ts files: `loop dev --json` started as a child process
// (the real CLI, the real loop-host), its JSON events collected and waited for, commands sent
// on its stdin, and example folders copied to a scratch folder where the tests edit files.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { cp, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { childEnv, loopBin, repoRoot } from "../helpers.js";

/** One `loop dev --json` event (docs/dev.md), loosely typed for assertions. */
export type DevEvent = { event: string } & Record<string, unknown>;

/** A running `loop dev --json`. */
export interface Dev {
  child: ChildProcessWithoutNullStreams;
  /** Every event so far, in order. */
  events: DevEvent[];
  /** Everything on stderr so far. */
  stderr(): string;
  /** Non-JSON lines on stdout (there should be none). */
  stray: string[];
  /**
   * Resolves with the first event at index `from` or later that `match` accepts; rejects when
   * `loop dev` exits first or after `timeoutMs` (default 180 s), with what it printed.
   */
  next(match: (e: DevEvent) => boolean, from?: number, timeoutMs?: number): Promise<DevEvent>;
  /** Sends one command line (`{"op":"html"}`, `{"op":"dispatch",...}`, `{"op":"stop"}`). */
  send(command: object): void;
  /** The current HTML of an fx app (asks with `{"op":"html"}`). */
  html(): Promise<string>;
  /** Clicks node `node` of an fx app and resolves with the HTML after it. */
  click(node: number): Promise<string>;
  /** Stops it (`{"op":"stop"}`, then SIGINT) and resolves with its exit status. */
  stop(): Promise<number | null>;
  /** Resolves with its exit status once it ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `loop dev --json ARGS` in `cwd`. */
export function startDev(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Dev {
  const child = spawn(process.execPath, [loopBin, "dev", "--json", ...args], {
    cwd: options.cwd ?? repoRoot,
    env: childEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const events: DevEvent[] = [];
  const stray: string[] = [];
  let stderr = "";
  let buffer = "";
  const watchers = new Set<() => void>();
  const wake = () => {
    for (const w of [...watchers]) w();
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    buffer += d;
    let nl = buffer.indexOf("\n");
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      nl = buffer.indexOf("\n");
      if (line.trim() === "") continue;
      try {
        events.push(JSON.parse(line) as DevEvent);
      } catch {
        stray.push(line);
      }
    }
    wake();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  child.stdin.on("error", () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => {
      resolve({ code, signal });
      wake();
    });
  });
  let done = false;
  exited.then(() => {
    done = true;
  });
  const transcript = () =>
    `events:\n${events.map((e) => JSON.stringify(e).slice(0, 600)).join("\n")}\nstderr:\n${stderr}`;

  const next: Dev["next"] = (match, from = 0, timeoutMs = 180_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`timed out waiting for an event\n${transcript()}`));
      }, timeoutMs);
      function check() {
        for (let i = from; i < events.length; i++) {
          const e = events[i] as DevEvent;
          if (match(e)) {
            clearTimeout(timer);
            watchers.delete(check);
            resolve(e);
            return;
          }
        }
        if (done) {
          clearTimeout(timer);
          watchers.delete(check);
          reject(new Error(`loop dev exited before the event came\n${transcript()}`));
        }
      }
      watchers.add(check);
      check();
    });

  const dev: Dev = {
    child,
    events,
    stray,
    stderr: () => stderr,
    next,
    exited,
    send(command) {
      child.stdin.write(`${JSON.stringify(command)}\n`);
    },
    async html() {
      const from = events.length;
      dev.send({ op: "html" });
      const e = await next((x) => x.event === "html" && x.reply === true, from);
      return String(e.html);
    },
    async click(node) {
      const from = events.length;
      dev.send({ op: "dispatch", node, event: "click", payload: "{}" });
      await next((x) => x.event === "dispatched", from);
      const e = await next((x) => x.event === "html" && x.reply === true, from);
      return String(e.html);
    },
    async stop() {
      if (!done) {
        dev.send({ op: "stop" });
        const timer = setTimeout(() => child.kill("SIGINT"), 20_000);
        const killer = setTimeout(() => child.kill("SIGKILL"), 40_000);
        await exited;
        clearTimeout(timer);
        clearTimeout(killer);
      }
      return (await exited).code;
    },
  };
  return dev;
}

/** Events of one kind after index `from`. */
export function eventsOf(dev: Dev, kind: string, from = 0): DevEvent[] {
  return dev.events.slice(from).filter((e) => e.event === kind);
}

/**
 * Writes a file the way editors save: a temporary file beside it, renamed over it (one change
 * for the watcher, never a half-written file).
 */
export async function save(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp.${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Replaces `from` by `to` in a file (asserting it is there) and saves it. */
export async function edit(path: string, from: string | RegExp, to: string): Promise<void> {
  const text = await readFile(path, "utf8");
  const changed = text.replace(from, to);
  assert.notEqual(changed, text, `${path} has no ${String(from)}`);
  await save(path, changed);
}

/** Copies `examples/<name>` into `dir` (without build outputs) and returns the copy's path. */
export async function copyInto(name: string, dir: string): Promise<string> {
  const to = join(dir, name);
  await cp(join(repoRoot, "examples", name), to, {
    recursive: true,
    filter: (src) => !/[/\\](dist|target|node_modules|\.loop)$/.test(src),
  });
  return to;
}

/** The counter's HTML with this label and count. */
export const counterHtml = (count: number, label = "Counter") =>
  `<div class="counter"><h1>${label}</h1><button id="dec">-</button><span id="count">${count}</span><button id="inc">+</button></div>`;

/** The counter's node ids (the reconciler's, in creation order). */
export const COUNTER = { dec: 4, inc: 8 } as const;
