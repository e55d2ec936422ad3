import { existsSync } from "node:fs";
import type { Command } from "commander";
import { MANIFEST, manifestPath, resolveTarget } from "../app.js";
import { looksLikeFxComponent, wantsFx } from "../fx-detect.js";
import type { FxOptions } from "../fx-run.js";
import { checkFile, execHost } from "../host.js";
import {
  addEngineOptions,
  addManifestOptions,
  addPolicyOptions,
  engineArgs,
  type PolicyOptions,
  policyArgs,
  wantsManifest,
} from "../policy.js";

// Keep this module light: `loop run` should cost no more than Node's own start-up over
// `loop-host run`. Nothing heavy (ora, esbuild, @loop-kit/build) may be imported here; the
// manifest mode imports @loop-kit/build only when a component has to be built from source, and
// an fx app loads the reconciler (../fx-run.js) only when it is one.

export type RunOptions = PolicyOptions & FxOptions;

export function register(program: Command): void {
  const cmd = program
    .command("run")
    .summary("run a WebAssembly component, or the app of ./loop.toml")
    .description(
      "Run a WASI command component (or a preview-1 module) with loop-host. The guest sees " +
        "nothing of the host unless granted: no environment variables, no files, no network.\n\n" +
        "With FILE, the policy is the untrusted default plus the grants given as options. " +
        "Options go before FILE: everything after FILE goes to the guest unchanged, including " +
        "words that look like options.\n\n" +
        `Without FILE (or with --manifest or --component), loop runs the app of ./${MANIFEST}: ` +
        "its main component (app.main, or the only one) under the manifest's trust, grants and " +
        "limits, built first when the manifest gives its source folder. Options add to the " +
        "manifest's grants. Guest arguments then go after `--`.\n\n" +
        "A loop:fx component (world loop:fx/app) runs headless: loop renders it, replays " +
        "--events if given, and prints the final HTML. Its child components are the manifest's " +
        "components, or, for a FILE, NAME.wasm files next to it. With --ui web it runs live " +
        "instead: loop serves a page on 127.0.0.1, prints its URL, streams the patches to it " +
        "over a WebSocket and feeds its DOM events back, until Ctrl-C.",
    )
    .argument("[file]", "the component (.wasm) to run; omit it to run ./loop.toml's app")
    .argument("[args...]", "arguments passed to the guest");
  addManifestOptions(cmd, "run");
  addPolicyOptions(cmd);
  addEngineOptions(cmd, true);
  cmd
    .option("--events <FILE>", "fx apps: replay this event log (JSON lines, docs/fx.md)")
    .option("--record <FILE>", "fx apps: write the event log of what ran")
    .option("--patches <FILE>", "fx apps: write the patch stream as JSON lines")
    .option("--props <JSON>", "fx apps: the root component's props (default {})")
    .option(
      "--ui <MODE>",
      "fx apps: headless (default: print the HTML) or web (serve a live page, see docs/web.md)",
    )
    .option(
      "--listen <ADDR>",
      "fx apps with --ui web: the page's loopback address; port 0 picks a free one (default: 127.0.0.1:7280)",
    )
    .passThroughOptions()
    .addHelpText(
      "after",
      `
Exit status: the guest's own; 134 when it traps or hits --timeout or --max-memory; 1 when the
file or manifest cannot be loaded; 2 for bad usage.

Examples:
  $ loop run --env GREETING=hi hello.wasm a b
      runs hello.wasm with arguments "a" and "b" and one environment variable
  $ loop run --dir ./data::/data --dir ./assets::/assets:ro app.wasm
      grants ./data read-write as /data and ./assets read-only as /assets
  $ loop run --timeout 500ms --max-memory 32MiB spin.wasm -v
      limits time and memory; "-v" goes to the guest, since it comes after FILE
  $ loop run --kv default --allow-host 127.0.0.1:9000 --config url=http://127.0.0.1:9000/ app.wasm
      grants a key-value bucket, outgoing HTTP to one host, and a config value
  $ loop run --trusted --allow-process tools.wasm
      a trusted component that may spawn host processes
  $ loop run
      runs the app of ./loop.toml (building its source first)
  $ loop run -- set greeting hi
      the same, with guest arguments "set", "greeting", "hi"
  $ loop run --manifest app/loop.toml --component worker -- --once
      runs component "worker" of app/loop.toml with the argument "--once"
  $ loop run --events clicks.log counter.wasm
      renders an fx component, replays an event log into it, prints the HTML
  $ loop run --record session.log --patches patches.jsonl
      runs the fx app of ./loop.toml headless, recording its events and patches
  $ loop run --ui web counter.wasm
      runs an fx component live: open the printed URL in a browser`,
    )
    .action(
      async (file: string | undefined, args: string[], options: RunOptions, self: Command) => {
        process.exitCode = await runCommand(file, args, options, self);
      },
    );
}

