import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cp, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BuildError } from "./errors.js";

/** The WASI 0.2 release whose WIT (shipped inside jco) JS/TS guests build against. */
export const WASI_VERSION = "0.2.12";

/** A WIT package found on disk: a folder (or single file) declaring `package ns:name@version`. */
export interface WitPackage {
  /** `ns:name@version` (`ns:name` when unversioned). */
  id: string;
  ns: string;
  name: string;
  version: string | undefined;
  /** Folder or `.wit` file. */
  path: string;
  /** Where it came from, in order of preference. */
  source: "guest" | "loop" | "wasi";
  /** Its `.wit` files. */
  files: string[];
}

/** The packages a guest's world needs, and every file that went into deciding that. */
export interface WitPlan {
  /** The guest's own `wit/*.wit` files (its root package). */
  rootFiles: string[];
  /** Packages to place under `deps/`, guest's own first. */
  deps: WitPackage[];
}

/** loop-kit's own and vendored WIT: `<repo>/wit`, found relative to this file (src/ or dist/). */
export function loopWitDir(): string {
  return fileURLToPath(new URL("../../../wit/", import.meta.url));
}

/** jco's copy of the WASI 0.2 WIT packages. */
export function wasiWitDir(): string {
  let dir = dirname(fileURLToPath(import.meta.resolve("@bytecodealliance/jco")));
  while (!existsSync(join(dir, "package.json")) || basename(dir) !== "jco") {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot locate the @bytecodealliance/jco package folder");
    dir = up;
  }
  return join(dir, "lib", "wit", "builtin", WASI_VERSION);
}

/**
 * Works out which WIT packages the guest's world uses (transitively): the guest's own
 * `wit/deps/*` first, then loop-kit's (`<repo>/wit`), then jco's WASI 0.2 packages.
 * A reference nothing provides is left for componentize-js to report.
 */
export function planWit(guestWit: string): WitPlan {
  if (!existsSync(guestWit) || !statSync(guestWit).isDirectory()) {
    throw new BuildError(
      `no WIT folder at ${guestWit}: a JS/TS guest needs its world in wit/*.wit (or set "loop": {"wit": ...} in package.json)`,
      { code: "config" },
    );
  }
  const rootFiles = witFiles(guestWit, false);
  if (rootFiles.length === 0) {
    throw new BuildError(`no .wit files in ${guestWit}: put the guest's world there`, {
      code: "config",
    });
  }

  const catalog: WitPackage[] = [
    ...packagesIn(join(guestWit, "deps"), "guest"),
    ...packagesIn(loopWitDir(), "loop"),
    ...packagesIn(join(loopWitDir(), "deps"), "loop"),
    ...packagesIn(wasiWitDir(), "wasi"),
  ];

  const chosen = new Map<string, WitPackage>();
  const queue = [...rootFiles];
  const seenFiles = new Set<string>();
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (seenFiles.has(file)) continue;
    seenFiles.add(file);
    for (const ref of references(readFileSync(file, "utf8"))) {
      const pkg = catalog.find(
        (p) =>
          p.ns === ref.ns &&
          p.name === ref.name &&
          (ref.version === undefined || p.version === ref.version),
      );
      if (pkg === undefined || chosen.has(pkg.id)) continue;
      chosen.set(pkg.id, pkg);
      queue.push(...pkg.files);
    }
  }
  // The guest's own deps always go in, used or not: it may rely on them in ways we don't parse.
  for (const pkg of catalog) {
    if (pkg.source === "guest" && !chosen.has(pkg.id)) chosen.set(pkg.id, pkg);
  }
  return { rootFiles, deps: [...chosen.values()] };
}

/** Copies the plan into a fresh temporary folder laid out for componentize-js (`--wit`). */
export async function assembleWit(plan: WitPlan): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "loop-wit-"));
  for (const file of plan.rootFiles) await cp(file, join(dir, basename(file)));
  await mkdir(join(dir, "deps"));
  for (const pkg of plan.deps) {
    const folder = `${pkg.ns}-${pkg.name}${pkg.version ? `-${pkg.version}` : ""}`;
    const target = statSync(pkg.path).isDirectory()
      ? join(dir, "deps", folder)
      : join(dir, "deps", `${folder}.wit`);
    await cp(pkg.path, target, { recursive: true });
  }
  return dir;
}

function witFiles(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isFile() && entry.name.endsWith(".wit")) out.push(path);
    else if (recursive && entry.isDirectory()) out.push(...witFiles(path, true));
  }
  return out.sort();
}

const PACKAGE_RE = /^\s*package\s+([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)(?:@([^\s;{]+))?\s*[;{]/m;

function packagesIn(dir: string, source: WitPackage["source"]): WitPackage[] {
  if (!existsSync(dir)) return [];
  const out: WitPackage[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "deps") continue;
    const path = join(dir, entry.name);
    const files = entry.isDirectory()
      ? witFiles(path, true)
      : entry.name.endsWith(".wit")
        ? [path]
        : [];
    for (const file of files) {
      const m = PACKAGE_RE.exec(readFileSync(file, "utf8"));
      if (m === null) continue;
      const [, ns = "", name = "", version] = m;
      out.push({
        id: `${ns}:${name}${version ? `@${version}` : ""}`,
        ns,
        name,
        version,
        path,
        source,
        files,
      });
      break;
    }
  }
  return out;
}

const REF_RE =
  /\b([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)\/[a-z][a-z0-9-]*(?:@([0-9][0-9A-Za-z.+-]*))?/g;

function references(text: string): { ns: string; name: string; version: string | undefined }[] {
  const out = [];
  for (const m of text.matchAll(REF_RE)) {
    const [, ns = "", name = "", rawVersion] = m;
    // `use wasi:io/streams@0.2.12.{...}` : the version stops before the `.{`.
    const version = rawVersion?.replace(/\.+$/, "");
    out.push({ ns, name, version });
  }
  return out;
}
