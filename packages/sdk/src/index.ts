/// <reference path="../types/wasi.d.ts" preserve="true" />
/**
 * @loop-kit/sdk: the JS/TS guest SDK. Bundled into the guest by `loop component build`, so it
 * imports only WIT interfaces (`wasi:*`, `loop:*`), never Node built-ins.
 *
 * ```ts
 * import { args, command, env, log } from "@loop-kit/sdk";
 * export const run = command(() => {
 *   console.log(`hello ${args().join(" ")} ${env("GREETING") ?? ""}`);
 *   log.info("said hello");
 * });
 * ```
 */
import { getArguments, getEnvironment } from "wasi:cli/environment@0.2.12";
import { exit, exitWithCode } from "wasi:cli/exit@0.2.12";
import type { Run } from "wasi:cli/run@0.2.12";
import { type Level, log as wasiLog } from "wasi:logging/logging@0.1.0-draft";

export type { Level } from "wasi:logging/logging@0.1.0-draft";
// loop:fx components: defineComponent, h and the tag helpers, component, invalidate, emit,
// now, setTimeout, clearTimeout. Re-exported with `export *` and the package marked free of
// side effects, so a guest bundles (and imports WIT interfaces for) only the half it uses: a
// command does not import loop:fx/host, an fx component not wasi:cli.
export * from "./fx.js";
// Hot reload with state: defineReloadable (defineComponent + a loop:host/lifecycle export).
export * from "./lifecycle.js";

/** The program's arguments, without the program name. */
export function args(): string[] {
  return argv().slice(1);
}

/** All arguments as the host passed them, program name first. */
export function argv(): string[] {
  return getArguments();
}

let environment: Map<string, string> | undefined;

/** The value of one environment variable, or undefined when the host did not pass it. */
export function env(name: string): string | undefined {
  environment ??= new Map(getEnvironment());
  return environment.get(name);
}

/** Every environment variable the host passed. */
export function envAll(): Record<string, string> {
  return Object.fromEntries(getEnvironment());
}

type LogFn = (message: string, context?: string) => void;

const logAt =
  (level: Level): LogFn =>
  (message, context = "") =>
    wasiLog(level, context, message);

/** `wasi:logging`: one record into the host's log per call; `context` is optional. */
export const log: Record<Level, LogFn> = {
  trace: logAt("trace"),
  debug: logAt("debug"),
  info: logAt("info"),
  warn: logAt("warn"),
  error: logAt("error"),
  critical: logAt("critical"),
};

/** What a command's main function gets. */
// biome-ignore lint/suspicious/noConfusingVoidType: `main` may return nothing, or a status.
export type CommandMain = (args: string[]) => void | number;

/**
 * Makes the `wasi:cli/run` export of a command component: `export const run = command(main)`.
 * `main` gets the arguments (without the program name); returning a number exits with it.
 * A thrown error prints `error: <message>` on stderr and ends the run with a failure (status 1).
 */
export function command(main: CommandMain): Run {
  return {
    run() {
      let status: ReturnType<CommandMain>;
      try {
        status = main(args());
      } catch (err) {
        console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
        exit({ tag: "err" });
      }
      if (typeof status === "number" && status !== 0) exitWithCode(status & 0xff);
    },
  };
}
