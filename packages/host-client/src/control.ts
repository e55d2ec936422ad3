import { type ChildProcess, spawn } from "node:child_process";
import { findLoopHost, hostEnv, LoopHostNotFoundError } from "./locate.js";
import type { Policy } from "./manifest.js";
import type { HostExit } from "./run.js";

// The client side of `loop-host control` (docs/control-protocol.md): u32 big-endian length +
// UTF-8 JSON frames both ways; requests carry an `id` the response echoes; events have no `id`
// and are written before the response of the request that caused them.

/** The protocol version this client speaks. */
export const CONTROL_PROTOCOL = 1;

/** loop-host refuses frames over 64 MiB. */
export const MAX_FRAME_BYTES = 64 << 20;

/**
 * Why a request failed. loop-host's own kinds, plus two of the client's: `exited` (loop-host
 * ended before answering) and `protocol` (it answered something this client cannot read).
 */
export type ControlErrorKind =
  | "bad-request"
  | "not-found"
  | "load"
  | "trap"
  | "timeout"
  | "memory"
  | "dead"
  | "exited"
  | "protocol";

/** A request loop-host answered with an error, or could not answer. */
export class ControlError extends Error {
  override name = "ControlError";
  /** What went wrong (see {@link ControlErrorKind}; a newer loop-host may add kinds). */
  readonly kind: ControlErrorKind | (string & {});
  /** The guest's wasm backtrace, for traps. */
  readonly backtrace: string | undefined;
  /** The request's op (`call`, `load`, ...). */
  readonly op: string;

  constructor(kind: string, message: string, op: string, backtrace?: string) {
    super(message);
    this.kind = kind;
    this.op = op;
    this.backtrace = backtrace;
  }
}

/** Minimum level of guest log events (`--log`). */
export type ControlLogLevel = "trace" | "debug" | "info" | "warn" | "error" | "off";

/** A guest log line (`wasi:logging/logging.log`). */
export interface LogEvent {
  readonly event: "log";
  readonly component: string;
  readonly level: string;
  readonly context: string;
  readonly message: string;
}
/** `loop:fx/host.invalidate` from an instance. */
export interface InvalidateEvent {
  readonly event: "invalidate";
  readonly instance: number;
}
/** `loop:fx/host.emit` from an instance. */
export interface EmitEvent {
  readonly event: "emit";
  readonly instance: number;
  readonly name: string;
  readonly payload: string;
}
/** `loop:fx/host.set-timeout`: loop-host allocated `id`; the client decides when it fires. */
export interface SetTimeoutEvent {
  readonly event: "set-timeout";
  readonly instance: number;
  readonly id: number;
  readonly delayMs: number;
  readonly handler: string;
}
/** `loop:fx/host.clear-timeout`. */
export interface ClearTimeoutEvent {
  readonly event: "clear-timeout";
  readonly instance: number;
  readonly id: number;
}
/** What loop-host reports without being asked (always before the response it belongs to). */
export type ControlEvent =
  | LogEvent
  | InvalidateEvent
  | EmitEvent
  | SetTimeoutEvent
  | ClearTimeoutEvent;

/** Receives events; a listener that throws fails the request whose events it was handling. */
export type ControlEventListener = (event: ControlEvent) => void;

/** `hello`'s answer. */
export interface HelloResult {
  protocol: number;
  "loop-host": string;
  ops: string[];
}

/** `load`'s answer. */
export interface LoadResult {
  /** Id for `instantiate` and `unload`. */
  component: number;
  /** The component's name in logs and messages (`name`, the policy's, else the file stem). */
  name: string;
  /** The world it targets, e.g. `loop:fx/app`, `wasi:cli/command`. */
  world: string;
  /** Its exported interfaces and functions. */
  exports: string[];
  /** Whether it was compiled now (false: from the compile cache). */
  compiled: boolean;
}

export interface LoadOptions {
  /** Name in logs and messages (default: the policy's name, else the file stem). */
  name?: string;
  /** The resolved policy (as `loop-host manifest` prints it); default: untrusted, no grants. */
  policy?: Policy | null;
}

/** Where loop-host's stderr (which carries guest stdout and host diagnostics) goes. */
export type ControlStderr = "inherit" | "capture" | "ignore" | ((text: string) => void);

