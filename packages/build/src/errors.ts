/** What went wrong in a build, for callers that want to react differently. */
export type BuildErrorCode =
  /** The folder holds neither `Cargo.toml` nor `package.json`. */
  | "no-project"
  /** The project's configuration is wrong (missing entry, WIT folder, bad `loop` field ...). */
  | "config"
  /** The compiler (cargo, esbuild) rejected the sources; `output` holds its diagnostics. */
  | "compile"
  /** A required toolchain (Rust wasm target, ...) is not installed. */
  | "toolchain"
  /** Turning a module into a component failed (componentize-js, jco); see `output`. */
  | "componentize";

export interface BuildErrorOptions {
  code: BuildErrorCode;
  /** The tool's own output (diagnostics), to show the user before the summary line. */
  output?: string;
  /** The tool that failed: `cargo`, `esbuild`, `componentize-js`, `jco`. */
  tool?: string;
  cause?: unknown;
}

/** A build that could not produce a component. `message` is one line fit for the user. */
export class BuildError extends Error {
  override name = "BuildError";
  readonly code: BuildErrorCode;
  readonly output: string | undefined;
  readonly tool: string | undefined;

  constructor(message: string, options: BuildErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.output = options.output;
    this.tool = options.tool;
  }
}
