/** The kinds of guest project the build drivers understand. */
export type ProjectKind = "rust" | "js" | "ts";

export type RustRoute = "wasip2" | "wasip1" | "debian";

/** A progress notification: `step` is stable (for code), `message` is for people. */
export interface BuildStep {
  step: "detect" | "toolchain" | "compile" | "bundle" | "wit" | "componentize" | "adapt" | "check";
  message: string;
}

export interface BuildOptions {
  /** Called as each step starts. */
  onProgress?: (step: BuildStep) => void;
  /** Rebuild even when the output looks up to date. */
  force?: boolean;
  /** Ask tools for coloured diagnostics (default: whether stderr is a terminal). */
  color?: boolean;
  /** Environment for the tools (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /**
   * Force how a Rust guest is built instead of detecting it (default: `$LOOP_RUST_ROUTE`, else
   * detect): `wasip2` (rustup target, a component directly), `wasip1` (rustup target plus jco's
   * preview1 adapter) or `debian` (rustc-web with -Zbuild-std).
   */
  rustRoute?: RustRoute;
}

export interface BuildResult {
  kind: ProjectKind;
  /** Absolute path of the component. */
  wasm: string;
  /** Its size in bytes. */
  bytes: number;
  /** Wall time of the build, in milliseconds. */
  ms: number;
  /** True when nothing had to be rebuilt. */
  upToDate: boolean;
}