export interface ControlClientOptions {
  /** The loop-host executable (default: {@link findLoopHost}). */
  bin?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Minimum level of guest `log` events (`--log`; default loop-host's: info, or `$LOOP_LOG`). */
  log?: ControlLogLevel;
  /** Neither read nor write the compile cache (`--no-cache`). */
  noCache?: boolean;
  /** Compile cache directory (`--cache-dir`). */
  cacheDir?: string;
  /** loop-host prints what it does (compilation, cache hits) on stderr (`--verbose`). */
  verbose?: boolean;
  /** The code generator (`--compiler`): cranelift (optimised) or winch (a baseline compiler). */
  compiler?: "cranelift" | "winch";
  /** Loading a new version recompiles only the functions that changed (`--incremental`; Cranelift). */
  incremental?: boolean;
  /**
   * loop-host's stderr: passed through (`inherit`, the default), collected (`capture`, read it
   * with {@link ControlClient.stderr}), dropped, or handed to a function as it arrives.
   */
  stderr?: ControlStderr;
  /** A first event listener (more with {@link ControlClient.subscribe}). */
  onEvent?: ControlEventListener;
}

interface Pending {
  readonly id: number;
  readonly op: string;
  resolve(value: Record<string, unknown>): void;
  reject(err: Error): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * A running `loop-host control` and a typed client for it. Requests may be sent without waiting
 * for earlier ones (loop-host handles them one at a time, in order); every event a request
 * causes reaches the listeners before its promise settles.
 *
 * ```ts
 * const host = new ControlClient({ onEvent: (e) => console.log(e) });
 * const { component } = await host.load("greeter.wasm");
 * const instance = await host.instantiate(component);
 * await host.call(instance, "loop-test:library/greeter#greet", ["ada"]); // "hello, ada"
 * await host.shutdown();
 * ```
 *
 * If loop-host dies, every pending and later request rejects with a `ControlError` of kind
 * `exited` that says how it ended (and, with `stderr: "capture"`, its last line of stderr).
 */
export class ControlClient {
  /** The loop-host executable this client runs. */
  readonly bin: string;
  private readonly child: ChildProcess;
  private readonly listeners: ControlEventListener[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private captured = "";
  private exit: HostExit | null = null;
  /** Why no request can succeed any more: loop-host could not start, or broke the protocol. */
  private fatal: Error | null = null;
  private readonly closed: Promise<HostExit>;
  private listenerError: unknown = undefined;
  private shuttingDown: Promise<HostExit> | null = null;

  /**
   * Starts `loop-host control`.
   *
   * @throws {LoopHostNotFoundError} when no loop-host can be found (a binary that cannot be
   * started makes every request reject with that error instead).
   */
  constructor(options: ControlClientOptions = {}) {
    this.bin = options.bin ?? findLoopHost(options.env ? { env: options.env } : {});
    if (options.onEvent) this.listeners.push(options.onEvent);
    const args = ["control"];
    if (options.log !== undefined) args.push("--log", options.log);
    if (options.noCache) args.push("--no-cache");
    if (options.cacheDir !== undefined) args.push("--cache-dir", options.cacheDir);
    if (options.verbose) args.push("--verbose");
    if (options.compiler !== undefined) args.push("--compiler", options.compiler);
    if (options.incremental) args.push("--incremental");
    const stderr = options.stderr ?? "inherit";
    this.child = spawn(this.bin, args, {
      cwd: options.cwd,
      env: hostEnv(options.env),
      stdio: [
        "pipe",
        "pipe",
        typeof stderr === "function" || stderr === "capture" ? "pipe" : stderr,
      ],
    });
    if (typeof stderr === "function" || stderr === "capture") {
      const sink =
        typeof stderr === "function"
          ? stderr
          : (text: string) => {
              this.captured += text;
            };
      this.child.stderr?.setEncoding("utf8").on("data", sink);
    }
    this.child.stdout?.on("data", (chunk: Buffer) => this.onData(chunk));
    // Writing to a host that died is reported through the pending requests, not as a crash.
    this.child.stdin?.on("error", () => {});
    this.closed = new Promise<HostExit>((resolve) => {
      let startError: NodeJS.ErrnoException | null = null;
      this.child.once("error", (err: NodeJS.ErrnoException) => {
        startError = err;
      });
      this.child.once("close", (code, signal) => {
        const exit = { code, signal };
        this.exit = exit;
        const err = startError as NodeJS.ErrnoException | null;
        if (this.fatal === null && err !== null) {
          this.fatal =
            err.code === "ENOENT" || err.code === "EACCES"
              ? new LoopHostNotFoundError(`cannot start loop-host at ${this.bin}: ${err.message}`, [
                  this.bin,
                ])
              : err;
        }
        this.failPending();
        resolve(exit);
      });
    });
  }

  /** loop-host's process id (undefined if it could not be started). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How loop-host ended, or null while it runs. */
  get exited(): HostExit | null {
    return this.exit;
  }

  /** What loop-host wrote on stderr so far, with `stderr: "capture"` ("" otherwise). */
  get stderr(): string {
    return this.captured;
  }

  /** Adds an event listener; returns a function that removes it. */
  subscribe(listener: ControlEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
    };
  }

