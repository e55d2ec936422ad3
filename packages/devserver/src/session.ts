import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import {
  ControlClient,
  type ControlLogLevel,
  type LogEvent,
  type Policy,
  resolveManifest,
} from "@loop-kit/host-client";
import {
  type Artifact,
  type DevServer,
  type FileChange,
  LoadError,
  type Loaded,
  type LoadFailure,
  type Plan,
  type Workspace,
  type World,
} from "./contract.js";
import { defaultDevServer, loadDevServer } from "./default.js";
import { DevDriver, SwapError } from "./driver.js";
import { FxApp } from "./fx-app.js";
import { WatchGraph } from "./graph.js";
import { toLoadError } from "./load.js";
import { canonical, MANIFEST } from "./scan.js";
import { CommandRun, ServeHost } from "./serve.js";
import { type Watcher, watch } from "./watch.js";

// `loop dev`'s loop: scan (through the dev server), watch, debounce, plan, load, then apply
// what was built to what runs: rerun a command, swap an HTTP handler in `loop-host serve
// --control`, hot-swap fx components (state kept through loop:host/lifecycle). One cycle runs
// at a time; changes arriving during a cycle are merged into the next one. A failed build,
// load, instantiation or restore keeps the old version and reports the error; the next good
// build of that component clears it.

/** What `loop dev` reports, one JSON object per line with `--json`. */
export type DevEvent =
  | { event: "server"; name: string }
  | {
      event: "scan";
      root: string;
      manifest: string | null;
      main: string;
      components: {
        name: string;
        kind: string;
        source: string | null;
        path: string | null;
        files: number;
        wit: string[];
      }[];
      wit: string[];
      watch: string[];
    }
  | { event: "change"; files: FileChange[] }
  | ({ event: "plan" } & Plan)
  | {
      event: "build";
      component: string;
      ms: number;
      upToDate: boolean;
      artifact: Artifact["kind"];
      path: string;
    }
  | {
      event: "error";
      stage: "build" | "load" | "instantiate" | "restore" | "render" | "run" | "scan";
      component: string;
      message: string;
      output: string;
      location: LoadFailure["location"];
    }
  | { event: "recovered"; component: string }
  | {
      event: "swap";
      component: string;
      ms: number;
      state?: string;
      fibers?: number;
      generation?: number;
      /**
       * HTTP: functions whose code came from earlier versions (`untranslated`: of those, the
       * ones Wasmtime's function memo answered without translating them), and functions compiled.
       */
      functions?: { reused: number; untranslated: number; compiled: number };
    }
  | { event: "ready"; world: World; component: string; url?: string }
  | { event: "run"; component: string }
  | { event: "exit"; component: string; code: number | null; signal: string | null }
  | { event: "html"; html: string }
  | ({ event: "log" } & Omit<LogEvent, "event">)
  | { event: "stopped" };

export interface DevOptions {
  /** The folder `loop dev` runs in. */
  root: string;
  /** A `.wasm` or project folder to run instead of the folder's app. */
  target?: string | null;
  manifest?: string | null;
  component?: string | null;
  /** A dev server module or package (overrides the manifest's `[dev] server`). */
  server?: string | null;
  /** The TS/JS fast path (default true). */
  fast?: boolean;
  /** Debounce quiet time (ms). */
  debounceMs?: number;
  /** `loop-host` flags for run and serve (policy and engine options). */
  hostArgs?: string[];
  /** HTTP components: `--listen` (default 127.0.0.1:8080). */
  listen?: string;
  /** fx components: the policy each instance runs under, from the manifest's (or the default). */
  fxPolicy?: (base: Policy) => Policy;
  /** fx root props (JSON text). */
  props?: string;
  /** Command components: the guest's arguments. */
  args?: string[];
  /** Where a command's stdout goes (`stderr` keeps stdout for `--json`). */
  commandStdout?: "inherit" | "stderr";
  /** loop-host control options for fx. */
  control?: {
    log?: ControlLogLevel;
    noCache?: boolean;
    cacheDir?: string;
    verbose?: boolean;
    compiler?: "cranelift" | "winch";
  };
  /** Every event, in order. */
  onEvent(event: DevEvent): void;
  /** An fx app started (or restarted after a rescan): hook up a page. */
  onFxApp?(app: FxApp, name: string): void;
  /** fx: each flush's patches (JSON lines). */
  onPatches?(lines: string): void;
  /** The errors now standing (empty: all clear), for an overlay. */
  onErrors?(errors: readonly LoadFailure[]): void;
  /** loop-host serve's stderr (guest output and logs of an HTTP component). */
  onServeStderr?(text: string): void;
}

