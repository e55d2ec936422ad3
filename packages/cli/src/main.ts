/**
 * The `loop` executable's entry (bin/loop.js imports it, bundled as dist/loop.mjs): installs the
 * crash handlers, runs the CLI and sets the exit status.
 *
 * A plain `loop run FILE ...` takes the fast path (src/fast-run.ts), which needs neither
 * commander nor the command modules. Everything else imports the full CLI (src/index.ts, bundled
 * on its own as dist/loop-cli.mjs) and runs it. Keep the static imports here light: they are
 * loaded on every start.
 */
import { EXIT_INTERNAL, reportError } from "./errors.js";
import { fastRun } from "./fast-run.js";

/** Prints an error as one line and returns the exit status (see errors.ts). */
type Report = (err: unknown) => number;

/** Last line of defence: whatever escapes still gets one line, never a Node stack trace. */
function installCrashHandlers(report: () => Report): void {
  const crash = (err: unknown) => {
    try {
      process.exitCode = report()(err);
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

// The full CLI has its own copy of errors.ts when bundled, so its errors are reported by its
// own reportError (its `instanceof CliError` knows its own class).
let report: Report = reportError;
installCrashHandlers(() => report);

// The fast path writes nothing itself unless something fails (loop-host has the terminal), so
// it sets up stdout and stderr only then: creating those streams costs start-up time.
const fast = fastRun(process.argv.slice(2), {
  report: (err) => {
    quietOnClosedPipe();
    return reportError(err);
  },
});
if (fast !== undefined) {
  process.exitCode = await fast;
} else {
  quietOnClosedPipe();
  const cli = await import("./index.js");
  report = cli.reportError;
  process.exitCode = await cli.main();
}
