import { type ChildProcess, spawn } from "node:child_process";
import { findLoopHost, hostEnv } from "@loop-kit/host-client";

// `loop-host serve --control`: an HTTP component served, swapped without a restart. stdout
// carries length-prefixed JSON frames (docs/control-protocol.md): a `listening` event with the
// address, then answers to `swap {path}` (new requests go to the new version, in-flight ones
// finish on the old; a failed swap keeps the old) and `shutdown`.

export interface ServeOptions {
  /** loop-host's arguments after `serve --control` (policy, --listen, the component). */
  args: string[];
  /** Where loop-host's stderr goes (guest stdout and logs come this way). */
  onStderr?: (text: string) => void;
}

export class ServeError extends Error {
  override name = "ServeError";
}

/** A running `loop-host serve --control`. */
export class ServeHost {
  private readonly child: ChildProcess;
  private buffer = Buffer.alloc(0);
  private nextId = 0;
  private readonly pending = new Map<
    number,
    { resolve: (ok: Record<string, unknown>) => void; reject: (err: Error) => void }
  >();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private stderrTail = "";
  /** The address it listens on (`127.0.0.1:PORT`), once it does. */
  readonly listening: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(options: ServeOptions) {
    const bin = findLoopHost();
    this.child = spawn(bin, ["serve", "--control", ...options.args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: hostEnv(),
    });
    this.child.stdin?.on("error", () => {});
    this.child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-4000);
      options.onStderr?.(d);
    });
    let listened: (addr: string) => void = () => {};
    let failed: (err: Error) => void = () => {};
    this.listening = new Promise<string>((resolve, reject) => {
      listened = resolve;
      failed = reject;
    });
    this.listening.catch(() => {});
    this.child.stdout?.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4) {
        const n = this.buffer.readUInt32BE(0);
        if (this.buffer.length < 4 + n) break;
        const body = this.buffer.subarray(4, 4 + n).toString("utf8");
        this.buffer = this.buffer.subarray(4 + n);
        let frame: Record<string, unknown>;
        try {
          frame = JSON.parse(body) as Record<string, unknown>;
        } catch {
          continue;
        }
        if (frame.event === "listening") {
          listened(String(frame.addr));
          continue;
        }
        const id = typeof frame.id === "number" ? frame.id : -1;
        const p = this.pending.get(id);
        if (p === undefined) continue;
        this.pending.delete(id);
        const error = frame.error as { message?: string } | undefined;
        if (error) p.reject(new ServeError(error.message ?? JSON.stringify(error)));
        else p.resolve((frame.ok ?? {}) as Record<string, unknown>);
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.once("error", (err) => {
        failed(new ServeError(`cannot start loop-host at ${bin}: ${err.message}`));
      });
      this.child.once("close", (code, signal) => {
        this.exitInfo = { code, signal };
        const last = this.stderrTail.trim().split("\n").at(-1) ?? "";
        const why = new ServeError(
          `loop-host serve ${signal ? `was killed by ${signal}` : `exited with status ${code}`}${last ? `: ${last.replace(/^error:\s*/, "")}` : ""}`,
        );
        failed(why);
        for (const p of this.pending.values()) p.reject(why);
        this.pending.clear();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Swaps to the component at `path`; resolves to loop-host's answer (`generation`, `compiled`,
   * `functions`: `{reused, untranslated, compiled}` when it compiled with Cranelift's incremental
   * cache).
   */
  swap(path: string): Promise<Record<string, unknown>> {
    return this.request("swap", { path });
  }

  /** Stops accepting, lets in-flight requests finish, and waits for the exit. */
  async shutdown(): Promise<void> {
    if (this.exitInfo === null) {
      await this.request("shutdown", {}).catch(() => {});
      const timer = setTimeout(() => this.child.kill("SIGKILL"), 12_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  private request(op: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exitInfo !== null) return Promise.reject(new ServeError("loop-host serve has exited"));
    const id = ++this.nextId;
    const json = Buffer.from(JSON.stringify({ ...fields, id, op }));
    const head = Buffer.alloc(4);
    head.writeUInt32BE(json.length, 0);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin?.write(Buffer.concat([head, json]));
    });
  }
}

/** A command component run with `loop-host run`, rerun on every change. */
export class CommandRun {
  private readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], stdout: "inherit" | "stderr") {
    this.child = spawn(findLoopHost(), ["run", ...args], {
      stdio: ["ignore", stdout === "inherit" ? "inherit" : "pipe", "inherit"],
      env: hostEnv(),
    });
    if (stdout === "stderr") this.child.stdout?.pipe(process.stderr, { end: false });
    this.exited = new Promise((resolve) => {
      this.child.once("error", () => resolve({ code: null, signal: null }));
      this.child.once("close", (code, signal) => resolve({ code, signal }));
    });
  }

  /** Stops it (SIGTERM, then SIGKILL after a grace period) and waits. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}