  /** Checks the protocol version; answers loop-host's version and ops. */
  async hello(): Promise<HelloResult> {
    const ok = (await this.request("hello", { protocol: CONTROL_PROTOCOL })) as unknown;
    const hello = ok as HelloResult;
    if (hello.protocol !== CONTROL_PROTOCOL) {
      throw new ControlError(
        "protocol",
        `loop-host at ${this.bin} speaks control protocol ${hello.protocol}; this client speaks ${CONTROL_PROTOCOL}: rebuild loop-host (\`npm run setup\`)`,
        "hello",
      );
    }
    return hello;
  }

  /** Loads (compiles, or takes from the cache) and links a component under a policy. */
  async load(path: string, options: LoadOptions = {}): Promise<LoadResult> {
    const fields: Record<string, unknown> = { path };
    if (options.name !== undefined) fields.name = options.name;
    if (options.policy != null) fields.policy = options.policy;
    return (await this.request("load", fields)) as unknown as LoadResult;
  }

  /** Instantiates a loaded component; resolves to the instance id. */
  async instantiate(component: number): Promise<number> {
    const ok = await this.request("instantiate", { component });
    return ok.instance as number;
  }

  /**
   * Calls an export: `fn` is `interface#name` (with or without the interface's `@version`) or
   * a root-level name; `args` and the result are component-model values as JSON (see
   * docs/control-protocol.md, "Values"). Resolves to the result (`null` for none, an array for
   * several).
   */
  async call<T = unknown>(instance: number, fn: string, args: readonly unknown[] = []): Promise<T> {
    const ok = await this.request("call", { instance, function: fn, args });
    return ok.result as T;
  }

  /** Drops an instance. */
  async drop(instance: number): Promise<void> {
    await this.request("drop", { instance });
  }

  /** Unloads a component and drops its instances. */
  async unload(component: number): Promise<void> {
    await this.request("unload", { component });
  }

  /** Sets the virtual clock that `loop:fx/host.now` reads (milliseconds). */
  async setTime(ms: number): Promise<void> {
    await this.request("set-time", { ms });
  }

  /**
   * Asks loop-host to exit and waits until it has (killing it if it has not after
   * `graceMs`); resolves with how it ended. Safe to call more than once, or after it died.
   */
  shutdown(graceMs = 5000): Promise<HostExit> {
    if (this.shuttingDown !== null) return this.shuttingDown;
    this.shuttingDown = (async () => {
      if (this.exit === null && this.fatal === null) {
        try {
          await this.request("shutdown", {});
        } catch {
          // It died first: the exit says how.
        }
        this.child.stdin?.end();
        const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
        try {
          return await this.closed;
        } finally {
          clearTimeout(timer);
        }
      }
      return this.closed;
    })();
    return this.shuttingDown;
  }

  /** Kills loop-host at once (pending requests reject with kind `exited`). */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.exit === null) this.child.kill(signal);
  }

  /**
   * Sends one request and resolves to its `ok` object. The typed methods above are built on it;
   * use it for ops this client does not know yet.
   */
  request(op: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (this.exit !== null || this.fatal !== null) {
      return Promise.reject(this.deadError(op));
    }
    const id = ++this.nextId;
    const json = JSON.stringify({ ...fields, id, op });
    const length = Buffer.byteLength(json);
    if (length > MAX_FRAME_BYTES) {
      return Promise.reject(
        new ControlError(
          "bad-request",
          `the ${op} request is ${length} bytes, over loop-host's ${MAX_FRAME_BYTES}-byte frame limit`,
          op,
        ),
      );
    }
    const frame = Buffer.allocUnsafe(4 + length);
    frame.writeUInt32BE(length, 0);
    frame.write(json, 4, "utf8");
    return new Promise((resolve, reject) => {
      this.pending.set(id, { id, op, resolve, reject });
      this.child.stdin?.write(frame);
    });
  }

