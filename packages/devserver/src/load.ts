import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { stripVTControlCharacters } from "node:util";
import type { JsProject } from "@loop-kit/build";
import {
  type Artifact,
  type ComponentInfo,
  LoadError,
  type Loaded,
  type LoadOptions,
  type Location,
  type Workspace,
  type World,
} from "./contract.js";
import { canonical } from "./scan.js";

// The default `load`: builds a component the way `loop component build` does (cargo, or esbuild
// + componentize-js), except for the TS/JS fast path: in dev mode a JS/TS guest is bundled by
// esbuild into a module that `loop dev` runs in Node against the same WIT imports (see
// js-guest.ts), so an edit never waits for componentize-js (~10 s a build on 2 cores).

/** The WIT imports the fast path provides in Node; a guest importing others is componentized. */
export const FAST_IMPORTS = [/^loop:fx\/host@/, /^wasi:logging\/logging@/];

/** Builds (or finds up to date) one component of the workspace. */
export async function loadComponent(
  workspace: Workspace,
  name: string,
  options: LoadOptions,
): Promise<Loaded> {
  const component = workspace.components.find((c) => c.name === name);
  if (component === undefined) {
    throw new LoadError({
      component: name,
      message: `the workspace has no component named ${name}`,
      output: "",
      location: null,
    });
  }
  if (component.kind === "wasm") {
    const path = component.path as string;
    if (!existsSync(path)) {
      throw new LoadError({
        component: name,
        message: `${path} does not exist (yet): build it, and loop dev picks it up`,
        output: "",
        location: null,
      });
    }
    return {
      component: name,
      artifact: { kind: "wasm", path },
      ms: 0,
      upToDate: true,
      inputs: [path],
    };
  }
  const build = await import("@loop-kit/build");
  const started = performance.now();
  const source = component.source as string;
  if (options.fast && (component.kind === "ts" || component.kind === "js")) {
    const project = await detect(build, component);
    if (project.kind !== "rust") {
      const fast = await bundleFast(component, project);
      if (fast !== null) {
        return {
          component: name,
          artifact: fast.artifact,
          ms: Math.round(performance.now() - started),
          upToDate: false,
          inputs: fast.inputs,
        };
      }
    }
  }
  let result: import("@loop-kit/build").BuildResult;
  try {
    result = await build.buildComponent(source, {
      color: false,
      env: {
        ...process.env,
        CARGO_TERM_PROGRESS_WHEN: "never",
        // rustc's incremental cache for the workspace's own crates (cargo never uses it for
        // registry dependencies, whose artifacts it reuses anyway): an edit recompiles the
        // functions it touched, not the crate. Only in dev: `loop component build` keeps
        // release builds whole, which optimise better. The user's own setting wins.
        CARGO_PROFILE_RELEASE_INCREMENTAL: process.env.CARGO_PROFILE_RELEASE_INCREMENTAL ?? "true",
      },
    });
  } catch (err) {
    throw toLoadError(name, err, source);
  }
  const inputs = component.kind === "rust" ? rustInputs(result.wasm) : component.files;
  return {
    component: name,
    artifact: { kind: "wasm", path: result.wasm },
    ms: Math.round(performance.now() - started),
    upToDate: result.upToDate,
    inputs,
  };
}

async function detect(
  build: typeof import("@loop-kit/build"),
  component: ComponentInfo,
): Promise<import("@loop-kit/build").Project> {
  try {
    return await build.detectProject(component.source as string);
  } catch (err) {
    throw toLoadError(component.name, err);
  }
}

/**
 * A BuildError (or anything thrown by a build) as a LoadError with the first error's location;
 * a relative location is made absolute against `dir` (or its parents: cargo prints paths
 * relative to its workspace) where that file exists.
 */