/** A running `loop dev`. */
export class DevSession {
  server: DevServer = defaultDevServer;
  workspace: Workspace | null = null;
  world: World = "unknown";
  fx: FxApp | null = null;
  private graph = new WatchGraph();
  private watcher: Watcher | null = null;
  private client: ControlClient | null = null;
  private driver: DevDriver | null = null;
  private serve: ServeHost | null = null;
  private command: CommandRun | null = null;
  private readonly current = new Map<string, Loaded>();
  private readonly errors = new Map<string, LoadFailure>();
  private pending: FileChange[] = [];
  private cycle: Promise<void> | null = null;
  private stopped = false;
  private changeAt = 0;
  private exitResolve: (code: number) => void = () => {};
  /** Resolves when the session ends by itself (loop-host died). */
  readonly ended: Promise<number>;

  constructor(private readonly options: DevOptions) {
    this.ended = new Promise((resolve) => {
      this.exitResolve = resolve;
    });
  }

  /** Scans, builds and starts the app, then watches. Rejects when there is nothing to run. */
  async start(): Promise<void> {
    this.server = await this.resolveServer();
    this.emit({ event: "server", name: this.server.name });
    await this.boot();
  }

  /** Stops watching and whatever runs. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.teardown();
    this.emit({ event: "stopped" });
  }

  /** Hands changed files to the loop (what the watcher does; tools and tests may too). */
  changed(changes: FileChange[]): void {
    if (this.stopped || changes.length === 0) return;
    if (this.pending.length === 0) this.changeAt = performance.now();
    this.pending.push(...changes);
    if (this.cycle === null) this.cycle = this.runCycles();
  }

  /** Resolves once no change is pending or being worked on. */
  async settled(): Promise<void> {
    while (this.cycle !== null) await this.cycle;
  }

  // ---- start-up ----

  private async resolveServer(): Promise<DevServer> {
    const { options } = this;
    if (options.server) return loadDevServer(options.server, options.root);
    // The manifest the scan will use: --manifest, else loop.toml in the target folder (or root).
    const dir = resolve(options.root, options.target ?? ".");
    const manifest =
      options.manifest != null
        ? resolve(options.root, options.manifest)
        : existsSync(join(dir, MANIFEST))
          ? join(dir, MANIFEST)
          : null;
    if (manifest === null) return defaultDevServer;
    const app = await resolveManifest(manifest);
    const server = app.dev?.server;
    if (typeof server === "string" && server !== "") return loadDevServer(server, app.dir);
    return defaultDevServer;
  }

  private async boot(): Promise<void> {
    const { options } = this;
    const workspace = await this.server.scan({
      root: options.root,
      manifest: options.manifest ?? null,
      target: options.target ?? null,
      component: options.component ?? null,
    });
    this.workspace = workspace;
    this.graph = new WatchGraph(workspace.edges);
    this.emit({
      event: "scan",
      root: workspace.root,
      manifest: workspace.manifest,
      main: workspace.main,
      components: workspace.components.map((c) => ({
        name: c.name,
        kind: c.kind,
        source: c.source,
        path: c.path,
        files: c.files.length,
        wit: c.wit,
      })),
      wit: workspace.wit.map((p) => p.id),
      watch: workspace.watch,
    });
    this.watcher = await watch({
      roots: workspace.watch,
      ignore: workspace.ignore,
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      onChanges: (changes) => this.changed(changes),
    });
    await this.watcher.ready;

    const main = workspace.main;
    const loaded = await this.build(main);
    if (loaded === null) {
      // Nothing runs yet; the next good build of the main component starts it.
      this.world = "unknown";
      return;
    }
    this.current.set(main, loaded);
    await this.startRunning(main, loaded);
  }

