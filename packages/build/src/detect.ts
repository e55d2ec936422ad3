import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, extname, join, relative, resolve } from "node:path";
import { BuildError } from "./errors.js";

export interface RustProject {
  kind: "rust";
  /** Absolute project folder. */
  dir: string;
  /** Absolute path of its `Cargo.toml`. */
  manifest: string;
}

export interface JsProject {
  kind: "js" | "ts";
  dir: string;
  /** Absolute path of its `package.json`. */
  packageJson: string;
  /** The package name without its scope: names the outputs. */
  name: string;
  /** Absolute path of the entry module. */
  entry: string;
  /** The WIT world to build (`loop.world`); undefined lets componentize-js pick the only one. */
  world: string | undefined;
  /** Absolute path of the guest's WIT folder (`loop.wit`, default `wit`). */
  wit: string;
  /** Where the bundle goes: `<dir>/dist/<name>.js`. */
  bundle: string;
  /** Where the component goes: `<dir>/dist/<name>.wasm`. */
  out: string;
}

export type Project = RustProject | JsProject;

const TS_EXTENSIONS = new Set([".ts", ".mts", ".cts", ".tsx"]);

/**
 * Works out what kind of guest lives in `dir`: `Cargo.toml` → Rust; `package.json` → JS or TS
 * (TS when the entry is a TypeScript file). JS/TS settings come from package.json's `loop` field:
 * `{"world": "...", "wit": "wit", "entry": "src/index.ts"}`.
 *
 * @throws {BuildError} `no-project` or `config`.
 */
export async function detectProject(dir: string): Promise<Project> {
  const abs = resolve(dir);
  if (!existsSync(abs)) {
    throw new BuildError(`no such folder: ${dir}`, { code: "no-project" });
  }
  if (!statSync(abs).isDirectory()) {
    throw new BuildError(`not a folder: ${dir} (give the guest's project folder)`, {
      code: "no-project",
    });
  }

  const manifest = join(abs, "Cargo.toml");
  if (existsSync(manifest)) return { kind: "rust", dir: abs, manifest };

  const packageJson = join(abs, "package.json");
  if (existsSync(packageJson)) return readJsProject(abs, packageJson);

  throw new BuildError(
    `${dir} is not a guest project: it has neither Cargo.toml (Rust) nor package.json (JS/TS)`,
    { code: "no-project" },
  );
}

interface PackageJson {
  name?: unknown;
  main?: unknown;
  loop?: { world?: unknown; wit?: unknown; entry?: unknown };
}

async function readJsProject(dir: string, packageJson: string): Promise<JsProject> {
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(await readFile(packageJson, "utf8")) as PackageJson;
  } catch (err) {
    throw new BuildError(`cannot read ${packageJson}: ${(err as Error).message}`, {
      code: "config",
      cause: err,
    });
  }
  const loop = pkg.loop ?? {};
  const field = (key: "world" | "wit" | "entry"): string | undefined => {
    const value = loop[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string" || value === "") {
      throw new BuildError(`${packageJson}: "loop.${key}" must be a non-empty string`, {
        code: "config",
      });
    }
    return value;
  };

  const world = field("world");
  const wit = field("wit") ?? "wit";
  const entryField = field("entry") ?? (typeof pkg.main === "string" ? pkg.main : undefined);
  let entry: string | undefined;
  if (entryField !== undefined) {
    entry = resolve(dir, entryField);
    if (!existsSync(entry)) {
      throw new BuildError(`entry ${entryField} not found in ${dir}`, { code: "config" });
    }
  } else {
    entry = ["src/index.ts", "src/index.js"].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (entry === undefined) {
      throw new BuildError(
        `no entry module in ${dir}: add src/index.ts (or src/index.js), or set "loop": {"entry": ...} in package.json`,
        { code: "config" },
      );
    }
  }

  const rawName = typeof pkg.name === "string" && pkg.name !== "" ? pkg.name : basename(dir);
  const name = rawName.replace(/^@[^/]+\//, "");
  const dist = join(dir, "dist");
  return {
    kind: TS_EXTENSIONS.has(extname(entry)) ? "ts" : "js",
    dir,
    packageJson,
    name,
    entry,
    world,
    wit: resolve(dir, wit),
    bundle: join(dist, `${name}.js`),
    out: join(dist, `${name}.wasm`),
  };
}

/** `path` relative to `from` when inside it, else as given; for messages. */
export function displayPath(path: string, from = process.cwd()): string {
  const rel = relative(from, path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}
