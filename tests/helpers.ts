// Shared helpers for the end-to-end tests: they drive the real, built `loop` CLI
// (packages/cli/bin/loop.js → dist/) against components built from examples/.
import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** The `loop` launcher, as `npx loop` runs it. */
export const loopBin = join(repoRoot, "packages", "cli", "bin", "loop.js");

/** The loop-host binary the CLI finds by default (`npm run setup` builds it). */
export const loopHostBin = join(repoRoot, "target", "release", "loop-host");

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  /** Added to (or, with `undefined` values, removed from) the current environment. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Kill the child after this many milliseconds (default 120 s). */
  timeoutMs?: number;
}

/** A running command: its process, and its result once it ends. */
export interface Running {
  child: ChildProcessWithoutNullStreams;
  result: Promise<RunResult>;
  /** Resolves once stdout matches `pattern` (rejects if the command ends first). */
  waitForStdout(pattern: RegExp): Promise<void>;
  /**
   * Resolves with the match once `stream` matches `pattern` (rejects if the command ends
   * first).
   */
  waitFor(stream: "stdout" | "stderr", pattern: RegExp): Promise<RegExpExecArray>;
  /** What the command printed so far. */
  output(): { stdout: string; stderr: string };
}

/** Runs any command and collects its output. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  return startCommand(command, args, options).result;
}

/** Starts the real `loop` CLI and hands back the running process. */
export function startLoop(args: readonly string[], options: RunOptions = {}): Running {
  return startCommand(process.execPath, [loopBin, ...args], options);
}

/** The environment for a child: this one without LOOP_DEBUG, with `changes` (`undefined` removes). */
export function childEnv(changes: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The tests must see what a user sees, not the stack traces meant for debugging.
  delete env.LOOP_DEBUG;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Starts any command, collecting its output. */
export function startCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Running {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: childEnv(options.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const watchers: (() => void)[] = [];
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    for (const w of watchers) w();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    for (const w of watchers) w();
  });
  const result = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  // A child that exits before reading its stdin (loop-host rejecting a file at once) closes
  // the pipe: EPIPE then is no failure of the command, so it must not fail the test.
  child.stdin.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  child.stdin.end(options.input ?? "");
  const waitFor = (stream: "stdout" | "stderr", pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(stream === "stdout" ? stdout : stderr);
        if (match) resolve(match);
      };
      watchers.push(check);
      check();
      result.then(
        (r) =>
          reject(new Error(`ended before ${stream} matched ${pattern}:\n${r.stdout}${r.stderr}`)),
        reject,
      );
    });
  return {
    child,
    result,
    waitFor,
    output: () => ({ stdout, stderr }),
    waitForStdout(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) resolve();
        };
        watchers.push(check);
        check();
        result.then(
          (r) =>
            reject(new Error(`ended before stdout matched ${pattern}:\n${r.stdout}${r.stderr}`)),
          reject,
        );
      });
    },
  };
}

/** Runs the real `loop` CLI: `node packages/cli/bin/loop.js <args>`. */
export function runLoop(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return runCommand(process.execPath, [loopBin, ...args], options);
}

const built = new Map<string, Promise<string>>();

/**
 * Builds `examples/<name>` with `loop component build --json` (once per test process) and
 * returns the component's absolute path.
 */
export function buildExample(name: string): Promise<string> {
  return buildGuest(join("examples", name));
}

/**
 * Builds the guest project in `dir` (relative to the repository root, e.g.
 * `tests/fixtures/trap`) with `loop component build --json`, once per test process, and returns
 * the component's absolute path.
 */
export function buildGuest(dir: string): Promise<string> {
  let wasm = built.get(dir);
  if (wasm === undefined) {
    wasm = (async () => {
      const res = await runLoop(["component", "build", dir, "--json"], { timeoutMs: 600_000 });
      assert.equal(res.code, 0, `building ${dir} failed:\n${res.stderr}`);
      const result = JSON.parse(res.stdout) as { wasm: string };
      return result.wasm;
    })();
    built.set(dir, wasm);
  }
  return wasm;
}

const builtPreview1 = new Map<string, Promise<string>>();

/**
 * Builds the cargo workspace package `pkg` for `wasm32-wasip1` (once per test process) and
 * returns the path of the WASI preview-1 **core module**: not componentized, unlike what
 * `loop component build` would give.
 */
