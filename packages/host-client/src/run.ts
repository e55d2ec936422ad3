import { type StdioOptions, spawn } from "node:child_process";
import { findLoopHost, hostEnv, LoopHostNotFoundError } from "./locate.js";

export interface RunHostOptions {
  /** The loop-host executable (default: {@link findLoopHost}). */
  bin?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Default `"inherit"`: the child shares this process's terminal. */
  stdio?: StdioOptions;
  /** Signals relayed to the child while it runs (default `SIGINT`, `SIGTERM`, `SIGHUP`). */
  forwardSignals?: readonly NodeJS.Signals[];
}

/** How loop-host ended: an exit code, or the signal that killed it. */
export interface HostExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const DEFAULT_FORWARD: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Runs `loop-host <args...>` and resolves when it exits. While it runs, the signals in
 * `forwardSignals` are relayed to it instead of ending this process, so the caller can exit
 * with the child's status.
 *
 * @throws {LoopHostNotFoundError} when the binary cannot be found or started.
 */
export function runHost(args: readonly string[], options: RunHostOptions = {}): Promise<HostExit> {
  const bin = options.bin ?? findLoopHost(options.env ? { env: options.env } : {});
  const forward = options.forwardSignals ?? DEFAULT_FORWARD;

  return new Promise<HostExit>((resolve, reject) => {
    const child = spawn(bin, args, {
      stdio: options.stdio ?? "inherit",
      cwd: options.cwd,
      env: hostEnv(options.env),
    });

    const relays = forward.map((signal) => {
      const relay = () => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      process.on(signal, relay);
      return [signal, relay] as const;
    });
    const cleanup = () => {
      for (const [signal, relay] of relays) process.off(signal, relay);
    };

    child.once("error", (err: NodeJS.ErrnoException) => {
      cleanup();
      if (err.code === "ENOENT" || err.code === "EACCES") {
        reject(
          new LoopHostNotFoundError(`cannot start loop-host at ${bin}: ${err.message}`, [bin]),
        );
      } else {
        reject(err);
      }
    });
    child.once("exit", (code, signal) => {
      cleanup();
      resolve({ code, signal });
    });
  });
}
