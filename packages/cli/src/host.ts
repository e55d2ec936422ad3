import { existsSync, statSync } from "node:fs";
import { constants } from "node:os";
import { runHost } from "@loop-kit/host-client";
import { CliError } from "./errors.js";

/**
 * Runs `loop-host <args>` with the terminal passed through (SIGINT, SIGTERM and SIGHUP relayed
 * to it) and returns the status `loop` should exit with: loop-host's own, or, when it died of a
 * signal, the same signal raised on this process (128 + its number if that returns).
 */
export async function execHost(args: readonly string[]): Promise<number> {
  const exit = await runHost(args);
  if (exit.signal !== null) {
    // Die the way loop-host did, so our parent sees the same signal.
    process.kill(process.pid, exit.signal);
    return 128 + (constants.signals[exit.signal] ?? 0);
  }
  return exit.code ?? 1;
}

/**
 * Checks that FILE is a file loop-host can be handed.
 *
 * @throws {CliError} for a missing file (with `hint` appended) or a folder.
 */
export function checkFile(file: string, hint = ""): void {
  if (!existsSync(file)) throw new CliError(`no such file: ${file}${hint}`);
  if (statSync(file).isDirectory()) {
    throw new CliError(`${file} is a folder; build it first with \`loop component build ${file}\``);
  }
}
