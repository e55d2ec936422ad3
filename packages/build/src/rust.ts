import { spawn } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import { readFile, rename, stat, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { displayPath, type RustProject } from "./detect.js";
import { BuildError } from "./errors.js";
import type { BuildOptions, BuildResult } from "./types.js";

/** How a Rust guest gets built, best first. */
type Route =
  | { kind: "wasip2" }
  | { kind: "wasip1" }
  | { kind: "debian"; cargo: string; rustc: string; linker: string };

const ADD_TARGET = "rustup target add wasm32-wasip2";

/**
 * Rust guest: `cargo build --release --target wasm32-wasip2` gives a component directly. Without
 * that target, build `wasm32-wasip1` and adapt the core module with jco's preview1 adapter;
 * without any rustup wasm target, try Debian's `rustc-web` with `-Zbuild-std`.
 */
export async function buildRust(project: RustProject, options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const env = options.env ?? process.env;
  const color = options.color ?? Boolean(process.stderr.isTTY);

  progress({ step: "toolchain", message: "checking the Rust toolchain" });
  const forced = options.rustRoute ?? env.LOOP_RUST_ROUTE;
  const route = forced ? forceRoute(forced, env) : await chooseRoute(project.dir, env);

  const target = route.kind === "wasip2" ? "wasm32-wasip2" : "wasm32-wasip1";
  progress({ step: "compile", message: `cargo build --target ${target}` });
  const artifact = await cargoBuild(project, route, target, { env, color, progress });

  if (route.kind === "wasip2") {
    return result(artifact.path, started, artifact.fresh);
  }

  // A core module: wrap it in a component with the preview1 adapter.
  const out = artifact.path.replace(/\.wasm$/, ".component.wasm");
  if (artifact.fresh && !options.force && isNewer(out, artifact.path)) {
    return result(out, started, true);
  }
  progress({ step: "adapt", message: "componentizing with the WASI preview1 adapter" });
  await adapt(artifact.path, out, artifact.isCommand);
  return result(out, started, false);
}

async function result(wasm: string, started: number, upToDate: boolean): Promise<BuildResult> {
  const { size } = await stat(wasm);
  return {
    kind: "rust",
    wasm,
    bytes: size,
    ms: Math.round(performance.now() - started),
    upToDate,
  };
}

async function chooseRoute(dir: string, env: NodeJS.ProcessEnv): Promise<Route> {
  const rustup = await run("rustup", ["target", "list", "--installed"], { cwd: dir, env });
  if (rustup.spawnError === undefined) {
    if (rustup.code !== 0) {
      throw new BuildError(
        `rustup could not list the installed targets: ${lastLine(rustup.stderr)} (for a pinned toolchain run \`rustup toolchain install\` in ${displayPath(dir)})`,
        { code: "toolchain", tool: "rustup", output: rustup.stderr },
      );
    }
    const targets = rustup.stdout.split("\n").map((t) => t.trim());
    if (targets.includes("wasm32-wasip2")) return { kind: "wasip2" };
    if (targets.includes("wasm32-wasip1")) return { kind: "wasip1" };
  }

  const debian = findDebianRoute(env);
  if (debian !== undefined) return debian;

  if (rustup.spawnError !== undefined) {
    throw new BuildError(
      `no Rust toolchain for WebAssembly: install rustup (https://rustup.rs) and run \`${ADD_TARGET}\`, or on Debian \`apt-get install rustc-web cargo-web rust-web-src lld-19\``,
      { code: "toolchain" },
    );
  }
  throw new BuildError(`no Rust WebAssembly target is installed: run \`${ADD_TARGET}\``, {
    code: "toolchain",
  });
}

function forceRoute(name: string, env: NodeJS.ProcessEnv): Route {
  if (name === "wasip2" || name === "wasip1") return { kind: name };
  if (name === "debian") {
    const debian = findDebianRoute(env);
    if (debian) return debian;
    throw new BuildError(
      "the Debian Rust route needs /usr/bin/rustc and /usr/bin/cargo (rustc-web, cargo-web), the std sources (rust-web-src) and wasm-ld-19 (lld-19)",
      { code: "toolchain" },
    );
  }
  throw new BuildError(
    `unknown Rust route "${name}" (from LOOP_RUST_ROUTE): use wasip2, wasip1 or debian`,
    { code: "config" },
  );
}

/** Debian's rustc-web/cargo-web put rustc and cargo in /usr/bin; wasm-ld-19 comes with lld-19. */
function findDebianRoute(env: NodeJS.ProcessEnv): Route | undefined {
  const rustc = "/usr/bin/rustc";
  const cargo = "/usr/bin/cargo";
  const src = "/usr/lib/rustlib/src/rust/library";
  const linker = onPath("wasm-ld-19", env) ?? onPath("wasm-ld", env);
  if (existsSync(rustc) && existsSync(cargo) && existsSync(src) && linker !== undefined) {
    return { kind: "debian", cargo, rustc, linker };
  }
  return undefined;
}

interface Artifact {
  path: string;
  fresh: boolean;
  isCommand: boolean;
}

async function cargoBuild(
  project: RustProject,
  route: Route,
  target: string,
  ctx: {
    env: NodeJS.ProcessEnv;
    color: boolean;
    progress: NonNullable<BuildOptions["onProgress"]>;
  },
): Promise<Artifact> {
  const args = [
    "build",
    "--release",
    "--target",
    target,
    "--message-format=json-render-diagnostics",
    "--manifest-path",
    project.manifest,
  ];
  const env: NodeJS.ProcessEnv = { ...ctx.env, CARGO_TERM_COLOR: ctx.color ? "always" : "never" };
  let cargo = "cargo";
  if (route.kind === "debian") {
    cargo = route.cargo;
    args.push("-Zbuild-std=std,panic_abort");
    env.RUSTC = route.rustc;
    env.RUSTC_BOOTSTRAP = "1";
    env.CARGO_TARGET_WASM32_WASIP1_LINKER = route.linker;
  }

  const manifest = realpathSync(project.manifest);
  const artifacts: Artifact[] = [];
  // cargo runs from the project folder so that rustup picks up its rust-toolchain.toml.
  const res = await run(cargo, args, {
    cwd: project.dir,
    env,
    onStdoutLine(line) {
      let msg: CargoMessage;
      try {
        msg = JSON.parse(line) as CargoMessage;
      } catch {
        return;
      }
      if (msg.reason !== "compiler-artifact") return;
      const kinds = msg.target?.kind ?? [];
      const ours = msg.manifest_path !== undefined && samePath(msg.manifest_path, manifest);
      if (!ours) {
        if (!msg.fresh && msg.target?.name) {
          ctx.progress({ step: "compile", message: `compiling ${msg.target.name}` });
        }
        return;
      }
      if (!kinds.includes("bin") && !kinds.includes("cdylib")) return;
      const wasm = (msg.filenames ?? []).find((f) => f.endsWith(".wasm"));
      if (wasm) {
        artifacts.push({ path: wasm, fresh: msg.fresh === true, isCommand: kinds.includes("bin") });
      }
    },
  });

  if (res.spawnError !== undefined) {
    throw new BuildError(`cannot run ${cargo}: ${res.spawnError.message}`, {
      code: "toolchain",
      tool: "cargo",
    });
  }
  if (res.code !== 0) {
    const summary = stripVTControlCharacters(res.stderr)
      .split("\n")
      .reverse()
      .find((l) => l.startsWith("error: could not compile"));
    throw new BuildError(
      `cargo build failed for ${displayPath(project.dir)}${summary ? `: ${summary.slice("error: ".length)}` : ""}`,
      { code: "compile", tool: "cargo", output: res.stderr },
    );
  }
  const artifact = artifacts[0];
  if (artifact === undefined) {
    throw new BuildError(
      `cargo built no .wasm for ${displayPath(project.dir)}: the crate needs a [[bin]] (a command) or a cdylib (a library component)`,
      { code: "config", tool: "cargo", output: res.stderr },
    );
  }
  return artifact;
}

interface CargoMessage {
  reason?: string;
  manifest_path?: string;
  fresh?: boolean;
  filenames?: string[];
  target?: { kind?: string[]; name?: string };
}

async function adapt(core: string, out: string, isCommand: boolean): Promise<void> {
  const jco = await import("@bytecodealliance/jco");
  const adapterUrl = isCommand
    ? jco.preview1AdapterCommandPath()
    : jco.preview1AdapterReactorPath();
  try {
    const component = await jco.componentNew(await readFile(core), [
      ["wasi_snapshot_preview1", await readFile(fileURLToPath(adapterUrl))],
    ]);
    const tmp = `${out}.${process.pid}.tmp`;
    await writeFile(tmp, component);
    await rename(tmp, out);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    throw new BuildError(`jco could not componentize ${displayPath(core)}: ${lastLine(text)}`, {
      code: "componentize",
      tool: "jco",
      output: text,
      cause: err,
    });
  }
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError: Error | undefined;
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; onStdoutLine?: (line: string) => void },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      if (opts.onStdoutLine === undefined) {
        stdout += chunk;
        return;
      }
      pending += chunk;
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        opts.onStdoutLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        nl = pending.indexOf("\n");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.once("error", (err) => resolve({ code: null, stdout, stderr, spawnError: err }));
    child.once("close", (code) => {
      if (pending !== "" && opts.onStdoutLine) opts.onStdoutLine(pending);
      resolve({ code, stdout, stderr, spawnError: undefined });
    });
  });
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function samePath(a: string, realB: string): boolean {
  try {
    return realpathSync(a) === realB;
  } catch {
    return false;
  }
}

function isNewer(output: string, input: string): boolean {
  const o = statSync(output, { throwIfNoEntry: false });
  const i = statSync(input, { throwIfNoEntry: false });
  return o !== undefined && i !== undefined && o.mtimeMs > i.mtimeMs;
}

function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return lines[lines.length - 1] ?? "unknown error";
}
