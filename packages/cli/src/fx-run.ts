import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { resolve as absolute, basename, dirname, join, relative } from "node:path";
import {
  EventRecorder,
  FxError,
  FxRuntime,
  HeadlessDom,
  type LogEntry,
  parseEventLog,
  patchesToJsonLines,
} from "@loop-kit/fx";
import {
  ControlClient,
  ControlError,
  type ControlLogLevel,
  FxComponentError,
  type FxComponentResolver,
  formatLogEvent,
  loopHostDriver,
  type Policy,
  type ResolvedComponent,
  untrustedPolicy,
} from "@loop-kit/host-client";
import type { AppTarget } from "./app.js";
import { CliError, EXIT_USAGE } from "./errors.js";
import { formatMs } from "./format.js";
import { type PolicyOptions, policyArgs } from "./policy.js";

// `loop run` on a loop:fx component (world loop:fx/app): the components run in
// `loop-host control`, one instance per fiber; the reconciler (@loop-kit/fx) runs here and
// applies its patches to a headless DOM, whose HTML is printed at the end. An event log
// (docs/fx.md) can be replayed into it (--events), what ran can be recorded (--record), and
// the patch stream written out (--patches) to compare runs byte for byte.

/** `loop run`'s fx options. */
export interface FxOptions {
  /** Replay this event log after the first render. */
  events?: string;
  /** Write the event log of what ran here. */
  record?: string;
  /** Write every patch as a JSON line here. */
  patches?: string;
  /** Root props (JSON text). */
  props?: string;
  /** Where it renders: `headless` (default) or `web` (live mode: a page over a WebSocket). */
  ui?: string;
  /** Live mode: the page's address, HOST:PORT on a loopback host. */
  listen?: string;
}

export type FxRunOptions = PolicyOptions & FxOptions;

/** What to run: a component file (children are its sibling `.wasm` files) or a manifest app. */
export type FxApp =
  | { readonly kind: "file"; readonly file: string }
  | { readonly kind: "manifest"; readonly target: AppTarget };

/** Exit status when a guest traps or hits a limit (as `loop-host run`). */
export const EXIT_TRAP = 134;

/** Refuses guest arguments: an fx component has no `argv`. */
export function checkNoArgs(what: string, args: readonly string[]): void {
  if (args.length === 0) return;
  throw new CliError(
    `${what} is a loop:fx component, which takes no arguments (got: ${args.join(" ")}); put options such as --events before FILE`,
    { exitCode: EXIT_USAGE },
  );
}

/**
 * Runs an fx app headless: first render, the event log if any, a final flush of pending work,
 * then the HTML on stdout. Returns the exit status; errors are `CliError`s (one line).
 */