export function buildPreview1(pkg: string): Promise<string> {
  let wasm = builtPreview1.get(pkg);
  if (wasm === undefined) {
    wasm = (async () => {
      const res = await runCommand(
        "cargo",
        [
          "build",
          "--release",
          "--target",
          "wasm32-wasip1",
          "-p",
          pkg,
          "--message-format=json-render-diagnostics",
        ],
        { timeoutMs: 600_000 },
      );
      assert.equal(res.code, 0, `building ${pkg} for wasm32-wasip1 failed:\n${res.stderr}`);
      for (const line of res.stdout.split("\n")) {
        if (!line.startsWith("{")) continue;
        const msg = JSON.parse(line) as {
          reason?: string;
          target?: { name?: string; kind?: string[] };
          filenames?: string[];
        };
        const file = msg.filenames?.find((f) => f.endsWith(".wasm"));
        if (msg.reason === "compiler-artifact" && msg.target?.kind?.includes("bin") && file) {
          return file;
        }
      }
      throw new Error(`cargo built no .wasm for ${pkg}:\n${res.stdout}`);
    })();
    builtPreview1.set(pkg, wasm);
  }
  return wasm;
}

/** A fresh temporary folder and a function that removes it. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `loop-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Environment entries that leave cargo's incremental switch to its profiles: `CARGO_INCREMENTAL`
 * and `build.incremental` override every profile, and so does `CI` (cargo turns incremental
 * builds off under CI unless one of the first two says otherwise); CI machines set them.
 */
export const cargoIncrementalFromProfiles = {
  CARGO_INCREMENTAL: undefined,
  CARGO_BUILD_INCREMENTAL: undefined,
  CI: undefined,
} as const;

/**
 * The incremental sessions rustc keeps for `crate` under `target` (for wasm32-wasip2, release),
 * as `CRATE-HASH/s-...` names; none when the folder is missing. Names, not times: they compare
 * across clocks.
 */
export async function incrementalSessions(target: string, crate: string): Promise<string[]> {
  const base = join(target, "wasm32-wasip2", "release", "incremental");
  const prefix = `${crate.replaceAll("-", "_")}-`;
  const sessions: string[] = [];
  let dirs: string[];
  try {
    dirs = await readdir(base);
  } catch {
    return sessions;
  }
  for (const d of dirs.filter((n) => n.startsWith(prefix))) {
    for (const s of await readdir(join(base, d))) {
      if (s.startsWith("s-") && !s.endsWith(".lock")) sessions.push(`${d}/${s}`);
    }
  }
  return sessions.sort();
}

/** Asserts that output carries no Node stack frames, Rust backtraces or panics. */
export function assertNoStackTrace(output: string): void {
  assert.doesNotMatch(output, /^\s{4}at /m, `a Node stack trace leaked:\n${output}`);
  assert.doesNotMatch(output, /RUST_BACKTRACE/, `a Rust backtrace hint leaked:\n${output}`);
  assert.doesNotMatch(output, /panicked at/, `a Rust panic leaked:\n${output}`);
}

/** The non-empty lines of some output. */
export function lines(output: string): string[] {
  return output.split("\n").filter((l) => l.trim() !== "");
}

/** Copies `examples/<name>` (without its build outputs) to a fresh temporary folder. */
export async function copyExample(
  name: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), `loop-${name}-`));
  const dir = join(root, name);
  await cp(join(repoRoot, "examples", name), dir, {
    recursive: true,
    filter: (src) => !/[/\\](dist|target|node_modules)$/.test(src),
  });
  return { dir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** A running `loop serve` and the URL it listens on. */
export interface Serving {
  running: Running;
  /** `http://127.0.0.1:PORT`, from the `serving NAME on http://ADDR` line. */
  url: string;
}

/**
 * Starts `loop serve <args> --listen 127.0.0.1:0` and resolves once it prints its
 * `serving NAME on http://ADDR` line.
 */
export async function startServe(
  args: readonly string[],
  options: RunOptions = {},
): Promise<Serving> {
  const running = startLoop(["serve", ...args, "--listen", "127.0.0.1:0"], {
    timeoutMs: 300_000,
    ...options,
  });
  const match = await running.waitFor("stdout", /^serving \S+ on (http:\/\/127\.0\.0\.1:\d+)$/m);
  return { running, url: match[1] as string };
}

/** The status and body of one HTTP response. */
export interface HttpResponse {
  status: number;
  body: string;
}

/** One HTTP GET (through `agent`, e.g. a keep-alive one, when given). */
export function httpGet(url: string, agent?: http.Agent): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, agent ? { agent } : {}, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/**
 * `bytes` (a component or module) with a custom section `name` holding `payload` appended: other
 * bytes, so loop-host compiles it afresh, and the same code.
 */
export function withCustomSection(bytes: Buffer, name: string, payload: string): Buffer {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  };
  const label = Buffer.from(name);
  const body = Buffer.concat([Buffer.from(leb(label.length)), label, Buffer.from(payload)]);
  return Buffer.concat([bytes, Buffer.from([0, ...leb(body.length)]), body]);
}
