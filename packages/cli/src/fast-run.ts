/**
 * The fast path of `loop run FILE [ARGS...]`: the plain form (a `.wasm` FILE and only options
 * that loop-host understands) is parsed here with `node:util`'s `parseArgs` and handed to
 * loop-host before commander and the command modules are loaded, so that `loop run` costs
 * little more than Node's own start-up over `loop-host run` (docs/cli.md, "Start-up cost").
 *
 * Anything else (no FILE or manifest mode, `--help`, an unknown option, a bad option value, a
 * FILE not ending in `.wasm`, a `loop:fx` component, another command) returns `undefined`, and
 * the full commander CLI runs instead, so every help text, usage error and message comes from one place. What this
 * path does itself is what `loop run`'s action does for a FILE (`checkFile`, then `execHost`,
 * errors through `reportError`), with the same functions, so the output and exit status are the
 * same either way; tests/e2e/cli-fast-run.test.ts compares the two.
 *
 * `LOOP_NO_FAST_PATH=1` turns this path off (for comparisons and debugging).
 *
 * Keep this module and its imports free of commander and of anything heavy: it is evaluated on
 * every `loop` start.
 */
import { parseArgs } from "node:util";
import { reportError } from "./errors.js";
import { looksLikeFxComponent } from "./fx-detect.js";
import { checkFile, execHost } from "./host.js";

// `loop run`'s options (src/policy.ts: addPolicyOptions, addEngineOptions), and the checks
// their argParsers make. The checks are copies of policy.ts's (which imports commander); a value
// that fails one here goes to the full CLI, which prints the usage error. A check added to
// policy.ts but not here makes that value run here instead of being refused: keep them in step
// (the tests compare both paths on bad values).

