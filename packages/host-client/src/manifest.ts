import { type CaptureHostOptions, captureHost } from "./capture.js";

/**
 * `loop.toml` as `loop-host manifest` resolves it. loop-host owns the schema (`loop-host
 * manifest --schema`); this is the JSON it prints, typed. Paths are absolute.
 */
export interface ResolvedApp {
  /** The manifest file. */
  manifest: string;
  /** The app's name (`app.name`, else the folder's name). */
  name: string;
  /** The folder holding the manifest. */
  dir: string;
  /** Where durable state (key-value stores) lives. */
  "data-dir": string;
  /** The component `loop run` starts (`app.main`, or the only one), if it can tell. */
  main: string | null;
  components: ResolvedComponent[];
  /** `loop dev`'s settings (`[dev]`; absent from loop-hosts older than `[dev]`). */
  dev?: ResolvedDev;
}

/** `[dev]`, resolved. */
export interface ResolvedDev {
  /** The dev server: a module path (absolute) or a package name; null for the built-in one. */
  server: string | null;
}

export interface ResolvedComponent {
  name: string;
  /** The built component, when the manifest gives `path`. */
  path: string | null;
  /** The source folder, when the manifest gives `source`. */
  source: string | null;
  policy: Policy;
}

/** The policy a component runs under (loop-host's `Policy`). */
export interface Policy {
  name: string;
  trust: "untrusted" | "trusted";
  env: [string, string][];
  dirs: { host: string; guest: string; "read-only": boolean }[];
  hosts: string[];
  kv: string[];
  config: [string, string][];
  process: boolean;
  /** A native window (wasi-gfx:surface, wasi-gfx:frame-buffer); true unless denied. */
  window: boolean;
  /** The GPU (wasi:webgpu); true unless denied. */
  gpu: boolean;
  "data-dir": string | null;
  limits: {
    "max-memory": number | null;
    /** A duration as loop-host prints it, e.g. `1s 500ms`. */
    timeout: string | null;
    instances: number | null;
  };
}

/** The default policy: untrusted, nothing granted but a window and the GPU, no limits. */
export function untrustedPolicy(name: string): Policy {
  return {
    name,
    trust: "untrusted",
    env: [],
    dirs: [],
    hosts: [],
    kv: [],
    config: [],
    process: false,
    window: true,
    gpu: true,
    "data-dir": null,
    limits: { "max-memory": null, timeout: null, instances: null },
  };
}

/**
 * A manifest loop-host rejected (or that names no usable component). `message` is one line,
 * `invalid manifest: FILE:LINE: KEY: what is wrong and what is expected` for schema errors.
 */
export class ManifestError extends Error {
  override name = "ManifestError";
  readonly code = "LOOP_MANIFEST";
  /** The manifest file, as it was given. */
  readonly file: string;

  constructor(message: string, file: string) {
    super(message);
    this.file = file;
  }
}

/**
 * Resolves a manifest with `loop-host manifest FILE` (loop-host owns the schema; nothing here
 * parses TOML).
 *
 * @throws {ManifestError} when loop-host rejects the manifest.
 * @throws {LoopHostNotFoundError} when loop-host cannot be found.
 */
export async function resolveManifest(
  file: string,
  options: CaptureHostOptions = {},
): Promise<ResolvedApp> {
  const out = await captureHost(["manifest", "--", file], options);
  if (out.code !== 0) {
    const line =
      out.stderr
        .split("\n")
        .map((l) => l.trim())
        .find((l) => l !== "") ?? `loop-host manifest exited with status ${out.code}`;
    throw new ManifestError(line.replace(/^error:\s*/, ""), file);
  }
  try {
    return JSON.parse(out.stdout) as ResolvedApp;
  } catch (err) {
    throw new Error(`loop-host manifest printed something that is not JSON: ${String(err)}`);
  }
}
