import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  type Policy,
  type ResolvedApp,
  resolveManifest,
  untrustedPolicy,
} from "@loop-kit/host-client";
import type {
  ComponentInfo,
  ComponentKind,
  Edge,
  ScanRequest,
  WitPackageInfo,
  Workspace,
} from "./contract.js";

// The default scan: the manifest (resolved by loop-host, which owns its schema), each
// component's sources and the WIT packages its world uses, and the watch graph over them.

/** Folder names that are never watched or scanned: build outputs, dependencies, VCS, state. */
export const IGNORED_DIRS = ["target", "node_modules", ".git", ".loop", "dist"];

/** The manifest file name. */
export const MANIFEST = "loop.toml";

/** A scan that cannot find anything to run; the message says what to do. */
export class ScanError extends Error {
  override name = "ScanError";
}

/** Real path when the file exists, else the real path of its folder plus its name. */
export function canonical(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** Scans the workspace `loop dev` was started in. */
export async function scanWorkspace(request: ScanRequest): Promise<Workspace> {
  const root = canonical(request.root);
  const target = request.target === null ? null : canonical(resolve(root, request.target));
  let manifest: string | null = null;
  let app: ResolvedApp | null = null;
  let components: ComponentInfo[];
  let main: string;
  let name: string;

  if (target !== null && !existsSync(target)) {
    throw new ScanError(
      `no such file or folder: ${request.target} (loop dev takes an app or component folder, or a .wasm)`,
    );
  }
  if (target !== null && statSync(target).isFile()) {
    if (!target.endsWith(".wasm")) {
      throw new ScanError(
        `${request.target} is not a .wasm component or a project folder (loop dev takes an app or component folder, or a .wasm)`,
      );
    }
    name = basename(target).replace(/\.wasm$/, "");
    components = [wasmComponent(name, target, untrustedPolicy(name))];
    main = name;
  } else {
    const dir = target ?? root;
    const manifestFile =
      request.manifest !== null ? canonical(resolve(root, request.manifest)) : join(dir, MANIFEST);
    if (request.manifest !== null || existsSync(manifestFile)) {
      manifest = manifestFile;
      app = await resolveManifest(manifestFile);
      name = app.name;
      components = await Promise.all(
        app.components.map((c) =>
          c.source !== null
            ? sourceComponent(c.name, canonical(c.source), c.policy)
            : wasmComponent(c.name, canonical(c.path as string), c.policy),
        ),
      );
      const wanted =
        request.component ??
        app.main ??
        (components.length === 1 ? components[0]?.name : undefined);
      if (components.length === 0) {
        throw new ScanError(
          `${manifestFile} declares no components: add a [components.NAME] table with a \`source\` folder or a \`path\` to a .wasm (see docs/manifest.md)`,
        );
      }
      if (wanted === undefined) {
        throw new ScanError(
          `${manifestFile} has ${components.length} components (${components.map((c) => c.name).join(", ")}) and no app.main: pass --component NAME or set app.main`,
        );
      }
      if (!components.some((c) => c.name === wanted)) {
        throw new ScanError(
          `${manifestFile} has no component named \`${wanted}\` (it has: ${components.map((c) => c.name).join(", ")})`,
        );
      }
      main = wanted;
    } else if (existsSync(join(dir, "Cargo.toml")) || existsSync(join(dir, "package.json"))) {
      name = projectName(dir);
      components = [await sourceComponent(name, dir, untrustedPolicy(name))];
      main = name;
    } else {
      throw new ScanError(
        `there is no ${MANIFEST} in ${dir}, and it is not a component project (Cargo.toml or package.json): run loop dev in an app or component folder, or pass one (see docs/dev.md)`,
      );
    }
  }

  const wit = collectWit(components);
  const edges = graphEdges(components, wit, manifest);
  const watch = watchRoots([
    ...(manifest !== null ? [dirname(manifest)] : []),
    ...components.flatMap((c) => (c.source !== null ? [c.source] : [c.path as string])),
    ...components.flatMap((c) => (c.source !== null ? c.files.map((f) => dirname(f)) : [])),
    ...wit.flatMap((p) => p.files.map((f) => dirname(f))),
  ]);
  return { root, manifest, name, main, components, wit, edges, watch, ignore: IGNORED_DIRS };
}

function wasmComponent(name: string, path: string, policy: Policy): ComponentInfo {
  return { name, kind: "wasm", source: null, path, files: [path], wit: [], policy };
}

/** A project folder's name: its package name (Cargo.toml or package.json), else the folder's. */
function projectName(dir: string): string {
  try {
    if (existsSync(join(dir, "Cargo.toml"))) {
      const m = /^\s*name\s*=\s*"([^"]+)"/m.exec(readFileSync(join(dir, "Cargo.toml"), "utf8"));
      if (m?.[1]) return m[1];
    } else {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (typeof pkg.name === "string" && pkg.name !== "") return pkg.name.replace(/^@[^/]+\//, "");
    }
  } catch {
    // fall through to the folder's name
  }
  return basename(dir);
}