  private async startRunning(main: string, loaded: Loaded): Promise<void> {
    this.world = await this.worldOf(loaded);
    switch (this.world) {
      case "fx":
        await this.startFx(main);
        break;
      case "http":
        await this.startServe(main, loaded);
        break;
      case "command":
        this.rerun(main, loaded);
        break;
      default:
        this.fail(
          "load",
          main,
          new Error(
            `${main} is neither a command, an HTTP handler nor a loop:fx component: loop dev does not know how to run it`,
          ),
        );
    }
  }

  private async worldOf(loaded: Loaded): Promise<World> {
    if (loaded.artifact.kind === "module") return loaded.artifact.world;
    const client = this.controlClient();
    try {
      const info = await client.load(loaded.artifact.path, { name: loaded.component });
      await client.unload(info.component).catch(() => {});
      const exports = info.exports.map((e) => e.replace(/@[^@/]*$/, ""));
      if (exports.includes("loop:fx/component")) return "fx";
      if (exports.includes("wasi:http/incoming-handler")) return "http";
      if (exports.includes("wasi:cli/run")) return "command";
      return "unknown";
    } catch (err) {
      this.fail("load", loaded.component, err);
      return "unknown";
    }
  }

  private controlClient(): ControlClient {
    if (this.client === null) {
      const c = this.options.control ?? {};
      this.client = new ControlClient({
        stderr: "inherit",
        ...(c.log !== undefined ? { log: c.log } : {}),
        ...(c.noCache ? { noCache: true } : {}),
        ...(c.cacheDir !== undefined ? { cacheDir: c.cacheDir } : {}),
        ...(c.verbose ? { verbose: true } : {}),
        ...(c.compiler !== undefined ? { compiler: c.compiler } : {}),
        // Each swap loads a new version: reuse the unchanged functions' code.
        incremental: true,
      });
    }
    return this.client;
  }

  private policyOf(name: string): Policy | null {
    const c = this.workspace?.components.find((x) => x.name === name);
    const base = (c?.policy ?? null) as Policy | null;
    if (base === null) return null;
    return this.options.fxPolicy ? this.options.fxPolicy(base) : base;
  }

  private async startFx(main: string): Promise<void> {
    const client = this.controlClient();
    const driver = new DevDriver(
      client,
      async (name) => {
        let loaded = this.current.get(name);
        if (loaded === undefined) {
          const built = await this.build(name);
          if (built === null) throw new Error(`${name} does not build (see the error above)`);
          loaded = built;
        }
        return { artifact: loaded.artifact, policy: this.policyOf(name) };
      },
      {
        onLog: (e) => {
          const { event: _e, ...rest } = e;
          this.emit({ event: "log", ...rest });
        },
        onPrint: (_name, text) => process.stderr.write(text),
      },
    );
    this.driver = driver;
    const app = new FxApp({
      driver,
      root: main,
      ...(this.options.props !== undefined ? { props: this.options.props } : {}),
      onPatches: (lines) => this.options.onPatches?.(lines),
      onError: (err) => this.fail("render", main, err),
    });
    this.fx = app;
    try {
      await app.start();
    } catch (err) {
      this.fail("instantiate", main, err);
      app.dispose();
      this.fx = null;
      return;
    }
    this.options.onFxApp?.(app, main);
    this.emit({ event: "ready", world: "fx", component: main });
    this.emit({ event: "html", html: app.html() });
  }