export function toLoadError(component: string, err: unknown, dir?: string): LoadError {
  if (err instanceof LoadError) return err;
  const e = err as { message?: unknown; output?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  const output = typeof e?.output === "string" ? e.output : "";
  const location = locate(message, output);
  if (location !== null && dir !== undefined && !isAbsolute(location.file)) {
    for (let d = dir; ; d = dirname(d)) {
      const candidate = join(d, location.file);
      if (existsSync(candidate)) {
        location.file = candidate;
        break;
      }
      if (dirname(d) === d) break;
    }
  }
  return new LoadError({ component, message, output, location });
}

/** Where the first diagnostic points: rustc's `--> file:line:col`, esbuild's `file:line:col:`. */
export function locate(message: string, output: string): Location | null {
  const text = stripVTControlCharacters(output);
  const rust = /-->\s+([^\s:]+):(\d+):(\d+)/.exec(text);
  if (rust) return { file: rust[1] as string, line: Number(rust[2]), column: Number(rust[3]) };
  const esb = /^\s+([^\s:]+\.[cm]?[jt]sx?):(\d+):(\d+):/m.exec(text);
  if (esb) return { file: esb[1] as string, line: Number(esb[2]), column: Number(esb[3]) + 1 };
  const inMessage = /\(([^()\s]+):(\d+):(\d+)\)/.exec(message);
  if (inMessage) {
    return {
      file: inMessage[1] as string,
      line: Number(inMessage[2]),
      column: Number(inMessage[3]),
    };
  }
  return null;
}

/** Placeholder for an escaped space in a dep-info line (a NUL never occurs in a path). */
const ESCAPED_SPACE = String.fromCharCode(0);

/**
 * The files a Rust build read, from the dep-info file cargo writes next to the artifact
 * (`NAME.d`: every source file, including path dependencies' and the WIT files wit-bindgen
 * includes); registry sources and the toolchain are left out (they do not change under you).
 */
export function rustInputs(wasm: string): string[] {
  const stem = basename(wasm).replace(/(\.component)?\.wasm$/, "");
  const depInfo = join(dirname(wasm), `${stem}.d`);
  if (!existsSync(depInfo)) return [];
  const text = readFileSync(depInfo, "utf8");
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const colon = line.search(/:(\s|$)/);
    if (colon < 0) continue;
    const deps = line.slice(colon + 1).replaceAll("\\ ", ESCAPED_SPACE);
    for (const raw of deps.split(/\s+/)) {
      if (raw === "") continue;
      const file = raw.replaceAll(ESCAPED_SPACE, " ");
      if (/[/\\]\.cargo[/\\]registry[/\\]|[/\\]\.rustup[/\\]|[/\\]rustlib[/\\]/.test(file))
        continue;
      out.add(canonical(file));
    }
  }
  return [...out].sort();
}

/** Where the fast path's bundle goes: `<source>/.loop/dev/<name>.cjs` (ignored by the watcher). */
function fastBundlePath(component: ComponentInfo): string {
  return join(component.source as string, ".loop", "dev", `${component.name}.cjs`);
}

/**
 * The fast path: esbuild bundles the guest into one CommonJS module whose `require` calls are
 * its WIT imports (`loop:fx/host@0.1.0`, ...), so `loop dev` can evaluate it once per instance
 * with the host's bindings passed in (the shape of jco's `instantiation` mode). Returns null when
 * the guest imports something the fast path does not provide (it is componentized instead).
 * Syntax and resolution errors are LoadErrors with esbuild's diagnostics.
 */
export async function bundleFast(
  component: ComponentInfo,
  project: JsProject,
): Promise<{ artifact: Artifact; inputs: string[] } | null> {
  const esbuild = await import("esbuild");
  let built: import("esbuild").BuildResult & { metafile: import("esbuild").Metafile };
  const out = fastBundlePath(component);
  try {
    // The same bundle as `loop component build` makes (ESM, WIT imports left external)...
    const { guestBundleOptions } = await import("@loop-kit/build");
    built = await esbuild.build({
      ...guestBundleOptions(project),
      outdir: dirname(out),
      write: false,
    });
  } catch (err) {
    const failure = err as { errors?: import("esbuild").Message[] };
    if (!Array.isArray(failure.errors)) throw toLoadError(component.name, err);
    const formatted = await esbuild.formatMessages(failure.errors, { kind: "error", color: false });
    const n = failure.errors.length;
    const first = failure.errors[0]?.location;
    const where = first ? ` (${first.file}:${first.line}:${first.column + 1})` : "";
    throw new LoadError({
      component: component.name,
      message: `${project.kind === "ts" ? "TypeScript" : "JavaScript"} build failed with ${n} error${n === 1 ? "" : "s"}${where}`,
      output: formatted.join(""),
      location: first
        ? { file: resolve(project.dir, first.file), line: first.line, column: first.column + 1 }
        : null,
    });
  }
  const inputs = Object.keys(built.metafile.inputs).map((i) => canonical(resolve(project.dir, i)));
  const output = Object.values(built.metafile.outputs)[0];
  const imports = (output?.imports ?? []).filter((i) => i.external).map((i) => i.path);
  const exports = output?.exports ?? [];
  if (!imports.every((i) => FAST_IMPORTS.some((re) => re.test(i)))) return null;
  const world: World = exports.includes("component")
    ? "fx"
    : exports.includes("incomingHandler")
      ? "http"
      : exports.includes("run")
        ? "command"
        : "unknown";
  if (world !== "fx") return null; // commands and HTTP handlers go through componentize-js
  const esm = built.outputFiles?.[0]?.text;
  if (esm === undefined) return null;
  // ...turned into CommonJS, whose `require("loop:fx/host@0.1.0")` calls take the bindings.
  const cjs = await esbuild.transform(esm, { format: "cjs", loader: "js", target: "es2022" });
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  await writeFile(tmp, cjs.code);
  await rename(tmp, out);
  return { artifact: { kind: "module", path: out, world, imports, exports }, inputs };
}
