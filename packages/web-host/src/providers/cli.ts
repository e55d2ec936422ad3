import { fromShim } from "./types.js";

// `wasi:cli/*`: stdio, arguments, environment, exit. The shim writes stdout and stderr to the
// console a line at a time and reads nothing from stdin. The environment is empty and there are
// no arguments, as loop-host gives an untrusted fx component.

const EMPTY = {
  getEnvironment: (): [string, string][] => [],
  getArguments: (): string[] => [],
  initialCwd: (): string | undefined => undefined,
};

export const cli = fromShim(
  "stdio, args, env, exit",
  "cli",
  [
    "environment",
    "exit",
    "stdin",
    "stdout",
    "stderr",
    "terminal-input",
    "terminal-output",
    "terminal-stdin",
    "terminal-stdout",
    "terminal-stderr",
  ],
  () => ({ "wasi:cli/environment": EMPTY }),
);