  private async startServe(main: string, loaded: Loaded): Promise<void> {
    const ws = this.workspace as Workspace;
    const listen = this.options.listen ?? "127.0.0.1:8080";
    const args = [
      "--listen",
      listen,
      ...(this.options.hostArgs ?? []),
      ...(ws.manifest !== null
        ? [
            "--manifest",
            ws.manifest,
            "--component",
            main,
            "--wasm",
            (loaded.artifact as { path: string }).path,
          ]
        : ["--", (loaded.artifact as { path: string }).path]),
    ];
    const serve = new ServeHost({
      args,
      onStderr: (text) =>
        this.options.onServeStderr ? this.options.onServeStderr(text) : process.stderr.write(text),
    });
    this.serve = serve;
    serve.exited.then(({ code, signal }) => {
      if (this.serve === serve && !this.stopped) {
        this.emit({ event: "exit", component: main, code, signal });
        this.exitResolve(1);
      }
    });
    let addr: string;
    try {
      addr = await serve.listening;
    } catch (err) {
      this.fail("load", main, err);
      this.serve = null;
      return;
    }
    this.emit({ event: "ready", world: "http", component: main, url: `http://${addr}` });
  }

  private rerun(main: string, loaded: Loaded): void {
    const ws = this.workspace as Workspace;
    const path = (loaded.artifact as { path: string }).path;
    const previous = this.command;
    const start = async () => {
      if (previous !== null) await previous.stop();
      if (this.stopped) return;
      const args = [
        ...(this.options.hostArgs ?? []),
        ...(ws.manifest !== null
          ? [
              "--manifest",
              ws.manifest,
              "--component",
              main,
              "--wasm",
              path,
              "--",
              ...(this.options.args ?? []),
            ]
          : ["--", path, ...(this.options.args ?? [])]),
      ];
      const run = new CommandRun(args, this.options.commandStdout ?? "inherit");
      this.command = run;
      this.emit({ event: "run", component: main });
      run.exited.then(({ code, signal }) => {
        if (!this.stopped) this.emit({ event: "exit", component: main, code, signal });
      });
    };
    const p = start();
    this.commandStarting = p;
  }
  private commandStarting: Promise<void> | null = null;

  // ---- the loop ----