  // ---- reading frames ----

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.buffered < 4) return;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (this.buffered < 4 + length) return;
      const frame = this.take(4 + length);
      this.onFrame(frame.subarray(4));
    }
  }

  // The first `n` bytes buffered (n <= buffered), joining chunks only when they straddle.
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  // Removes and returns the first `n` bytes buffered.
  private take(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      while (at < n) {
        const c = this.chunks[0] as Buffer;
        const m = Math.min(c.length, n - at);
        c.copy(out, at, 0, m);
        at += m;
        if (m === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(m);
      }
    }
    this.buffered -= n;
    if (this.buffered === 0) this.chunks = [];
    return out.length === 0 ? EMPTY : out;
  }

  private onFrame(body: Buffer): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    } catch (err) {
      this.protocolFailure(`loop-host sent a frame that is not JSON: ${(err as Error).message}`);
      return;
    }
    if (typeof frame !== "object" || frame === null) {
      this.protocolFailure("loop-host sent a frame that is not a JSON object");
      return;
    }
    if (typeof frame.event === "string") {
      this.onEvent(frame);
      return;
    }
    // Requests are answered in order, so an answer without a usable id (loop-host could not
    // read the request) belongs to the oldest one waiting.
    const id = typeof frame.id === "number" ? frame.id : undefined;
    const pending = id !== undefined ? this.pending.get(id) : this.pending.values().next().value;
    if (pending === undefined) return;
    this.pending.delete(pending.id);
    const listenerError = this.listenerError;
    this.listenerError = undefined;
    const error = frame.error as { kind?: unknown; message?: unknown; backtrace?: unknown } | null;
    if (error !== undefined && error !== null) {
      pending.reject(
        new ControlError(
          typeof error.kind === "string" ? error.kind : "protocol",
          typeof error.message === "string" ? error.message : JSON.stringify(error),
          pending.op,
          typeof error.backtrace === "string" ? error.backtrace : undefined,
        ),
      );
    } else if (listenerError !== undefined) {
      pending.reject(
        listenerError instanceof Error ? listenerError : new Error(String(listenerError)),
      );
    } else {
      const ok = frame.ok;
      pending.resolve(typeof ok === "object" && ok !== null ? (ok as Record<string, unknown>) : {});
    }
  }

  private onEvent(frame: Record<string, unknown>): void {
    const event = toEvent(frame);
    if (event === null) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        // Reported on the request these events belong to (answered next).
        if (this.listenerError === undefined) this.listenerError = err;
      }
    }
  }

  private protocolFailure(message: string): void {
    // Nothing after an unreadable frame can be trusted: fail everything and stop the host.
    this.fatal = new ControlError("protocol", message, "");
    this.failPending();
    this.child.kill("SIGKILL");
  }

  private failPending(): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(this.deadError(p.op));
  }

  private deadError(op: string): Error {
    const fatal = this.fatal;
    if (fatal instanceof ControlError) return new ControlError(fatal.kind, fatal.message, op);
    if (fatal !== null) return fatal; // could not start: LoopHostNotFoundError

    const exit = this.exit;
    const how =
      exit === null
        ? "is not running"
        : exit.signal !== null
          ? `was killed by ${exit.signal}`
          : `exited with status ${exit.code}`;
    const last = this.captured
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .at(-1);
    return new ControlError(
      "exited",
      `loop-host ${how} before answering \`${op}\`${last !== undefined ? `: ${last}` : ""}`,
      op,
    );
  }
}

function toEvent(f: Record<string, unknown>): ControlEvent | null {
  switch (f.event) {
    case "log":
      return {
        event: "log",
        component: String(f.component ?? ""),
        level: String(f.level ?? "info"),
        context: String(f.context ?? ""),
        message: String(f.message ?? ""),
      };
    case "invalidate":
      return { event: "invalidate", instance: f.instance as number };
    case "emit":
      return {
        event: "emit",
        instance: f.instance as number,
        name: String(f.name),
        payload: String(f.payload),
      };
    case "set-timeout":
      return {
        event: "set-timeout",
        instance: f.instance as number,
        id: f.id as number,
        delayMs: f["delay-ms"] as number,
        handler: String(f.handler),
      };
    case "clear-timeout":
      return { event: "clear-timeout", instance: f.instance as number, id: f.id as number };
    default:
      return null; // an event a newer loop-host sends; nothing here handles it
  }
}

/**
 * A log event as `loop-host run` prints guest log lines: `[component] level context: message`
 * (without the context when it is empty), with a trailing newline.
 */
export function formatLogEvent(event: LogEvent): string {
  const message = event.message.replace(/\n+$/, "");
  return event.context === ""
    ? `[${event.component}] ${event.level}: ${message}\n`
    : `[${event.component}] ${event.level} ${event.context}: ${message}\n`;
}
