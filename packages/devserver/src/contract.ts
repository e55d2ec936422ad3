// The `loop:devserver` contract: what a dev server does for `loop dev`, as plain data so that
// it mirrors the WIT package `loop:devserver` (wit/devserver/devserver.wit) field for field.
// Three operations: `scan` (the workspace and its watch graph), `plan` (which components a
// change rebuilds) and `load` (build one component into something loop dev can run). The
// built-in implementation is `defaultDevServer`; a workspace names another one in loop.toml
// (`[dev] server = "./my-devserver.mjs"`). Watching, debouncing, swapping and running stay in
// `loop dev` itself.

/** How a component is built: cargo, esbuild (+ componentize-js), or not at all (a `.wasm`). */
export type ComponentKind = "rust" | "ts" | "js" | "wasm";

/** What a component is, by what it exports; decides how `loop dev` runs it. */
export type World = "command" | "http" | "fx" | "unknown";

/** A WIT package found in the workspace (a folder or file declaring `package ns:name@v`). */
export interface WitPackageInfo {
  /** `ns:name@version` (`ns:name` when unversioned). */
  id: string;
  /** Its `.wit` files (absolute). */
  files: string[];
  /** The ids of the packages it refers to (`use`, `include`, `import`). */
  uses: string[];
}

/** One component of the workspace. */
export interface ComponentInfo {
  /** Its name (the manifest's, or the project's). */
  name: string;
  kind: ComponentKind;
  /** The source folder (absolute), for a component built from source. */
  source: string | null;
  /** The built `.wasm` (absolute), for a prebuilt component. */
  path: string | null;
  /** The files it is built from, as far as the scan can tell (absolute, sorted). */
  files: string[];
  /** The ids of the WIT packages its world uses. */
  wit: string[];
  /** Its policy, as `loop-host manifest` resolves it (untrusted defaults without a manifest). */
  policy: unknown;
}

/**
 * An edge of the watch graph. Nodes are named `file:ABSOLUTE_PATH`, `wit:PACKAGE_ID` and
 * `component:NAME`; an edge points from what changes to what must be rebuilt because of it:
 * file → WIT package, file → component, WIT package → the packages and components using it,
 * component → its dependents.
 */
export interface Edge {
  from: string;
  to: string;
}

/** What `scan` found. */
export interface Workspace {
  /** The folder `loop dev` runs in (absolute). */
  root: string;
  /** The manifest (absolute), when there is one. */
  manifest: string | null;
  /** The app's name. */
  name: string;
  /** The component `loop dev` runs. */
  main: string;
  components: ComponentInfo[];
  wit: WitPackageInfo[];
  /** The watch graph. */
  edges: Edge[];
  /** The folders to watch (absolute). */
  watch: string[];
  /** Folder names never watched, wherever they are (build outputs, VCS, dependencies). */
  ignore: string[];
}

/** Where `loop dev` runs (its folder, and optionally a manifest or one component file). */
export interface ScanRequest {
  root: string;
  /** A manifest to use instead of `ROOT/loop.toml`. */
  manifest: string | null;
  /** A single `.wasm` or project folder to run instead of the folder's app. */
  target: string | null;
  /** Which component of the manifest to run (default: app.main, or the only one). */
  component: string | null;
}

export type ChangeKind = "add" | "change" | "unlink";

/** One file that changed (after debouncing: the last kind seen for the path). */
export interface FileChange {
  path: string;
  kind: ChangeKind;
}

/** Why a component is rebuilt. */
export interface Reason {
  component: string;
  /** The changed files that reach it through the graph. */
  files: string[];
}

/** What a change means. */
export interface Plan {
  /** Components to rebuild, in this order. */
  rebuild: string[];
  /** The workspace itself changed (the manifest): scan again and restart. */
  rescan: boolean;
  reasons: Reason[];
  /** Changed files that reach no component. */
  unrelated: string[];
}

/**
 * What `load` produced: a component file loop-host runs, or (the TS/JS fast path) an ES module
 * bundle `loop dev` runs in Node against the same WIT imports.
 */
export type Artifact =
  | { kind: "wasm"; path: string }
  | { kind: "module"; path: string; world: World; imports: string[]; exports: string[] };

export interface LoadOptions {
  /** Allow the fast path (a JS/TS component as an ES module, no componentize-js). */
  fast: boolean;
}

/** A component built (or found up to date). */
export interface Loaded {
  component: string;
  artifact: Artifact;
  /** Wall time of the build, in milliseconds. */
  ms: number;
  upToDate: boolean;
  /** The files the build read, where the toolchain says (cargo's dep-info, esbuild's metafile). */
  inputs: string[];
}

/** Where an error points. */
export interface Location {
  file: string;
  line: number;
  column: number;
}

/** A build that failed: the tool's diagnostics and where the first error is. */
export interface LoadFailure {
  component: string;
  /** One line. */
  message: string;
  /** The tool's own output (compiler diagnostics), possibly with ANSI colours. */
  output: string;
  location: Location | null;
}

/** Thrown by `load` when the component cannot be built. */
export class LoadError extends Error {
  override name = "LoadError";
  readonly failure: LoadFailure;
  constructor(failure: LoadFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

/** The `loop:devserver` interface. Every method may be asynchronous. */
export interface DevServer {
  /** Names the implementation in `loop dev`'s output. */
  readonly name: string;
  /** Finds the components, their sources and WIT, and builds the watch graph. */
  scan(request: ScanRequest): Workspace | Promise<Workspace>;
  /** Which components a set of changed files rebuilds. */
  plan(workspace: Workspace, changes: FileChange[]): Plan | Promise<Plan>;
  /** Builds one component (throw {@link LoadError} with the diagnostics when it fails). */
  load(workspace: Workspace, component: string, options: LoadOptions): Loaded | Promise<Loaded>;
}