  private async runCycles(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.stopped) {
        const batch = dedupe(this.pending);
        const since = this.changeAt;
        this.pending = [];
        await this.runCycle(batch, since);
      }
    } catch (err) {
      this.fail("scan", this.workspace?.main ?? "", err);
    } finally {
      this.cycle = null;
    }
  }

  private async runCycle(batch: FileChange[], since: number): Promise<void> {
    const workspace = this.workspace;
    this.emit({ event: "change", files: batch });
    if (workspace === null) return;
    const plan = await this.server.plan({ ...workspace, edges: this.graph.edges() }, batch);
    this.emit({ event: "plan", ...plan });
    if (plan.rescan) {
      await this.teardown();
      this.current.clear();
      this.errors.clear();
      this.options.onErrors?.([]);
      try {
        await this.boot();
      } catch (err) {
        this.fail("scan", workspace.main, err);
      }
      return;
    }
    for (const name of plan.rebuild) {
      if (this.stopped) return;
      const loaded = await this.build(name);
      if (loaded === null) continue;
      await this.apply(name, loaded, since);
    }
  }

  /** Builds one component; null (and an error reported) when it fails. */
  private async build(name: string): Promise<Loaded | null> {
    const workspace = this.workspace as Workspace;
    let loaded: Loaded;
    try {
      loaded = await this.server.load(workspace, name, { fast: this.options.fast !== false });
    } catch (err) {
      this.fail("build", name, err);
      return null;
    }
    this.graph.addInputs(name, loaded.inputs);
    this.watchInputs(loaded.inputs);
    this.emit({
      event: "build",
      component: name,
      ms: loaded.ms,
      upToDate: loaded.upToDate,
      artifact: loaded.artifact.kind,
      path: loaded.artifact.path,
    });
    return loaded;
  }

  /** Watches the folders of build inputs outside the watched roots (e.g. a workspace SDK). */
  private watchInputs(inputs: readonly string[]): void {
    const watcher = this.watcher;
    if (watcher === null) return;
    const dirs = new Set<string>();
    for (const f of inputs) {
      if (/[/\\](node_modules|target|\.git|\.loop)[/\\]/.test(f)) continue;
      dirs.add(dirname(f));
    }
    watcher.add([...dirs]);
  }

  /** Puts a good build to work: swap, rerun, or start what could not start before. */
  private async apply(name: string, loaded: Loaded, since: number): Promise<void> {
    const main = (this.workspace as Workspace).main;
    const ms = () => Math.round(performance.now() - since);
    const notRunning =
      name === main &&
      ((this.world === "fx" && this.fx === null) ||
        (this.world === "http" && this.serve === null) ||
        this.world === "unknown");
    if (notRunning) {
      this.current.set(name, loaded);
      await this.startRunning(name, loaded);
      if (this.fx !== null || this.serve !== null || this.command !== null) this.recovered(name);
      return;
    }
    if (this.world === "fx" && this.fx !== null) {
      const previous = this.current.get(name);
      this.current.set(name, loaded);
      try {
        const result = await this.fx.swap(name, {
          artifact: loaded.artifact,
          policy: this.policyOf(name),
        });
        this.emit({
          event: "swap",
          component: name,
          ms: ms(),
          state: result.state,
          fibers: result.fibers,
        });
        this.emit({ event: "html", html: this.fx.html() });
        this.recovered(name);
      } catch (err) {
        if (previous !== undefined) this.current.set(name, previous);
        const stage =
          err instanceof SwapError ? (err.stage === "load" ? "load" : err.stage) : "load";
        this.fail(stage, name, err);
      }
      return;
    }
    this.current.set(name, loaded);
    if (name !== main) {
      this.recovered(name);
      return;
    }
    if (this.world === "http" && this.serve !== null) {
      try {
        const ok = await this.serve.swap((loaded.artifact as { path: string }).path);
        const f = ok.functions as
          | { reused?: unknown; untranslated?: unknown; compiled?: unknown }
          | null
          | undefined;
        this.emit({
          event: "swap",
          component: name,
          ms: ms(),
          generation: Number(ok.generation),
          ...(typeof f?.reused === "number" && typeof f.compiled === "number"
            ? {
                functions: {
                  reused: f.reused,
                  untranslated: typeof f.untranslated === "number" ? f.untranslated : 0,
                  compiled: f.compiled,
                },
              }
            : {}),
        });
        this.recovered(name);
      } catch (err) {
        this.fail("load", name, err);
      }
      return;
    }
    if (this.world === "command") {
      this.rerun(name, loaded);
      this.recovered(name);
    }
  }

  private recovered(name: string): void {
    if (this.errors.delete(name)) {
      this.emit({ event: "recovered", component: name });
      this.options.onErrors?.([...this.errors.values()]);
    }
  }

  private fail(
    stage: Extract<DevEvent, { event: "error" }>["stage"],
    component: string,
    err: unknown,
  ): void {
    const failure: LoadFailure =
      err instanceof LoadError
        ? err.failure
        : stage === "build"
          ? toLoadError(component, err).failure
          : { component, message: oneLine(err), output: "", location: null };
    this.errors.set(component, failure);
    this.emit({
      event: "error",
      stage,
      component,
      message: failure.message,
      output: stripVTControlCharacters(failure.output),
      location: failure.location,
    });
    this.options.onErrors?.([...this.errors.values()]);
  }

  private async teardown(): Promise<void> {
    await this.watcher?.close().catch(() => {});
    this.watcher = null;
    if (this.fx !== null) {
      this.fx.dispose();
      this.fx = null;
    }
    this.driver?.detach();
    this.driver = null;
    if (this.commandStarting !== null) await this.commandStarting.catch(() => {});
    await this.command?.stop();
    this.command = null;
    const serve = this.serve;
    this.serve = null;
    await serve?.shutdown();
    const client = this.client;
    this.client = null;
    await client?.shutdown().catch(() => {});
  }

  private emit(event: DevEvent): void {
    this.options.onEvent(event);
  }
}

function dedupe(changes: FileChange[]): FileChange[] {
  const byPath = new Map<string, FileChange>();
  for (const c of changes) byPath.set(canonical(c.path), { path: canonical(c.path), kind: c.kind });
  return [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ").trim();
}
