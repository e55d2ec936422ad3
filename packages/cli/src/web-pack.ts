import { existsSync, statSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { resolve as absolute, basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildResult, WebTranspileResult } from "@loop-kit/build";
import { type ResolvedApp, resolveManifest } from "@loop-kit/host-client";
import { MANIFEST, pickComponent } from "./app.js";
import { CliError, EXIT_USAGE } from "./errors.js";
import { formatMs } from "./format.js";
import { pageCsp, pageHtml } from "./web-page.js";

// `loop pack --web`: a static folder that runs an fx app entirely in the browser. Each
// component is built (packages/build), transpiled by jco into an ES module plus core wasm
// (`transpileForWeb`), and an entry module starting @loop-kit/web-host with them is bundled by
// esbuild into app.js together with the reconciler, the DOM renderer and jco's browser WASI
// shim. index.html loads app.js; any static server serves the folder.
//
//   OUT/index.html
//   OUT/app.js                         web-host + fx + dom + shim + each component's JS glue
//   OUT/components/NAME/NAME.core*.wasm   each component's core modules, fetched at start
//   OUT/loop-web.json                  what was packed (root, components, their imports)

export interface PackOptions {
  /** Where to write (default: `dist/web` in the app's folder). */
  out?: string;
  /** The manifest to pack (default: PATH/loop.toml when present). */
  manifest?: string;
  /** The root component of a manifest app (default: app.main). */
  component?: string;
  /** Root props, JSON text (default `{}`). */
  props?: string;
  /** Rebuild and re-transpile everything. */
  force?: boolean;
  /** Progress lines go here (default: stderr). */
  onProgress?: (line: string) => void;
}

/** What `packWeb` wrote. */
export interface PackResult {
  /** The folder written. */
  out: string;
  /** The root component. */
  root: string;
  /** Every component packed, with the interfaces it imports. */
  components: { name: string; wasm: string; imports: string[] }[];
  /** Total size of the folder's files, in bytes. */
  bytes: number;
  ms: number;
}

interface Source {
  name: string;
  /** A `.wasm`, or a project folder to build. */
  wasm?: string;
  source?: string;
}

/** Where the components come from: a manifest app, a guest project, or one `.wasm` file. */
async function plan(
  path: string,
  options: PackOptions,
): Promise<{ root: string; sources: Source[]; base: string }> {
  const manifest =
    options.manifest ??
    (existsSync(path) && statSync(path).isDirectory() && existsSync(join(path, MANIFEST))
      ? join(path, MANIFEST)
      : undefined);
  if (manifest !== undefined) {
    const app: ResolvedApp = await resolveManifest(manifest);
    const main = pickComponent(manifest, app, options.component);
    const sources = app.components.map((c) =>
      c.source !== null
        ? { name: c.name, source: c.source }
        : { name: c.name, wasm: c.path as string },
    );
    return { root: main.name, sources, base: dirname(absolute(manifest)) };
  }
  if (options.component !== undefined) {
    throw new CliError("--component picks a manifest's component; PATH has no loop.toml", {
      exitCode: EXIT_USAGE,
    });
  }
  if (!existsSync(path)) throw new CliError(`no such file or folder: ${path}`);
  if (statSync(path).isDirectory()) {
    // A guest project: its name is the component's (known once built).
    return { root: "", sources: [{ name: "", source: absolute(path) }], base: absolute(path) };
  }
  if (!path.endsWith(".wasm")) {
    throw new CliError(`${path} is not a .wasm component, a guest project or an app folder`);
  }
  const name = basename(path).replace(/\.wasm$/, "");
  return { root: name, sources: [{ name, wasm: absolute(path) }], base: process.cwd() };
}

/** Builds and transpiles an fx app into a static folder for the browser. */
export async function packWeb(path: string, options: PackOptions = {}): Promise<PackResult> {
  const started = performance.now();
  const progress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const props = options.props ?? "{}";
  try {
    JSON.parse(props);
  } catch (err) {
    throw new CliError(`--props must be JSON text: ${(err as Error).message}`, {
      exitCode: EXIT_USAGE,
    });
  }
  const { root: plannedRoot, sources, base } = await plan(path, options);
  const out = absolute(options.out ?? join(base, "dist", "web"));
  const build = await import("@loop-kit/build");

  // Build what comes from source (in order: cargo and componentize-js are heavy on 2 cores).
  const wasms: { name: string; wasm: string }[] = [];
  for (const s of sources) {
    if (s.wasm !== undefined) {
      if (!existsSync(s.wasm)) throw new CliError(`no such file: ${s.wasm} (component ${s.name})`);
      wasms.push({ name: s.name, wasm: s.wasm });
      continue;
    }
    const result: BuildResult = await build.buildComponent(s.source as string, {
      force: options.force === true,
    });
    if (!result.upToDate) progress(`built ${display(result.wasm)} in ${formatMs(result.ms)}`);
    wasms.push({ name: s.name || basename(result.wasm).replace(/\.wasm$/, ""), wasm: result.wasm });
  }
  const root = plannedRoot || (wasms[0] as { name: string }).name;

  await mkdir(join(out, "components"), { recursive: true });
  // Components packed before but gone from the app go too.
  for (const old of await readdir(join(out, "components"))) {
    if (!wasms.some((w) => w.name === old))
      await rm(join(out, "components", old), { recursive: true });
  }
  const transpiled: WebTranspileResult[] = [];
  for (const w of wasms) {
    const t = await build.transpileForWeb(w.wasm, {
      name: w.name,
      outDir: join(out, "components", w.name),
      force: options.force === true,
    });
    if (!t.imports.includes("loop:fx/host") && !t.imports.some((i) => i.startsWith("loop:fx/"))) {
      // Not fatal: a component may render without ever calling its host.
      progress(`note: ${w.name} imports no loop:fx interface; is it a loop:fx component?`);
    }
    if (!t.upToDate) progress(`transpiled ${w.name} for the browser in ${formatMs(t.ms)}`);
    transpiled.push(t);
  }

  await bundleApp(out, root, props, transpiled, build.preview2ShimDir());
  await writeFile(
    join(out, "index.html"),
    pageHtml({ title: `${root} · loop`, script: "app.js", csp: pageCsp() }),
  );
  const components = transpiled.map((t, i) => ({
    name: t.name,
    wasm: (wasms[i] as { wasm: string }).wasm,
    imports: t.imports,
  }));
  await writeFile(
    join(out, "loop-web.json"),
    `${JSON.stringify({ root, props, components: components.map(({ name, imports }) => ({ name, imports })) }, null, 2)}\n`,
  );
  return { out, root, components, bytes: await folderBytes(out), ms: performance.now() - started };
}

/** Writes OUT/app.js: the entry module, bundled. */
async function bundleApp(
  out: string,
  root: string,
  props: string,
  components: readonly WebTranspileResult[],
  shimDir: string,
): Promise<void> {
  const q = JSON.stringify;
  const lines = [
    'import * as shim from "@bytecodealliance/preview2-shim";',
    'import { startWebApp } from "@loop-kit/web-host";',
    ...components.map((c, i) => `import { instantiate as c${i} } from ${q(c.module)};`),
    "const components = {",
    ...components.map(
      (c, i) =>
        `  ${q(c.name)}: { instantiate: c${i}, base: new URL(${q(`./components/${c.name}/`)}, import.meta.url), imports: ${q(c.imports)} },`,
    ),
    "};",
    // A failure to start is shown on the page (and the console) by startWebApp itself.
    `startWebApp({ container: document.getElementById("app"), root: ${q(root)}, props: ${q(props)}, components, shim }).catch(() => {});`,
  ];
  const { build } = await import("esbuild");
  try {
    await build({
      stdin: {
        contents: `${lines.join("\n")}\n`,
        // Resolved from this package, which depends on @loop-kit/web-host.
        resolveDir: fileURLToPath(new URL("..", import.meta.url)),
        sourcefile: "loop-web-entry.js",
        loader: "js",
      },
      outfile: join(out, "app.js"),
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      legalComments: "none",
      logLevel: "silent",
      // jco's glue reads core modules with node:fs under Node; the page passes its own loader.
      external: ["node:*"],
      // jco's own copy of the shim, matching the code it generated (see preview2ShimDir).
      alias: { "@bytecodealliance/preview2-shim": join(shimDir, "dist", "browser", "index.js") },
    });
  } catch (err) {
    throw new CliError(
      `could not bundle ${display(join(out, "app.js"))}: ${(err as Error).message}`,
    );
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(join(e.parentPath, e.name)).size;
  }
  return total;
}

/** A path as the user would type it from here. */
export function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") ? path : rel;
}