/** The arguments for `loop-host` equivalent to `loop run <options> <file> <args...>`. */
export function hostArgs(file: string, args: readonly string[], options: RunOptions): string[] {
  // `--` keeps loop-host from reading a FILE that starts with `-` as an option.
  return ["run", ...policyArgs(options), ...engineArgs(options), "--", file, ...args];
}

async function runCommand(
  file: string | undefined,
  args: string[],
  options: RunOptions,
  cmd: Command,
): Promise<number> {
  if (file !== undefined && !wantsManifest(options) && !operandsAfterDashDash(cmd)) {
    // src/fast-run.ts does this branch for a plain `.wasm` FILE before commander is loaded:
    // whatever changes here must change there (tests/e2e/cli-fast-run.test.ts compares them).
    const hint =
      !file.endsWith(".wasm") && existsSync(MANIFEST)
        ? ` (to pass arguments to the app of ./${MANIFEST}, put them after \`--\`: loop run -- ${file})`
        : "";
    checkFile(file, hint);
    if (wantsFxUi(options) || looksLikeFxComponent(file)) {
      const fx = await import("../fx-run.js");
      fx.checkNoArgs(file, args);
      return fx.runFx({ kind: "file", file }, options);
    }
    return execHost(hostArgs(file, args, options));
  }
  // Manifest mode: every positional is a guest argument.
  const guestArgs = file === undefined ? [] : [file, ...args];
  const manifest = manifestPath(options, "missing required argument 'file'");
  const target = await resolveTarget(manifest, options);
  const wasm = target.built ?? target.component.path;
  if (wantsFxUi(options) || (wasm !== null && looksLikeFxComponent(wasm))) {
    const fx = await import("../fx-run.js");
    fx.checkNoArgs(target.component.name, guestArgs);
    return fx.runFx({ kind: "manifest", target }, options);
  }
  return execHost([
    "run",
    "--manifest",
    target.manifest,
    "--component",
    target.component.name,
    ...(target.built !== undefined ? ["--wasm", target.built] : []),
    ...policyArgs(options, target.component.policy.trust === "trusted"),
    ...engineArgs(options),
    "--",
    ...guestArgs,
  ]);
}

/** Whether an fx-only option was given (those of fx-detect.ts, `--ui` and `--listen`). */
function wantsFxUi(options: RunOptions): boolean {
  return wantsFx(options) || options.ui !== undefined || options.listen !== undefined;
}

/**
 * Whether the command's first operand came after a `--` (`loop run -- a b`): then every
 * operand is a guest argument for the manifest's app, not a FILE. Commander drops that `--`,
 * so this reads the raw command line.
 */
function operandsAfterDashDash(cmd: Command): boolean {
  // `rawArgs` is set by parse() but missing from commander's typings.
  const raw = (cmd.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
  const at = raw.indexOf(cmd.name(), 2);
  if (at < 0) return false;
  for (let i = at + 1; i < raw.length; i++) {
    const token = raw[i] as string;
    if (token === "--") return true;
    if (!token.startsWith("-") || token === "-") return false;
    const name = token.split("=", 1)[0] as string;
    const option = cmd.options.find((o) => o.long === name || o.short === name);
    if (option && (option.required || option.optional) && !token.includes("=")) i++;
  }
  return false;
}
