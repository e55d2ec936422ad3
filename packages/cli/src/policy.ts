import { type Command, InvalidArgumentError, Option } from "commander";
import { CliError, EXIT_USAGE } from "./errors.js";

// The options `loop run`, `loop serve` and `loop component inspect` share with loop-host's
// `run`, `serve` and `inspect` (same names, same meaning). `loop` checks their shape, so a typo
// is one usage line, and hands them to loop-host, which owns what they mean.

/** Parsed policy, engine and manifest options. */
export interface PolicyOptions {
  manifest?: string;
  component?: string;
  env?: string[];
  dir?: string[];
  allowHost?: string[];
  kv?: string[];
  config?: string[];
  trusted?: boolean;
  allowProcess?: boolean;
  dataDir?: string;
  timeout?: string;
  maxMemory?: string;
  cache?: boolean;
  cacheDir?: string;
  verbose?: boolean;
  log?: string;
}

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "off"];

/** Adds `--manifest` and `--component`. */
export function addManifestOptions(cmd: Command, what: string): Command {
  return cmd
    .option(
      "--manifest <FILE>",
      `take the component and its policy from this loop.toml (default: ./loop.toml when no FILE is given)`,
    )
    .option(
      "--component <NAME>",
      `which component of the manifest to ${what} (default: app.main, or the only one)`,
    );
}

/** Adds the grant and limit options (`--env` ... `--max-memory`). */
export function addPolicyOptions(cmd: Command): Command {
  return cmd
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
        "--allow-host <HOST[:PORT]>",
        "allow outgoing HTTP to this host (any port without :PORT)",
      ).argParser(collect(checkHost)),
    )
    .addOption(
      new Option("--kv <BUCKET>", "grant a key-value bucket").argParser(collect(checkBucket)),
    )
    .addOption(
      new Option("--config <KEY=VALUE>", "serve a value through wasi:config/store").argParser(
        collect(checkConfig),
      ),
    )
    .option("--trusted", "run as a trusted component (may then be granted processes)")
    .option("--allow-process", "grant loop:process, spawning host processes (needs --trusted)")
    .option("--data-dir <DIR>", "where key-value stores live (default: .loop/data)")
    .addOption(
      new Option(
        "--timeout <DURATION>",
        "stop a call into the guest after this long (500ms, 2s, 1m)",
      ).argParser(checkDuration),
    )
    .addOption(
      new Option("--max-memory <SIZE>", "cap the guest's memory (64MiB, 512KiB)").argParser(
        checkSize,
      ),
    );
}

/** Adds the compile-cache and diagnostics options, and `--log` when `log` is set. */
export function addEngineOptions(cmd: Command, log: boolean): Command {
  cmd
    .option("--no-cache", "neither read nor write the compile cache")
    .option("--cache-dir <DIR>", "compile cache directory (default: ~/.cache/loop-kit/compiled)");
  if (log) {
    cmd.addOption(
      new Option(
        "--log <LEVEL>",
        "minimum level of log lines (default: info, or $LOOP_LOG)",
      ).choices(LOG_LEVELS),
    );
  }
  return cmd.option("-v, --verbose", "print what the host does (compilation, cache hits)");
}

/**
 * loop-host's flags for these options. `trusted` says whether the component is trusted by its
 * manifest, so that `--allow-process` alone is enough for it.
 *
 * @throws {CliError} (usage) for `--allow-process` on an untrusted component.
 */
export function policyArgs(options: PolicyOptions, trusted = false): string[] {
  const out: string[] = [];
  for (const env of options.env ?? []) out.push("--env", env);
  for (const dir of options.dir ?? []) out.push("--dir", dir);
  for (const host of options.allowHost ?? []) out.push("--allow-host", host);
  for (const bucket of options.kv ?? []) out.push("--kv", bucket);
  for (const value of options.config ?? []) out.push("--config", value);
  if (options.allowProcess && !options.trusted && !trusted) {
    throw new CliError(
      "--allow-process needs --trusted: only trusted components may spawn processes",
      { exitCode: EXIT_USAGE },
    );
  }
  if (options.trusted || (options.allowProcess && trusted)) out.push("--trusted");
  if (options.allowProcess) out.push("--allow-process");
  if (options.dataDir !== undefined) out.push("--data-dir", options.dataDir);
  if (options.timeout !== undefined) out.push("--timeout", options.timeout);
  if (options.maxMemory !== undefined) out.push("--max-memory", options.maxMemory);
  return out;
}

/** loop-host's flags for the engine options (and `--log`). */
export function engineArgs(options: PolicyOptions): string[] {
  const out: string[] = [];
  if (options.cache === false) out.push("--no-cache");
  if (options.cacheDir !== undefined) out.push("--cache-dir", options.cacheDir);
  if (options.log !== undefined) out.push("--log", options.log);
  if (options.verbose) out.push("--verbose");
  return out;
}

/** Whether the command line chose manifest mode through `--manifest` or `--component`. */
export function wantsManifest(options: PolicyOptions): boolean {
  return options.manifest !== undefined || options.component !== undefined;
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

function checkHost(value: string): string {
  if (!/^(\*|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(value)) {
    throw new InvalidArgumentError("expected HOST or HOST:PORT, e.g. --allow-host 127.0.0.1:9000");
  }
  return value;
}

function checkBucket(value: string): string {
  if (value === "" || /\s/.test(value)) {
    throw new InvalidArgumentError("expected a bucket name, e.g. --kv default");
  }
  return value;
}

function checkConfig(value: string): string {
  const eq = value.indexOf("=");
  if (eq <= 0) {
    throw new InvalidArgumentError(
      "expected KEY=VALUE, e.g. --config upstream=http://127.0.0.1:9000/",
    );
  }
  return value;
}

export function checkDuration(value: string): string {
  if (!/^\s*(\d+\s*[a-zµ]+\s*)+$/i.test(value)) {
    throw new InvalidArgumentError("expected a duration such as 500ms, 2s or 1m 30s");
  }
  return value;
}

export function checkSize(value: string): string {
  if (!/^\s*\d+(\.\d+)?\s*([kmg]i?b?|b)?\s*$/i.test(value)) {
    throw new InvalidArgumentError("expected a size such as 64MiB, 512KiB or 1048576");
  }
  return value;
}
