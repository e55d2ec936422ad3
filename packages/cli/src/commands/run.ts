import { existsSync, statSync } from "node:fs";
import { constants } from "node:os";
import { runHost } from "@loop-kit/host-client";
import { type Command, InvalidArgumentError, Option } from "commander";
import { CliError } from "../errors.js";

// Keep this module light: `loop run` should cost no more than Node's own start-up over
// `loop-host run`. Nothing heavy (ora, esbuild, @loop-kit/build) may be imported here.

export interface RunOptions {
  env?: string[];
  dir?: string[];
  timeout?: string;
  maxMemory?: string;
  cache?: boolean;
  cacheDir?: string;
  log?: string;
  verbose?: boolean;
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "off"];

export function register(program: Command): void {
  program
    .command("run")
    .summary("run a WebAssembly component")
    .description(
      "Run a WASI command component (or a preview-1 module) with loop-host. The guest sees " +
        "nothing of the host unless granted: no environment variables, no files, no network.\n\n" +
        "Options go before FILE: everything after FILE goes to the guest unchanged, including " +
        "words that look like options.",
    )
    .argument("<file>", "the component (.wasm) to run")
    .argument("[args...]", "arguments passed to the guest")
    .addOption(
      new Option(
        "--env <KEY[=VALUE]>",
        "set a guest environment variable; KEY alone copies yours",
      ).argParser(collect(checkEnv)),
    )
    .addOption(
      new Option("--dir <HOST[::GUEST][:ro]>", "grant a directory (read-only with :ro)").argParser(
        collect(checkDir),
      ),
    )
    .addOption(
      new Option(
        "--timeout <DURATION>",
        "stop the guest after this long (500ms, 2s, 1m)",
      ).argParser(checkDuration),
    )
    .addOption(
      new Option("--max-memory <SIZE>", "cap the guest's memory (64MiB, 512KiB)").argParser(
        checkSize,
      ),
    )
    .option("--no-cache", "neither read nor write the compile cache")
    .option("--cache-dir <DIR>", "compile cache directory (default: ~/.cache/loop-kit/compiled)")
    .addOption(
      new Option("--log <LEVEL>", "minimum level of guest log lines (default: info)").choices(
        LOG_LEVELS,
      ),
    )
    .option("-v, --verbose", "print what the host does (compilation, cache hits)")
    .passThroughOptions()
    .addHelpText(
      "after",
      `
Exit status: the guest's own; 134 when it traps or hits --timeout or --max-memory; 1 when the
file cannot be loaded; 2 for bad usage.

Examples:
  $ loop run hello.wasm a b --env GREETING=hi
      runs hello.wasm with arguments "a" and "b" and one environment variable
  $ loop run --dir ./data::/data --dir ./assets::/assets:ro app.wasm
      grants ./data read-write as /data and ./assets read-only as /assets
  $ loop run --timeout 500ms --max-memory 32MiB spin.wasm -v
      limits time and memory; "-v" goes to the guest, since it comes after FILE`,
    )
    .action(async (file: string, args: string[], options: RunOptions) => {
      process.exitCode = await runCommand(file, args, options);
    });
}

/** The arguments for `loop-host` equivalent to `loop run <options> <file> <args...>`. */
export function hostArgs(file: string, args: readonly string[], options: RunOptions): string[] {
  const out = ["run"];
  for (const env of options.env ?? []) out.push("--env", env);
  for (const dir of options.dir ?? []) out.push("--dir", dir);
  if (options.timeout !== undefined) out.push("--timeout", options.timeout);
  if (options.maxMemory !== undefined) out.push("--max-memory", options.maxMemory);
  if (options.cache === false) out.push("--no-cache");
  if (options.cacheDir !== undefined) out.push("--cache-dir", options.cacheDir);
  if (options.log !== undefined) out.push("--log", options.log);
  if (options.verbose) out.push("--verbose");
  // `--` keeps loop-host from reading a FILE that starts with `-` as an option.
  out.push("--", file, ...args);
  return out;
}

async function runCommand(file: string, args: string[], options: RunOptions): Promise<number> {
  if (!existsSync(file)) throw new CliError(`no such file: ${file}`);
  if (statSync(file).isDirectory()) {
    throw new CliError(`${file} is a folder; build it first with \`loop component build ${file}\``);
  }
  const exit = await runHost(hostArgs(file, args, options));
  if (exit.signal !== null) {
    // Die the way the guest's host did, so our parent sees the same signal.
    process.kill(process.pid, exit.signal);
    return 128 + (constants.signals[exit.signal] ?? 0);
  }
  return exit.code ?? 1;
}

function collect(check: (value: string) => string) {
  return (value: string, previous: string[] | undefined) => [...(previous ?? []), check(value)];
}

function checkEnv(value: string): string {
  const key = value.split("=", 1)[0] ?? "";
  if (key === "" || /\s/.test(key)) {
    throw new InvalidArgumentError("expected KEY=VALUE or KEY, e.g. --env GREETING=hi");
  }
  return value;
}

function checkDir(value: string): string {
  if (value === "" || value.startsWith("::")) {
    throw new InvalidArgumentError("expected HOST[::GUEST][:ro], e.g. --dir ./data::/data");
  }
  return value;
}

function checkDuration(value: string): string {
  if (!/^\s*(\d+\s*[a-zµ]+\s*)+$/i.test(value)) {
    throw new InvalidArgumentError("expected a duration such as 500ms, 2s or 1m 30s");
  }
  return value;
}

function checkSize(value: string): string {
  if (!/^\s*\d+(\.\d+)?\s*([kmg]i?b?|b)?\s*$/i.test(value)) {
    throw new InvalidArgumentError("expected a size such as 64MiB, 512KiB or 1048576");
  }
  return value;
}
