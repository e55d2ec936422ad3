import { existsSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "./errors.js";

// The `--web` output mode: a component transpiled by jco into an ES module plus its core wasm
// modules, for the in-browser host (@loop-kit/web-host). The module is made with jco's
// `instantiation: "async"` option: it exports `instantiate(getCoreModule, imports)`, so one
// component can be instantiated many times with different imports (the browser host binds
// `loop:fx/host` per fiber), and it imports nothing itself: the host hands it every interface.

/** A component transpiled for the browser. */
export interface WebTranspileResult {
  /** The component's name (the module is `NAME.js`). */
  name: string;
  /** The folder it was written to. */
  dir: string;
  /** Absolute path of the ES module. */
  module: string;
  /** Every file written, relative to `dir` (the module and its `.core*.wasm` files). */
  files: string[];
  /** The interfaces the component imports, as jco names them (`wasi:cli/stdout`). */
  imports: string[];
  /** Wall time, in milliseconds. */
  ms: number;
  /** True when the folder already held this transpile of this component. */
  upToDate: boolean;
}

export interface WebTranspileOptions {
  /** The module's name (default: the file's, without `.wasm`). */
  name?: string;
  /** Where to write it (created if needed). */
  outDir: string;
  /** Transpile even when the folder holds an up-to-date result. */
  force?: boolean;
}

/** What is remembered next to a transpile to tell whether it is up to date. */
interface Stamp {
  wasm: string;
  size: number;
  mtimeMs: number;
  jco: string;
  files: string[];
  imports: string[];
}

const STAMP = "loop-web.json";

/** The version of jco doing the transpiling (part of the up-to-date check). */
async function jcoVersion(): Promise<string> {
  try {
    const pkg = join(jcoDir(), "package.json");
    return (JSON.parse(await readFile(pkg, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** The folder of the `@bytecodealliance/jco` package this package uses. */
function jcoDir(): string {
  // The package's main module is dist/api.js; its folder is two levels up.
  const main = fileURLToPath(import.meta.resolve("@bytecodealliance/jco"));
  let dir = dirname(main);
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/**
 * The folder of the `@bytecodealliance/preview2-shim` that jco itself depends on: the WASI
 * implementation that matches the code jco generates. Its browser build is what a page bundles
 * (the top-level copy, if any, is the one componentize-js pins, and may be older).
 *
 * @throws {BuildError} (toolchain) when jco's copy cannot be found.
 */
export function preview2ShimDir(): string {
  const jco = jcoDir();
  const shim = join("node_modules", "@bytecodealliance", "preview2-shim");
  // npm nests a copy under jco when the hoisted one does not satisfy it; else it is hoisted.
  for (let dir = jco; ; dir = dirname(dir)) {
    const candidate = dir === jco ? join(jco, shim) : join(dir, shim);
    if (existsSync(join(candidate, "dist", "browser", "index.js"))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new BuildError(
    `cannot find @bytecodealliance/preview2-shim next to jco (${jco}); reinstall the packages (npm ci)`,
    { code: "toolchain", tool: "jco" },
  );
}

/**
 * Transpiles the component at `wasm` into an ES module for the browser host, written to
 * `options.outDir` as `NAME.js` and `NAME.core*.wasm` (TypeScript declarations left out).
 * Skipped when the folder holds a transpile of the same file (size, time) by the same jco.
 *
 * @throws {BuildError} (componentize) when jco cannot transpile it.
 */
export async function transpileForWeb(
  wasm: string,
  options: WebTranspileOptions,
): Promise<WebTranspileResult> {
  const started = performance.now();
  const name = options.name ?? (wasm.split(sep).pop() ?? "component").replace(/\.wasm$/, "");
  const dir = options.outDir;
  const info = await stat(wasm);
  const jco = await jcoVersion();
  const module = join(dir, `${name}.js`);
  if (!options.force) {
    try {
      const stamp = JSON.parse(await readFile(join(dir, STAMP), "utf8")) as Stamp;
      if (
        stamp.wasm === wasm &&
        stamp.size === info.size &&
        stamp.mtimeMs === info.mtimeMs &&
        stamp.jco === jco &&
        stamp.files.every((f) => existsSync(join(dir, f)))
      ) {
        return {
          name,
          dir,
          module,
          files: stamp.files,
          imports: stamp.imports,
          ms: performance.now() - started,
          upToDate: true,
        };
      }
    } catch {
      // No stamp, or not ours: transpile.
    }
  }

  const { transpile } = await import("@bytecodealliance/jco");
  let out: Awaited<ReturnType<typeof transpile>>;
  try {
    out = await transpile(await readFile(wasm), {
      name,
      instantiation: "async",
      noTypescript: true,
      quiet: true,
    });
  } catch (err) {
    throw new BuildError(`jco could not transpile ${wasm} for the browser`, {
      code: "componentize",
      tool: "jco",
      output: err instanceof Error ? err.message : String(err),
      cause: err,
    });
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [file, bytes] of Object.entries(out.files)) {
    if (file.endsWith(".d.ts")) continue;
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), bytes);
    files.push(file);
  }
  if (!files.includes(`${name}.js`)) {
    throw new BuildError(`jco wrote no ${name}.js for ${wasm}`, {
      code: "componentize",
      tool: "jco",
    });
  }
  const imports = [...out.imports];
  const stamp: Stamp = { wasm, size: info.size, mtimeMs: info.mtimeMs, jco, files, imports };
  await writeFile(join(dir, STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
  return { name, dir, module, files, imports, ms: performance.now() - started, upToDate: false };
}