// Witness of which WIT packages a component uses, keyed by component name (filled while scanning
// sources, turned into packages in collectWit).
const witDirsOf = new WeakMap<ComponentInfo, string[]>();

async function sourceComponent(name: string, dir: string, policy: Policy): Promise<ComponentInfo> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ScanError(`component ${name}: its source folder ${dir} does not exist`);
  }
  let kind: ComponentKind;
  const files = new Set<string>();
  const witDirs: string[] = [];
  if (existsSync(join(dir, "Cargo.toml"))) {
    kind = "rust";
    const crates = [dir, ...(await localPathDeps(dir))];
    for (const crate of crates) {
      for (const f of walk(
        crate,
        (f) => /\.(rs|toml|wit)$/.test(f) || basename(f) === "Cargo.lock",
      )) {
        files.add(f);
      }
      if (existsSync(join(crate, "wit"))) witDirs.push(join(crate, "wit"));
      witDirs.push(...rustWitPaths(crate));
    }
  } else if (existsSync(join(dir, "package.json"))) {
    let entry = "";
    let wit = "wit";
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        main?: string;
        loop?: { entry?: string; wit?: string };
      };
      entry = pkg.loop?.entry ?? pkg.main ?? "";
      wit = pkg.loop?.wit ?? "wit";
    } catch {
      // the build reports a bad package.json
    }
    kind =
      /\.(ts|mts|cts|tsx)$/.test(entry) || existsSync(join(dir, "src", "index.ts")) ? "ts" : "js";
    for (const f of walk(dir, (f) => /\.(m?[jt]sx?|cts|cjs|json|wit)$/.test(f))) files.add(f);
    if (existsSync(join(dir, wit))) witDirs.push(join(dir, wit));
  } else {
    throw new ScanError(
      `component ${name}: ${dir} is not a guest project: it has neither Cargo.toml (Rust) nor package.json (JS/TS)`,
    );
  }
  const info: ComponentInfo = {
    name,
    kind,
    source: dir,
    path: null,
    files: [...files].map(canonical).sort(),
    wit: [],
    policy,
  };
  witDirsOf.set(info, [...new Set(witDirs.map(canonical))]);
  return info;
}

/** Files under `dir` (skipping ignored folders) that `keep` accepts, absolute. */
export function walk(dir: string, keep: (file: string) => boolean, depth = 0): string[] {
  const out: string[] = [];
  if (depth > 12) return out;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (IGNORED_DIRS.includes(e.name) || e.name.startsWith(".")) continue;
      out.push(...walk(path, keep, depth + 1));
    } else if (e.isFile() && keep(path)) {
      out.push(path);
    }
  }
  return out;
}

