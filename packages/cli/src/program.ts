import { createRequire } from "node:module";
import type { Command, CommanderError } from "commander";
import { EXIT_USAGE } from "./errors.js";

/** A command module: adds its command(s) to the program. */
export type Register = (program: Command) => void;

/** The CLI's version, from its package.json (one level above both src/ and dist/). */
export function version(): string {
  const pkg = createRequire(import.meta.url)("../package.json") as { version: string };
  return pkg.version;
}

/**
 * The noun of a noun-verb command (`loop component build`): returns the existing `name` command
 * or creates it, so several modules can add verbs to one noun.
 */
export function noun(
  program: Command,
  name: string,
  description: string,
  helpAfter?: string,
): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  const cmd = program.command(name).description(description);
  if (helpAfter !== undefined) cmd.addHelpText("after", helpAfter);
  return cmd;
}

/**
 * Makes every command in the tree report usage errors as one `loop: ...` line (with a pointer
 * to the right `--help`) and throw a {@link CommanderError} instead of exiting, so `main` decides
 * the exit status.
 */
export function configureTree(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({
    outputError: (str, write) => write(`${usageLine(cmd, str)}\n`),
  });
  cmd.showSuggestionAfterError(true);
  for (const sub of cmd.commands) configureTree(sub);
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

function usageLine(cmd: Command, raw: string): string {
  const message = raw
    .trim()
    .replace(/^error:\s*/i, "")
    .replace(/\s*\n\s*/g, " ");
  return `loop: ${message} (see \`${commandPath(cmd)} --help\`)`;
}

/** The exit status for a CommanderError: 0 for help and version, else the usage status. */
export function commanderExit(err: CommanderError): number {
  return err.exitCode === 0 ? 0 : EXIT_USAGE;
}
