import { relative } from "node:path";
import { createInterface } from "node:readline";
import { type Command, InvalidArgumentError, Option } from "commander";
import { CliError, EXIT_USAGE } from "../errors.js";
import { formatMs } from "../format.js";
import {
  addEngineOptions,
  addManifestOptions,
  addPolicyOptions,
  engineArgs,
  type PolicyOptions,
  policyArgs,
} from "../policy.js";

// `loop dev`: the dev loop (packages/devserver, docs/dev.md). This module parses the options,
// prints what the session reports (or passes it on as JSON lines with --json), and, for a
// loop:fx app in the page, connects the session to live mode's page server.

interface DevOptions extends PolicyOptions {
  json?: boolean;
  listen?: string;
  ui?: string;
  server?: string;
  fast?: boolean;
  debounce?: number;
  props?: string;
  compiler: "cranelift" | "winch";
}

export function register(program: Command): void {
  const cmd = program
    .command("dev")
    .summary("run an app and reload it on every save, keeping its state")
    .description(
      "Scans the workspace (loop.toml, or one component's folder; or a .wasm), prints what it " +
        "found, builds and runs the app the way its world asks, then watches its files: a " +
        "command reruns on each change, an HTTP component is served (--listen) and hot-swapped " +
        "without a restart, a loop:fx app renders in the page (or headless) and its components " +
        "are hot-swapped keeping their state (loop:host/lifecycle) and the page's DOM. A failed " +
        "build keeps the old version running and shows the error; the next good build clears it. " +
        "Rust builds use rustc's incremental cache (CARGO_PROFILE_RELEASE_INCREMENTAL=false " +
        "or CARGO_INCREMENTAL=0 turns it off, and so does CI=... unless CARGO_INCREMENTAL=1); " +
        "TS/JS components skip componentize-js (see --no-fast).",
    )
    .argument("[path]", "an app or component folder, or a .wasm (default: the current folder)")
    .argument("[args...]", "command components: arguments passed to the guest (after --)")
    .option(
      "--json",
      "print one JSON event per line on stdout (see docs/dev.md); read commands from stdin",
    )
    .addOption(
      new Option(
        "--listen <ADDR>",
        "HTTP components: the address to serve on (default 127.0.0.1:8080); fx apps: the page's (default 127.0.0.1:7280)",
      ),
    )
    .addOption(
      new Option("--ui <MODE>", "fx apps: web (the live page, default) or headless").choices([
        "web",
        "headless",
      ]),
    )
    .option("--props <JSON>", "fx apps: the root component's props (default {})")
    .option(
      "--server <MODULE>",
      "use this dev server (a module path or package) instead of loop.toml's or the built-in one",
    )
    .option("--no-fast", "build TS/JS components with componentize-js every time (no fast path)")
    .addOption(
      new Option(
        "--compiler <NAME>",
        "loop-host's code generator: cranelift (optimised; a swap recompiles only the functions that changed) or winch (a baseline compiler: no reuse, slower code)",
      )
        .choices(["cranelift", "winch"])
        .default("cranelift"),
    )
    .addOption(
      new Option(
        "--debounce <MS>",
        "quiet time that ends a burst of file events (default 30; a replaced .wasm that is already complete skips it)",
      ).argParser(checkMs),
    );
  addManifestOptions(cmd, "run");
  addPolicyOptions(cmd);
  addEngineOptions(cmd, true);
  cmd
    .addHelpText(
      "after",
      `
Examples:
  $ loop dev                          # the app of ./loop.toml, or the component in this folder
  $ loop dev examples/counter         # an fx app: open the printed URL; edit src/index.ts
  $ loop dev --ui headless examples/counter-rs
  $ loop dev examples/http --listen 127.0.0.1:0
  $ loop dev app.wasm                 # rerun or swap whenever app.wasm is replaced
  $ loop dev --json | jq -c 'select(.event == "swap")'`,
    )
    .action(async (path: string | undefined, args: string[], options: DevOptions) => {
      process.exitCode = await devCommand(path, args, options);
    });
}

function checkMs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 10_000) {
    throw new InvalidArgumentError("expected milliseconds, e.g. --debounce 30");
  }
  return n;
}