export async function runFx(app: FxApp, options: FxRunOptions): Promise<number> {
  const ui = options.ui ?? "headless";
  if (ui !== "headless" && ui !== "web") {
    throw new CliError(`--ui ${ui}: expected headless or web`, { exitCode: EXIT_USAGE });
  }
  if (ui === "web") return (await import("./fx-web.js")).runFxWeb(app, options);
  if (options.listen !== undefined) {
    throw new CliError("--listen is for the live page: add --ui web", { exitCode: EXIT_USAGE });
  }
  const trusted = app.kind === "manifest" && app.target.component.policy.trust === "trusted";
  policyArgs(options, trusted); // the same usage checks as a normal run
  const props = options.props ?? "{}";
  try {
    JSON.parse(props);
  } catch (err) {
    throw new CliError(`--props must be JSON text: ${(err as Error).message}`, {
      exitCode: EXIT_USAGE,
    });
  }
  const log = options.events === undefined ? null : readEventLog(options.events);

  const client = new ControlClient({
    stderr: "inherit",
    ...(options.log !== undefined ? { log: options.log as ControlLogLevel } : {}),
    ...(options.cache === false ? { noCache: true } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(options.verbose ? { verbose: true } : {}),
    onEvent: (e) => {
      if (e.event === "log") process.stderr.write(formatLogEvent(e));
    },
  });

  let root: string;
  let resolve: FxComponentResolver;
  if (app.kind === "file") {
    ({ root, resolve } = fileResolver(app.file, options));
  } else {
    ({ root, resolve } = manifestResolver(app.target, options));
  }

  const dom = new HeadlessDom();
  const patches: string[] = [];
  const recorder = options.record !== undefined ? new EventRecorder() : null;
  const driver = loopHostDriver(client, resolve);
  const rt = new FxRuntime({
    driver,
    root,
    props,
    onPatches: (batch) => {
      dom.apply(batch);
      if (options.patches !== undefined) patches.push(patchesToJsonLines(batch));
    },
    ...(recorder !== null ? { onRecord: recorder.record } : {}),
    onEmit: (name, payload) => {
      if (options.verbose) process.stderr.write(`loop: ${root} emitted ${name} ${payload}\n`);
    },
  });

  let failure: unknown;
  let at = "";
  try {
    await client.hello();
    await rt.start();
    if (log !== null) {
      for (let k = 0; k < log.entries.length; k++) {
        at = ` (at ${log.file}:${log.lines[k]})`;
        await replayEntry(rt, log.entries[k] as LogEntry, `${log.file}:${log.lines[k]}`);
      }
      at = "";
    }
    // Work an event left for later (an invalidation raised while rendering) is done too.
    if (rt.hasPendingWork) await rt.flush();
  } catch (err) {
    failure = err;
  }
  // What ran is written even when it failed: a recorded failure can be replayed.
  if (recorder !== null) writeOutput(options.record as string, recorder.toJsonLines());
  if (options.patches !== undefined) writeOutput(options.patches, patches.join(""));
  try {
    rt.dispose();
  } catch {
    // Dropping instances of a host that failed: nothing left to report.
  }
  await client.shutdown();
  if (failure !== undefined) throw fxFailure(failure, at, options.verbose === true);
  process.stdout.write(`${dom.toHtml()}\n`);
  return 0;
}

async function replayEntry(rt: FxRuntime, e: LogEntry, where: string): Promise<void> {
  // As @loop-kit/fx's `replay`, with a warning for events that reach no listener.
  const gap = e.t - rt.now;
  if (gap > 0 || e.type === "advance") await rt.advance(gap);
  if (e.type === "event") {
    const handled = await rt.dispatch(e.node, e.event, e.payload);
    if (!handled) {
      process.stderr.write(
        `loop: warning: ${where}: node ${e.node} has no "${e.event}" listener; event ignored\n`,
      );
    }
  } else if (e.type === "flush") {
    await rt.flush();
  } else if (e.type === "props") {
    rt.setRootProps(e.props);
  }
}

export interface EventLog {
  file: string;
  entries: LogEntry[];
  /** The line of each entry. */
  lines: number[];
}

export function readEventLog(file: string): EventLog {
  if (!existsSync(file)) throw new CliError(`no such file: ${file} (the --events log)`);
  if (statSync(file).isDirectory()) throw new CliError(`${file} is a folder, not an event log`);
  const text = readFileSync(file, "utf8");
  let entries: LogEntry[];
  try {
    entries = parseEventLog(text);
  } catch (err) {
    if (err instanceof FxError) throw new CliError(`${file}: ${err.message}`);
    throw err;
  }
  const lines: number[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() !== "") lines.push(i + 1);
  });
  return { file, entries, lines };
}

function writeOutput(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

/** One line for what stopped the run; 134 for a trap, timeout or memory limit. */
export function fxFailure(err: unknown, at: string, verbose: boolean): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof FxError || err instanceof ControlError || err instanceof FxComponentError) {
    let cause: unknown = err;
    while (cause instanceof Error && !(cause instanceof ControlError) && cause.cause !== undefined)
      cause = cause.cause;
    const control = cause instanceof ControlError ? cause : null;
    const trapped =
      control !== null &&
      (control.kind === "trap" || control.kind === "timeout" || control.kind === "memory");
    const message = err.message.replace(/\s*\n\s*/g, " ").trim();
    return new CliError(`${message}${at}`, {
      exitCode: trapped ? EXIT_TRAP : 1,
      ...(verbose && control?.backtrace ? { details: control.backtrace } : {}),
    });
  }
  return err;
}

// ---- where components come from ----

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" || rel.startsWith("..") ? path : rel;
}

/**
 * A single FILE: it is the root; a child component `NAME` is `NAME.wasm` next to it (or
 * `NAME` with `-` as `_`, as cargo names a crate's output).
 */
export function fileResolver(
  file: string,
  options: FxRunOptions,
): { root: string; resolve: FxComponentResolver } {
  const path = absolute(file);
  const root = basename(path).replace(/\.wasm$/, "");
  const dir = dirname(path);
  return {
    root,
    resolve(name) {
      if (name === root) return { path, policy: fxPolicy(untrustedPolicy(name), options) };
      const candidates = [...new Set([`${name}.wasm`, `${name.replaceAll("-", "_")}.wasm`])].map(
        (f) => join(dir, f),
      );
      const found = candidates.find((c) => existsSync(c));
      if (found === undefined) {
        throw new FxComponentError(
          `no component named "${name}": looked for ${candidates.map(display).join(" and ")} (a child component of FILE is NAME.wasm next to it; an app with loop.toml names its components)`,
        );
      }
      return { path: found, policy: fxPolicy(untrustedPolicy(name), options) };
    },
  };
}

