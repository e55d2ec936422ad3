import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsProject } from "./detect.js";
import { displayPath } from "./detect.js";
import { BuildError } from "./errors.js";
import type { BuildOptions, BuildResult } from "./types.js";
import { assembleWit, planWit } from "./wit.js";

/**
 * JS/TS guest: bundle the entry with esbuild into one ES module (`dist/<name>.js`), then turn it
 * into a component with componentize-js against an assembled WIT folder. componentize-js is
 * skipped when the component is newer than every input.
 */
export async function buildJs(project: JsProject, options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const color = options.color ?? Boolean(process.stderr.isTTY);

  progress({ step: "bundle", message: `bundling ${displayPath(project.entry)}` });
  const bundleInputs = await bundle(project, color);

  const plan = planWit(project.wit);
  const inputs = [
    ...bundleInputs,
    project.packageJson,
    ...plan.rootFiles,
    ...plan.deps.filter((p) => p.source !== "wasi").flatMap((p) => p.files),
  ];

  if (!options.force && isNewerThanAll(project.out, inputs)) {
    return result(project, started, true);
  }

  progress({ step: "wit", message: "assembling WIT" });
  const witDir = await assembleWit(plan);
  try {
    progress({ step: "componentize", message: "componentizing with componentize-js" });
    await mkdir(dirname(project.out), { recursive: true });
    const tmp = `${project.out}.${process.pid}.tmp`;
    try {
      await componentize(project, witDir, tmp);
      await rename(tmp, project.out);
    } finally {
      await rm(tmp, { force: true });
    }
  } finally {
    await rm(witDir, { recursive: true, force: true });
  }
  return result(project, started, false);
}

async function result(project: JsProject, started: number, upToDate: boolean) {
  const { size } = await stat(project.out);
  return {
    kind: project.kind,
    wasm: project.out,
    bytes: size,
    ms: Math.round(performance.now() - started),
    upToDate,
  } satisfies BuildResult;
}

/**
 * esbuild's options for a JS/TS guest's bundle (ESM, the WIT imports left external), shared by
 * `loop component build` and `loop dev`'s fast path so both bundle the same code; the caller
 * adds where it goes.
 */
export function guestBundleOptions(project: JsProject) {
  return {
    absWorkingDir: project.dir,
    entryPoints: [project.entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // `source` lets in-repo packages (the SDK) be bundled from their TypeScript sources.
    conditions: ["source"],
    mainFields: ["module", "main"],
    external: ["wasi:*", "loop:*"],
    // Guests outside this workspace still find @loop-kit/sdk: it comes with the toolchain.
    nodePaths: toolchainNodePaths(),
    metafile: true,
    logLevel: "silent",
    legalComments: "none",
  } satisfies import("esbuild").BuildOptions;
}

/** Bundles the entry; returns the absolute paths of every input file esbuild read. */
async function bundle(project: JsProject, color: boolean): Promise<string[]> {
  const esbuild = await import("esbuild");
  try {
    const built = await esbuild.build({
      ...guestBundleOptions(project),
      outfile: project.bundle,
      write: true,
    });
    return Object.keys(built.metafile.inputs).map((input) => resolve(project.dir, input));
  } catch (err) {
    const failure = err as { errors?: import("esbuild").Message[] };
    if (!Array.isArray(failure.errors)) throw err;
    const formatted = await esbuild.formatMessages(failure.errors, {
      kind: "error",
      color,
      terminalWidth: process.stderr.columns,
    });
    const n = failure.errors.length;
    const first = failure.errors[0]?.location;
    const where = first ? ` (${first.file}:${first.line}:${first.column + 1})` : "";
    throw new BuildError(
      `${project.kind === "ts" ? "TypeScript" : "JavaScript"} build failed with ${n} error${n === 1 ? "" : "s"}${where}`,
      { code: "compile", tool: "esbuild", output: formatted.join(""), cause: err },
    );
  }
}

/**
 * Runs componentize-js in a child Node process: its wizer step blocks with `spawnSync` for most
 * of the build, which would freeze the progress display; the child also gets the bundle's folder
 * as its working directory (componentize-js maps the source relative to it and mishandles some
 * layouts otherwise) and keeps anything the guest prints at initialisation off our stdout.
 */
async function componentize(project: JsProject, witDir: string, out: string): Promise<void> {
  const request = {
    module: import.meta.resolve("@bytecodealliance/componentize-js"),
    out,
    options: {
      sourcePath: project.bundle,
      witPath: witDir,
      ...(project.world === undefined ? {} : { worldName: project.world }),
    },
  };
  const { code, stdout, stderr } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
  }>((resolveRun, reject) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "-e", COMPONENTIZE_SCRIPT, "--", JSON.stringify(request)],
      { cwd: dirname(project.bundle), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.once("error", reject);
    child.once("close", (c) => resolveRun({ code: c, stdout, stderr }));
  });
  if (code !== 0) {
    const text = [stderr.trim(), stdout.trim()].filter((t) => t !== "").join("\n");
    const where = relative(process.cwd(), project.bundle) || project.bundle;
    throw new BuildError(`componentize-js could not build ${where}: ${summaryLine(text)}`, {
      code: "componentize",
      tool: "componentize-js",
      output: text,
    });
  }
}

/** The child's program: argv[1] is the JSON request; errors go to stderr as plain text. */
const COMPONENTIZE_SCRIPT = `
import { writeFile } from "node:fs/promises";
const request = JSON.parse(process.argv[1]);
try {
  const { componentize } = await import(request.module);
  const { component } = await componentize(request.options);
  await writeFile(request.out, component);
} catch (err) {
  process.stderr.write(String(err && err.message ? err.message : err) + "\\n");
  process.exit(1);
}
`;

/** The `node_modules` folders above this package, where the toolchain's own packages live. */
function toolchainNodePaths(): string[] {
  const paths: string[] = [];
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "node_modules");
    if (existsSync(candidate)) paths.push(candidate);
    const up = dirname(dir);
    if (up === dir) return paths;
    dir = up;
  }
}

/** The line of componentize-js's output that says what went wrong: the JS error if any. */
function summaryLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const jsError = lines.find((l) => /\b[A-Za-z]*Error: /.test(l));
  return (jsError ?? lines[0] ?? "unknown error").replace(/^Error: /, "");
}

function isNewerThanAll(output: string, inputs: readonly string[]): boolean {
  if (!existsSync(output)) return false;
  const out = statSync(output).mtimeMs;
  for (const input of inputs) {
    const s = statSync(input, { throwIfNoEntry: false });
    if (s === undefined || s.mtimeMs >= out) return false;
  }
  return true;
}