async function devCommand(
  path: string | undefined,
  args: string[],
  options: DevOptions,
): Promise<number> {
  if (options.props !== undefined) {
    try {
      JSON.parse(options.props);
    } catch (err) {
      throw new CliError(`--props must be JSON text: ${(err as Error).message}`, {
        exitCode: EXIT_USAGE,
      });
    }
  }
  const hostArgs = [...policyArgs(options), ...engineArgs(options), "--compiler", options.compiler];
  const [{ DevSession }, { fxPolicy }] = await Promise.all([
    import("@loop-kit/devserver"),
    import("../fx-run.js"),
  ]);
  const json = options.json === true;
  const ui = options.ui ?? "web";
  const out = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  const err = (text: string) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`);
  const show = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel === "" ? "." : rel.startsWith("..") ? p : rel;
  };
  let page: { broadcast(message: object): void; close(): Promise<void> } | null = null;
  let pageStarting: Promise<void> | null = null;
  let pageResetPending = false;
  let fxApp: import("@loop-kit/devserver").FxApp | null = null;
  const { treeAsPatches } = await import("../fx-web.js");
  const treeAsPatchesOf = (app: import("@loop-kit/devserver").FxApp) => treeAsPatches(app.dom);
  let pageErrors = "";

  type Event = import("@loop-kit/devserver").DevEvent;
  const report = (e: Event): void => {
    // A rescan starts a new app: its first render goes to the page as a reset, not as patches.
    if (e.event === "plan" && e.rescan) pageResetPending = true;
    if (json) {
      out(JSON.stringify(e));
      return;
    }
    switch (e.event) {
      case "server":
        if (e.name !== "default") err(`loop dev: using the dev server ${e.name}`);
        return;
      case "scan": {
        const main = e.components.find((c) => c.name === e.main);
        const where = e.manifest ?? main?.source ?? main?.path ?? e.root;
        err(`loop dev: ${show(where)} → running ${e.main}`);
        for (const c of e.components) {
          const where = c.source ?? c.path ?? "";
          const wit = c.wit.length > 0 ? `; WIT ${c.wit.join(", ")}` : "";
          err(
            `  ${c.name}  ${c.kind}  ${show(where)}  (${c.files} file${c.files === 1 ? "" : "s"}${wit})`,
          );
        }
        err(`  watching ${e.watch.map(show).join(", ")}`);
        return;
      }
      case "change":
        err(`changed: ${e.files.map((f) => show(f.path)).join(", ")}`);
        return;
      case "plan":
        if (e.rescan) err("loop.toml changed: scanning again");
        return;
      case "build":
        if (!e.upToDate) {
          err(
            `built ${e.component}${e.artifact === "module" ? " (fast path)" : ""} in ${formatMs(e.ms)}`,
          );
        }
        return;
      case "error":
        if (e.output.trim() !== "") err(e.output.trimEnd());
        err(
          `loop: ${e.message}${e.stage === "scan" ? "" : " (the previous version keeps running)"}`,
        );
        return;
      case "recovered":
        err(`${e.component}: fixed`);
        return;
      case "swap":
        err(
          `swapped ${e.component} in ${formatMs(e.ms)}${e.state === "kept" ? " (state kept)" : e.state === "fresh" ? " (fresh state)" : ""}`,
        );
        return;
      case "ready":
        if (e.url !== undefined) out(`serving ${e.component} on ${e.url}`);
        return;
      case "run":
        return;
      case "exit":
        err(
          `── ${e.component} exited${e.signal ? ` (${e.signal})` : ` with status ${e.code}`}; waiting for changes ──`,
        );
        return;
      case "html":
        if (ui === "headless") out(e.html);
        return;
      case "log":
        err(
          e.context === ""
            ? `[${e.component}] ${e.level}: ${e.message}`
            : `[${e.component}] ${e.level} ${e.context}: ${e.message}`,
        );
        return;
      case "stopped":
        return;
    }
  };

  const session = new DevSession({
    root: process.cwd(),
    target: path ?? null,
    manifest: options.manifest ?? null,
    component: options.component ?? null,
    server: options.server ?? null,
    fast: options.fast !== false,
    ...(options.debounce !== undefined ? { debounceMs: options.debounce } : {}),
    hostArgs,
    ...(options.listen !== undefined ? { listen: options.listen } : {}),
    fxPolicy: (base) => fxPolicy(base, options),
    ...(options.props !== undefined ? { props: options.props } : {}),
    args,
    commandStdout: json ? "stderr" : "inherit",
    control: {
      ...(options.log !== undefined ? { log: options.log as "info" } : {}),
      ...(options.cache === false ? { noCache: true } : {}),
      ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
      ...(options.verbose ? { verbose: true } : {}),
      compiler: options.compiler,
    },
    onEvent: report,
    onPatches: (lines) => {
      if (json) out(JSON.stringify({ event: "patches", patches: lines }));
      if (!pageResetPending) page?.broadcast({ type: "patches", patches: lines });
    },
    onErrors: (errors) => {
      pageErrors = errors
        .map(
          (f) =>
            `${f.message}${f.output.trim() !== "" ? `\n\n${stripAnsi(f.output).trimEnd()}` : ""}`,
        )
        .join("\n\n");
      page?.broadcast(
        pageErrors === "" ? { type: "clear-error" } : { type: "error", message: pageErrors },
      );
    },
    onFxApp: (app, name) => {
      fxApp = app;
      if (ui !== "web") return;
      if (page !== null) {
        // A rescan started a new app: the open pages get its tree.
        page.broadcast({ type: "reset", patches: treeAsPatchesOf(app) });
        pageResetPending = false;
        return;
      }
      pageStarting = startPage(
        () => fxApp,
        name,
        options.listen,
        () => pageErrors,
      ).then((started) => {
        page = started;
        if (json) out(JSON.stringify({ event: "page", component: name, url: started.url }));
        else out(`serving ${name} on ${started.url}`);
      });
    },
  });

  let commands: import("node:readline").Interface | null = null;
  // stdin stays open under a tool: stop reading it, or it keeps the process alive.
  const stopReading = () => {
    (commands as import("node:readline").Interface | null)?.close();
    if (json) process.stdin.destroy();
  };
  const stop = new Promise<number>((resolve) => {
    const onSignal = () => resolve(0);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    session.ended.then(resolve);
    if (json) {
      // Commands on stdin (tools and tests): dispatch an event, print the HTML, stop.
      const rl = createInterface({ input: process.stdin });
      commands = rl;
      rl.on("line", (line) => {
        let cmd: { op?: string; node?: number; event?: string; payload?: string };
        try {
          cmd = JSON.parse(line) as typeof cmd;
        } catch {
          return;
        }
        if (cmd.op === "stop") resolve(0);
        else if (cmd.op === "html" && session.fx !== null) {
          const fx = session.fx;
          fx.idle().then(() =>
            out(JSON.stringify({ event: "html", html: fx.html(), reply: true })),
          );
        } else if (cmd.op === "dispatch" && session.fx !== null && typeof cmd.node === "number") {
          const fx = session.fx;
          fx.dispatch(cmd.node, cmd.event ?? "click", cmd.payload ?? "{}")
            .then((handled) => {
              out(JSON.stringify({ event: "dispatched", node: cmd.node, handled }));
              out(JSON.stringify({ event: "html", html: fx.html(), reply: true }));
            })
            .catch((e: unknown) =>
              report({
                event: "error",
                stage: "render",
                component: "",
                message: String(e),
                output: "",
                location: null,
              }),
            );
        }
      });
    }
  });

  try {
    await session.start();
    await pageStarting;
  } catch (e) {
    const reported = asUserError(e, json ? out : null);
    stopReading();
    await session.stop();
    await (page as { close(): Promise<void> } | null)?.close();
    throw reported;
  }
  const code = await stop;
  stopReading();
  await session.stop();
  const p = page as { close(): Promise<void> } | null;
  await p?.close();
  return code;
}

/** Errors of the dev server that carry a message for the user (not a bug of loop). */
const DEV_ERRORS = new Set(["ScanError", "DevServerError", "ServeError", "LoadError"]);

/**
 * A failed start as the one `loop: ...` line the CLI prints (with `--json`, also as an `error`
 * event on stdout, so a tool reading the events learns why it ended).
 */
function asUserError(err: unknown, json: ((text: string) => void) | null): unknown {
  if (!(err instanceof Error)) return err;
  const known = DEV_ERRORS.has(err.name) || err.name === "ManifestError";
  if (json !== null && (known || err instanceof CliError)) {
    json(
      JSON.stringify({
        event: "error",
        stage: "scan",
        component: "",
        message: err.message,
        output: "",
        location: null,
      }),
    );
  }
  return DEV_ERRORS.has(err.name) ? new CliError(err.message.replace(/\s*\n\s*/g, " ")) : err;
}

function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}

/** The live page of an fx app (live mode's server, docs/web.md), fed by the dev session. */
async function startPage(
  current: () => import("@loop-kit/devserver").FxApp | null,
  name: string,
  listen: string | undefined,
  errors: () => string,
): Promise<{ url: string; broadcast(message: object): void; close(): Promise<void> }> {
  const [{ startLiveServer }, { treeAsPatches, DEFAULT_LISTEN }] = await Promise.all([
    import("../web-server.js"),
    import("../fx-web.js"),
  ]);
  const server = await startLiveServer({
    listen: listen ?? DEFAULT_LISTEN,
    title: `${name} (loop dev)`,
    onConnect: (peer) => {
      const app = current();
      if (app !== null) peer.send({ type: "reset", patches: treeAsPatches(app.dom) });
      const text = errors();
      if (text !== "") peer.send({ type: "error", message: text });
    },
    onMessage: (peer, message) => {
      const m = message as {
        type?: unknown;
        seq?: unknown;
        node?: unknown;
        event?: unknown;
        payload?: unknown;
      };
      if (m.type !== "event" || typeof m.node !== "number" || typeof m.event !== "string") return;
      const app = current();
      if (app === null) {
        peer.send({ type: "ack", seq: m.seq });
        return;
      }
      app
        .dispatch(m.node, m.event, typeof m.payload === "string" ? m.payload : "{}")
        .catch(() => false)
        .then(() => peer.send({ type: "ack", seq: m.seq }));
    },
  });
  return server;
}
