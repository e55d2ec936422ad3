import type { Command } from "commander";
import type { CheckResult } from "../doctor.js";
import { loopKitRoot } from "../scaffold/render.js";

interface DoctorOptions {
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("doctor")
    .summary("check the tool chain and say how to fix what is missing")
    .description(
      "Check every piece loop needs, the way loop uses it: node and npm on PATH (Node " +
        "20.10 or newer); Rust (the toolchain this checkout pins, the wasm32-wasip2 target or " +
        "wasip1, or Debian's rustc-web route), cargo, and the wasm linkers rustc calls " +
        "(rust-lld, wasm-component-ld); the npm packages that build JS/TS guests " +
        "(componentize-js and the preview2-shim version it needs, jco, esbuild); the loop-host " +
        "binary (found as `loop run` finds it); and the compile cache folder (written to and " +
        "cleaned up).\n\n" +
        "Prints one line per piece: `✓ piece: what was found`, or `✗ piece (what is wrong) — " +
        "fix: COMMAND` with the exact command that fixes it. Optional pieces (loop on PATH, " +
        "hyperfine, wrk, chromium: benchmarks and browser tests) are marked `○` when missing and " +
        "never fail the check.",
    )
    .option("--json", "print {root, ok, checks: [{id, name, required, ok, detail, fix}]}")
    .addHelpText(
      "after",
      `
Exit status: 0 when every required piece is there; 1 when one is missing.

Examples:
  $ loop doctor
      ✓ node: 20.20.2 (/usr/bin/node)
      ✓ wasm32-wasip2 target: components straight from cargo
      ✗ loop-host (not built) — fix: cd /home/me/loop-kit && cargo build --release -p loop-host
  $ loop doctor --json | jq -r '.checks[] | select(.ok | not) | .fix'
      just the commands to run`,
    )
    .action(async (options: DoctorOptions) => {
      const { runChecks } = await import("../doctor.js");
      const root = loopKitRoot();
      const checks = await runChecks({ root, env: process.env });
      const ok = checks.every((c) => c.ok || !c.required);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ root, ok, checks })}\n`);
      } else {
        process.stdout.write(formatReport(root, checks));
      }
      process.exitCode = ok ? 0 : 1;
    });
}

/** The human report: a line per piece, then one summary line. */
export function formatReport(root: string, checks: readonly CheckResult[]): string {
  const lines = [`loop doctor: the tool chain of loop-kit at ${root}`];
  for (const c of checks) {
    if (c.ok) lines.push(`✓ ${c.name}: ${c.detail}`);
    else lines.push(`${c.required ? "✗" : "○"} ${c.name} (${c.detail}) — fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.required && !c.ok);
  lines.push(
    "",
    failed.length === 0
      ? "everything loop needs is here."
      : `${failed.length} required piece${failed.length === 1 ? " is" : "s are"} missing: run the fix command${failed.length === 1 ? "" : "s"} above, then \`loop doctor\` again.`,
  );
  return `${lines.join("\n")}\n`;
}
