/** An error meant for the user: printed as one `loop: <message>` line, then exit `exitCode`. */
export class CliError extends Error {
  override name = "CliError";
  readonly exitCode: number;
  /** Printed before the message line (a tool's diagnostics). */
  readonly details: string | undefined;

  constructor(message: string, options: { exitCode?: number; details?: string } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details;
  }
}

/** Exit status for bad usage (unknown command or option, bad option value). */
export const EXIT_USAGE = 2;
/** Exit status for a bug in loop itself. */
export const EXIT_INTERNAL = 70;

/** Errors of other packages that carry a user-facing message. */
const USER_ERRORS = new Set(["BuildError", "LoopHostNotFoundError", "ManifestError"]);

/**
 * Prints an error the way the CLI always does: a known error as its details (if any) plus one
 * `loop: <message>` line; anything else as one `loop: internal error: ...` line (with the stack
 * when LOOP_DEBUG is set). Returns the exit status to use.
 */
export function reportError(err: unknown): number {
  const write = (text: string) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  if (err instanceof CliError) {
    if (err.details) write(err.details);
    write(`loop: ${err.message}`);
    return err.exitCode;
  }
  if (err instanceof Error && USER_ERRORS.has(err.name)) {
    const output = (err as { output?: unknown }).output;
    if (typeof output === "string" && output.trim() !== "") write(output.trimEnd());
    write(`loop: ${oneLine(err.message)}`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  if (process.env.LOOP_DEBUG && err instanceof Error && err.stack) write(err.stack);
  write(`loop: internal error: ${oneLine(message)} (set LOOP_DEBUG=1 for the stack)`);
  return EXIT_INTERNAL;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