/** The folders of the local (path) crates `dir`'s crate depends on, through `cargo metadata`. */
function localPathDeps(dir: string): Promise<string[]> {
  return new Promise((done) => {
    execFile(
      "cargo",
      [
        "metadata",
        "--format-version",
        "1",
        "--offline",
        "--manifest-path",
        join(dir, "Cargo.toml"),
      ],
      { cwd: dir, maxBuffer: 64 << 20 },
      (err, stdout) => {
        if (err) return done([]);
        try {
          const meta = JSON.parse(stdout) as {
            packages: { id: string; manifest_path: string; source: string | null }[];
            resolve: { nodes: { id: string; dependencies: string[] }[] } | null;
          };
          const own = canonical(join(dir, "Cargo.toml"));
          const byId = new Map(meta.packages.map((p) => [p.id, p]));
          const start = meta.packages.find((p) => canonical(p.manifest_path) === own);
          if (!start || !meta.resolve) return done([]);
          const nodes = new Map(meta.resolve.nodes.map((n) => [n.id, n]));
          const seen = new Set<string>([start.id]);
          const queue = [start.id];
          const out: string[] = [];
          while (queue.length > 0) {
            const id = queue.shift() as string;
            for (const dep of nodes.get(id)?.dependencies ?? []) {
              const p = byId.get(dep);
              if (p === undefined || p.source !== null || seen.has(dep)) continue;
              seen.add(dep);
              queue.push(dep);
              out.push(dirname(p.manifest_path));
            }
          }
          done(out);
        } catch {
          done([]);
        }
      },
    );
  });
}

/** WIT folders a crate's `wit_bindgen::generate!` calls name (`path: "..."`), resolved. */
function rustWitPaths(crate: string): string[] {
  const out: string[] = [];
  for (const file of walk(join(crate, "src"), (f) => f.endsWith(".rs"))) {
    const text = readFileSync(file, "utf8");
    if (!text.includes("generate!")) continue;
    for (const m of text.matchAll(/"([^"\n]*wit[^"\n]*)"/g)) {
      const path = resolve(crate, m[1] as string);
      if (existsSync(path)) out.push(path);
    }
  }
  return out;
}

const PACKAGE_RE = /^\s*package\s+([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)(?:@([^\s;{]+))?\s*[;{]/m;
const REF_RE =
  /\b([a-z][a-z0-9-]*):([a-z][a-z0-9-]*)\/[a-z][a-z0-9-]*(?:@([0-9][0-9A-Za-z.+-]*))?/g;

/** The `.wit` files under a folder (or the file itself), with `deps/` included. */
function witFilesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return path.endsWith(".wit") ? [path] : [];
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (
        e.isDirectory() ||
        (e.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isDirectory())
      ) {
        visit(p, depth + 1);
      } else if (e.name.endsWith(".wit")) out.push(p);
    }
  };
  visit(path, 0);
  return out;
}

/**
 * The WIT packages the components' WIT folders hold, plus the loop-kit and vendored packages
 * they refer to (`<repo>/wit`), each with the packages it uses; fills each component's `wit`.
 */
