/**
 * The `loop` executable's entry (bin/loop.js imports it): installs the crash handlers, runs the
 * CLI and sets the exit status.
 */
import { main } from "./cli.js";
import { EXIT_INTERNAL, reportError } from "./errors.js";

/** Last line of defence: whatever escapes still gets one line, never a Node stack trace. */
function installCrashHandlers(): void {
  const crash = (err: unknown) => {
    try {
      process.exitCode = reportError(err);
    } finally {
      process.exit(typeof process.exitCode === "number" ? process.exitCode : EXIT_INTERNAL);
    }
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);
}

/** A closed pipe (`loop --help | head`) is not an error: stop quietly. */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE")
        process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
      throw err;
    });
  }
}

installCrashHandlers();
quietOnClosedPipe();
process.exitCode = await main();
