import { spawn } from "node:child_process";
import { findLoopHost, hostEnv, LoopHostNotFoundError } from "./locate.js";

export interface CaptureHostOptions {
  /** The loop-host executable (default: {@link findLoopHost}). */
  bin?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** What a captured loop-host run printed, and how it ended. */
export interface CapturedHost {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `loop-host <args...>` with its output collected instead of shown (for commands whose
 * output is data, such as `loop-host manifest`).
 *
 * @throws {LoopHostNotFoundError} when the binary cannot be found or started.
 */
export function captureHost(
  args: readonly string[],
  options: CaptureHostOptions = {},
): Promise<CapturedHost> {
  const bin = options.bin ?? findLoopHost(options.env ? { env: options.env } : {});
  return new Promise<CapturedHost>((resolve, reject) => {
    const child = spawn(bin, args, {
      stdio: ["ignore", "pipe", "pipe"],
      cwd: options.cwd,
      env: hostEnv(options.env),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT" || err.code === "EACCES") {
        reject(
          new LoopHostNotFoundError(`cannot start loop-host at ${bin}: ${err.message}`, [bin]),
        );
      } else {
        reject(err);
      }
    });
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