function collectWit(components: ComponentInfo[]): WitPackageInfo[] {
  const packages = new Map<string, { files: Set<string>; uses: Set<string> }>();
  const fileRefs = new Map<string, string[]>();
  const packageOfFile = (file: string): string | null => {
    const text = readFileSync(file, "utf8");
    const refs = [...text.matchAll(REF_RE)].map((m) => refId(m[1] as string, m[2] as string, m[3]));
    fileRefs.set(file, refs);
    const m = PACKAGE_RE.exec(text);
    return m === null ? null : pkgId(m[1] as string, m[2] as string, m[3]);
  };
  const add = (file: string): string | null => {
    const real = canonical(file);
    const id = packageOfFile(real);
    if (id === null) return null;
    let p = packages.get(id);
    if (p === undefined) {
      p = { files: new Set(), uses: new Set() };
      packages.set(id, p);
    }
    p.files.add(real);
    return id;
  };
  // Files of one package sit in one folder; a file without `package` belongs to its folder's.
  const addFolder = (dir: string): string[] => {
    const ids = new Set<string>();
    const byDir = new Map<string, string>();
    const files = witFilesUnder(dir).sort();
    const pending: string[] = [];
    for (const f of files) {
      const id = add(f);
      if (id !== null) {
        ids.add(id);
        byDir.set(dirname(f), id);
      } else pending.push(f);
    }
    for (const f of pending) {
      const id = byDir.get(dirname(f));
      if (id !== undefined) packages.get(id)?.files.add(canonical(f));
    }
    return [...ids];
  };

  const direct = new Map<ComponentInfo, Set<string>>();
  for (const c of components) {
    const ids = new Set<string>();
    for (const dir of witDirsOf.get(c) ?? []) for (const id of addFolder(dir)) ids.add(id);
    direct.set(c, ids);
  }
  // References to packages not found yet: look in loop-kit's own WIT (wit/NAME, wit/deps/NAME).
  const loopWit = loopWitDir();
  const catalog = new Map<string, string>();
  if (loopWit !== null) {
    for (const base of [loopWit, join(loopWit, "deps")]) {
      if (!existsSync(base)) continue;
      for (const e of readdirSync(base, { withFileTypes: true })) {
        if (!e.isDirectory() || e.name === "deps") continue;
        for (const f of witFilesUnder(join(base, e.name))) {
          const m = PACKAGE_RE.exec(readFileSync(f, "utf8"));
          if (m !== null) {
            catalog.set(pkgId(m[1] as string, m[2] as string, m[3]), join(base, e.name));
            break;
          }
        }
      }
    }
  }
  const resolveRef = (ref: string): string | undefined => {
    if (packages.has(ref)) return ref;
    for (const id of packages.keys()) if (matches(id, ref)) return id;
    for (const [id, dir] of catalog) {
      if (matches(id, ref)) {
        addFolder(dir);
        return id;
      }
    }
    return undefined;
  };
  // Close over references: every package's files' refs become `uses`.
  let changed = true;
  while (changed) {
    changed = false;
    for (const [id, p] of [...packages]) {
      for (const f of p.files) {
        for (const ref of fileRefs.get(f) ?? []) {
          const target = resolveRef(ref);
          if (target !== undefined && target !== id && !p.uses.has(target)) {
            p.uses.add(target);
            changed = true;
          }
        }
      }
    }
  }
  for (const c of components) {
    const own = direct.get(c) ?? new Set<string>();
    const all = new Set<string>(own);
    const queue = [...own];
    while (queue.length > 0) {
      const id = queue.shift() as string;
      for (const u of packages.get(id)?.uses ?? []) {
        if (!all.has(u)) {
          all.add(u);
          queue.push(u);
        }
      }
    }
    c.wit = [...all].sort();
  }
  return [...packages]
    .map(([id, p]) => ({ id, files: [...p.files].sort(), uses: [...p.uses].sort() }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

function pkgId(ns: string, name: string, version: string | undefined): string {
  return `${ns}:${name}${version ? `@${version.replace(/\.+$/, "")}` : ""}`;
}
const refId = pkgId;

/** Whether package `id` satisfies reference `ref` (a reference may leave the version out). */
function matches(id: string, ref: string): boolean {
  if (id === ref) return true;
  const [idName] = id.split("@");
  const [refName, refVersion] = ref.split("@");
  return idName === refName && refVersion === undefined;
}

/** loop-kit's WIT folder (`<repo>/wit`), found relative to this file (src/ or dist/). */
export function loopWitDir(): string | null {
  const dir = new URL("../../../wit/", import.meta.url);
  try {
    return realpathSync(dir);
  } catch {
    return null;
  }
}

/**
 * The watch graph: each component's files feed it, each WIT file feeds its package, each package
 * feeds the packages and components using it, and the manifest feeds every component.
 */
function graphEdges(
  components: ComponentInfo[],
  wit: WitPackageInfo[],
  manifest: string | null,
): Edge[] {
  const edges: Edge[] = [];
  const witFiles = new Set(wit.flatMap((p) => p.files));
  for (const p of wit) {
    for (const f of p.files) edges.push({ from: `file:${f}`, to: `wit:${p.id}` });
    for (const u of p.uses) edges.push({ from: `wit:${u}`, to: `wit:${p.id}` });
  }
  for (const c of components) {
    for (const f of c.files)
      if (!witFiles.has(f)) edges.push({ from: `file:${f}`, to: `component:${c.name}` });
    for (const id of c.wit) edges.push({ from: `wit:${id}`, to: `component:${c.name}` });
    if (manifest !== null) edges.push({ from: `file:${manifest}`, to: `component:${c.name}` });
  }
  return edges;
}

/** The smallest set of folders covering all of `dirs` (existing ones only). */
function watchRoots(dirs: string[]): string[] {
  const real = [...new Set(dirs.filter((d) => existsSync(d)).map(canonical))].sort();
  const out: string[] = [];
  for (const d of real) {
    if (!out.some((r) => d === r || d.startsWith(`${r}/`))) out.push(d);
  }
  return out;
}