/** A manifest app: components by their manifest names, built from `source` when needed. */
export function manifestResolver(
  target: AppTarget,
  options: FxRunOptions,
): { root: string; resolve: FxComponentResolver } {
  const { app, component } = target;
  return {
    root: component.name,
    async resolve(name) {
      const c = app.components.find((x) => x.name === name);
      if (c === undefined) {
        const names = app.components.map((x) => x.name).join(", ");
        throw new FxComponentError(
          `${target.manifest} has no component named "${name}" (it has: ${names || "none"})`,
        );
      }
      let path: string;
      if (c.name === component.name && target.built !== undefined) path = target.built;
      else if (c.source !== null) path = await buildSource(c);
      else path = c.path as string;
      return { path, policy: fxPolicy(c.policy, options) };
    },
  };
}

/** Builds a `source` component as `loop run` builds the main one (progress on stderr). */
async function buildSource(component: ResolvedComponent): Promise<string> {
  const [{ buildComponent }, { createProgress, describeBuild }] = await Promise.all([
    import("@loop-kit/build"),
    import("./progress.js"),
  ]);
  const progress = await createProgress({ quietWhenFresh: true });
  try {
    const result = await buildComponent(component.source as string, { onProgress: progress.step });
    progress.stop();
    if (!result.upToDate) {
      process.stderr.write(`built ${describeBuild(result)} in ${formatMs(result.ms)}\n`);
    }
    return result.wasm;
  } finally {
    progress.stop();
  }
}

// ---- policies: `loop-host run`'s flags, applied to the policy JSON `load` takes ----

/** `base` plus the grant and limit options, as `loop-host run` adds its flags to a policy. */
export function fxPolicy(base: Policy, options: PolicyOptions): Policy {
  const p: Policy = structuredClone(base);
  const put = (list: [string, string][], key: string, value: string) => {
    const at = list.findIndex(([k]) => k === key);
    if (at >= 0) list.splice(at, 1);
    list.push([key, value]);
  };
  for (const spec of options.env ?? []) {
    const eq = spec.indexOf("=");
    if (eq >= 0) put(p.env, spec.slice(0, eq), spec.slice(eq + 1));
    else if (process.env[spec] !== undefined) put(p.env, spec, process.env[spec] as string);
  }
  for (const spec of options.dir ?? []) {
    let rest = spec;
    let readOnly = false;
    if (rest.endsWith(":ro")) {
      rest = rest.slice(0, -3);
      readOnly = true;
    } else if (rest.endsWith(":rw")) rest = rest.slice(0, -3);
    const sep = rest.indexOf("::");
    const host = sep >= 0 ? rest.slice(0, sep) : rest;
    const guest = sep >= 0 ? rest.slice(sep + 2) : rest;
    p.dirs.push({ host: absolute(host), guest, "read-only": readOnly });
  }
  for (const host of options.allowHost ?? []) if (!p.hosts.includes(host)) p.hosts.push(host);
  for (const bucket of options.kv ?? []) if (!p.kv.includes(bucket)) p.kv.push(bucket);
  for (const spec of options.config ?? []) {
    const eq = spec.indexOf("=");
    put(p.config, spec.slice(0, eq), spec.slice(eq + 1));
  }
  if (options.trusted) p.trust = "trusted";
  if (options.allowProcess) p.process = true;
  if (options.dataDir !== undefined) p["data-dir"] = absolute(options.dataDir);
  if (options.timeout !== undefined) p.limits.timeout = options.timeout;
  if (options.maxMemory !== undefined) p.limits["max-memory"] = parseSize(options.maxMemory);
  return p;
}

/** `64MiB`, `512KiB`, `1048576` → bytes (loop-host's units). */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const units: Record<string, number> = {
    "": 1,
    b: 1,
    k: 1e3,
    kb: 1e3,
    ki: 1024,
    kib: 1024,
    m: 1e6,
    mb: 1e6,
    mi: 1024 ** 2,
    mib: 1024 ** 2,
    g: 1e9,
    gb: 1e9,
    gi: 1024 ** 3,
    gib: 1024 ** 3,
  };
  const unit = m?.[2]?.toLowerCase() ?? "";
  if (m === null || !Object.hasOwn(units, unit)) {
    throw new CliError(
      `\`${text}\` is not a size; expected e.g. \`64MiB\`, \`512KiB\` or \`1048576\``,
      {
        exitCode: EXIT_USAGE,
      },
    );
  }
  return Math.floor(Number(m[1]) * (units[unit] as number));
}