/** Options that take a value; all collected, so each value can be checked. */
const VALUE_OPTIONS = {
  env: (v: string) => {
    const key = v.split("=", 1)[0] ?? "";
    return key !== "" && !/\s/.test(key);
  },
  dir: (v: string) => v !== "" && !v.startsWith("::"),
  "allow-host": (v: string) => /^(\*|[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(v),
  kv: (v: string) => v !== "" && !/\s/.test(v),
  config: (v: string) => v.indexOf("=") > 0,
  "data-dir": (_v: string) => true,
  timeout: (v: string) => /^\s*(\d+\s*[a-zµ]+\s*)+$/i.test(v),
  "max-memory": (v: string) => /^\s*\d+(\.\d+)?\s*([kmg]i?b?|b)?\s*$/i.test(v),
  "cache-dir": (_v: string) => true,
  log: (v: string) => ["trace", "debug", "info", "warn", "error", "off"].includes(v),
} as const satisfies Record<string, (value: string) => boolean>;

type ValueOption = keyof typeof VALUE_OPTIONS;

/** Boolean options, by their long name. */
const FLAG_OPTIONS = ["trusted", "allow-process", "no-cache", "verbose"] as const;

const PARSE_OPTIONS = {
  ...(Object.fromEntries(
    Object.keys(VALUE_OPTIONS).map((name) => [name, { type: "string", multiple: true }]),
  ) as Record<ValueOption, { type: "string"; multiple: true }>),
  trusted: { type: "boolean" },
  "allow-process": { type: "boolean" },
  "no-cache": { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
} as const;

/**
 * `loop run`'s options by long name: those this path takes, and those it leaves to the full CLI
 * because they make `loop run` do more than hand the same flag to loop-host. An option added to
 * `loop run` belongs in one of the lists (a test compares them with the command's options).
 */
export const FAST_RUN_OPTIONS = {
  withValue: Object.keys(VALUE_OPTIONS) as readonly string[],
  flags: FLAG_OPTIONS as readonly string[],
  leftToFullCli: ["manifest", "component", "events", "record", "patches", "props", "ui", "listen"],
};

/**
 * loop-host's arguments for `loop run <argv...>` (argv without `node`, the script and `run`),
 * when it is the plain FILE form this path handles; `undefined` otherwise.
 */
export function fastRunArgs(
  argv: readonly string[],
): { file: string; hostArgs: string[] } | undefined {
  // Options go before FILE; the first operand is FILE and everything after it is the guest's.
  // Find it the way commander does (a value option takes the next word, whatever it is), and
  // give up on anything this path does not handle.
  let at = -1;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (word === "--") return undefined; // `loop run -- ARGS`: the manifest's app.
    if (word.length > 1 && word.startsWith("-")) {
      if (word === "-v") continue;
      if (!word.startsWith("--")) return undefined; // -h, short groups, negative numbers
      const name = word.slice(2).split("=", 1)[0] as string;
      if (Object.hasOwn(VALUE_OPTIONS, name)) {
        if (!word.includes("=")) i++;
      } else if (!(FLAG_OPTIONS as readonly string[]).includes(name)) {
        return undefined; // --help, --manifest, --component, unknown options
      }
      continue;
    }
    at = i;
    break;
  }
  if (at < 0) return undefined; // no FILE: the manifest's app
  const file = argv[at] as string;
  if (!file.endsWith(".wasm")) return undefined; // the full path may have a hint to give

  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv.slice(0, at));
  } catch {
    return undefined; // commander says what is wrong, in its words
  }
  for (const name of Object.keys(VALUE_OPTIONS) as ValueOption[]) {
    const check: (value: string) => boolean = VALUE_OPTIONS[name];
    if (!(values[name] ?? []).every(check)) return undefined;
  }
  const last = (name: ValueOption) => values[name]?.at(-1);
  // `--allow-process` without `--trusted` is a usage error of the full path.
  if (values["allow-process"] && !values.trusted) return undefined;

  // The same flags, in the same order, as `hostArgs` in commands/run.ts (policyArgs, then
  // engineArgs).
  const out = ["run"];
  const each = (flag: string, name: ValueOption) => {
    for (const value of values[name] ?? []) out.push(flag, value);
  };
  const one = (flag: string, name: ValueOption) => {
    const value = last(name);
    if (value !== undefined) out.push(flag, value);
  };
  each("--env", "env");
  each("--dir", "dir");
  each("--allow-host", "allow-host");
  each("--kv", "kv");
  each("--config", "config");
  if (values.trusted) out.push("--trusted");
  if (values["allow-process"]) out.push("--allow-process");
  one("--data-dir", "data-dir");
  one("--timeout", "timeout");
  one("--max-memory", "max-memory");
  if (values["no-cache"]) out.push("--no-cache");
  one("--cache-dir", "cache-dir");
  one("--log", "log");
  if (values.verbose) out.push("--verbose");
  out.push("--", file, ...argv.slice(at + 1));
  return { file, hostArgs: out };
}

function parse(args: string[]) {
  return parseArgs({ args, options: PARSE_OPTIONS, strict: true, allowPositionals: false }).values;
}

export interface FastRunOptions {
  /** Where `LOOP_NO_FAST_PATH` is read (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Prints an error and returns the exit status (default: {@link reportError}). */
  report?: (err: unknown) => number;
}

/**
 * Runs `loop <argv...>` (argv as in `process.argv.slice(2)`) on the fast path when it is a
 * plain `loop run FILE ...`, resolving with the exit status; `undefined` when the full CLI has
 * to run it.
 */
export function fastRun(
  argv: readonly string[],
  options: FastRunOptions = {},
): Promise<number> | undefined {
  if (argv[0] !== "run") return undefined;
  const flag = (options.env ?? process.env).LOOP_NO_FAST_PATH;
  if (flag !== undefined && flag !== "" && flag !== "0") return undefined;
  const plan = fastRunArgs(argv.slice(1));
  // An fx component is rendered headless by the full CLI (commands/run.ts, fx-run.ts).
  if (plan === undefined || looksLikeFxComponent(plan.file)) return undefined;
  const report = options.report ?? reportError;
  return (async () => {
    try {
      checkFile(plan.file);
      return await execHost(plan.hostArgs);
    } catch (err) {
      return report(err);
    }
  })();
}
