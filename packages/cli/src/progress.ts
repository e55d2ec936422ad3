import { relative } from "node:path";
import type { BuildResult, BuildStep } from "@loop-kit/build";
import { formatBytes, formatMs } from "./format.js";

export interface Progress {
  step: (step: BuildStep) => void;
  stop: () => void;
}

export interface ProgressOptions {
  /**
   * Off a terminal, print only the steps that mean real work (compiling, bundling,
   * componentizing), so an up-to-date build says nothing: `loop run` and `loop serve` use this
   * to keep their stderr to the guest's own output.
   */
  quietWhenFresh?: boolean;
}

/** Whether stderr is a terminal that can show a spinner. */
export function interactive(): boolean {
  return process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 && process.env.TERM !== "dumb";
}

/** Steps that are only checks, not work; `quietWhenFresh` leaves them out. */
function isCheck(s: BuildStep): boolean {
  return (
    s.step === "detect" ||
    s.step === "toolchain" ||
    s.step === "check" ||
    (s.step === "compile" && s.message.startsWith("cargo build"))
  );
}

/**
 * Build progress on stderr: a spinner with the step and its elapsed time on a terminal;
 * `step…` lines otherwise. Loads ora only on a terminal.
 */
export async function createProgress(options: ProgressOptions = {}): Promise<Progress> {
  if (!interactive()) {
    return {
      step: (s) => {
        if (options.quietWhenFresh && isCheck(s)) return;
        process.stderr.write(`${s.message}…\n`);
      },
      stop: () => {},
    };
  }
  const { default: ora } = await import("ora");
  const spinner = ora({ stream: process.stderr });
  let label = "";
  let since = performance.now();
  const render = () => {
    spinner.text = `${label} (${formatMs(performance.now() - since)})`;
  };
  const timer = setInterval(render, 100);
  timer.unref();
  return {
    step(s) {
      label = s.message;
      since = performance.now();
      render();
      if (!spinner.isSpinning) spinner.start();
    },
    stop() {
      clearInterval(timer);
      spinner.stop();
    },
  };
}

/** `rust component examples/kv/... (84 KiB)`: a build result for people. */
export function describeBuild(result: BuildResult, cwd = process.cwd()): string {
  // Relative when it is below cwd, absolute otherwise.
  const where = relative(cwd, result.wasm) || result.wasm;
  const path = where.startsWith("..") ? result.wasm : where;
  return `${result.kind} component ${path} (${formatBytes(result.bytes)})`;
}
