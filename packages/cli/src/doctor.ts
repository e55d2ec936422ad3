import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { findLoopHost, LoopHostNotFoundError } from "@loop-kit/host-client";

// `loop doctor`: every piece of the tool chain loop needs, checked the way loop itself uses it,
// each missing piece with the exact command that fixes it.

/** The oldest Node.js loop supports (package.json `engines`). */
export const MIN_NODE = [20, 10] as const;

/** One check's outcome. */
export interface CheckResult {
  /** Stable id, e.g. `node`, `rust-target`. */
  id: string;
  /** The piece, as printed: `node`, `wasm32-wasip2 target`. */
  name: string;
  /** Whether loop needs it (a missing required piece makes `loop doctor` exit 1). */
  required: boolean;
  ok: boolean;
  /** What was found (when ok), or what is wrong. */
  detail: string;
  /** The exact command that fixes it (when not ok). */
  fix?: string;
  /** Extra facts for `--json` (the GPU adapter's name, backend and kind). */
  data?: Record<string, unknown>;
}

/** Where the checks look. */
export interface DoctorContext {
  /** The loop-kit checkout (its rust-toolchain.toml pins the toolchain; its npm packages). */
  root: string;
  env: NodeJS.ProcessEnv;
}

/** Runs every check, required ones first. */
export async function runChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  return [
    checkNode(ctx),
    checkNpm(ctx),
    ...checkRust(ctx),
    ...checkNodePackages(ctx),
    checkLoopHost(ctx),
    await checkCacheDir(ctx),
    ...checkGfx(ctx),
    ...checkOptional(ctx),
  ];
}

// ---------------------------------------------------------------- helpers

/** The first runnable `command` on the PATH of `env`. */
export function which(command: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

interface Ran {
  ok: boolean;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], ctx: DoctorContext, cwd = ctx.root): Ran {
  const res = spawnSync(command, args, {
    cwd,
    env: ctx.env,
    encoding: "utf8",
    timeout: 30_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return {
    ok: res.error === undefined && res.status === 0,
    stdout: res.stdout ?? "",
    stderr: res.stderr ?? (res.error ? String(res.error.message) : ""),
  };
}

/** `sudo ` unless running as root. */
function sudo(): string {
  return process.getuid?.() === 0 ? "" : "sudo ";
}

function aptInstall(...packages: string[]): string {
  return `${sudo()}apt-get install -y ${packages.join(" ")}`;
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .at(-1) ?? ""
  );
}

function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version
    .replace(/^v/, "")
    .split(".")
    .map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const have = parts[i] ?? 0;
    const want = min[i] ?? 0;
    if (have !== want) return have > want;
  }
  return true;
}

function ok(id: string, name: string, detail: string, required = true): CheckResult {
  return { id, name, required, ok: true, detail };
}

function missing(
  id: string,
  name: string,
  detail: string,
  fix: string,
  required = true,
): CheckResult {
  return { id, name, required, ok: false, detail, fix };
}

// ---------------------------------------------------------------- node and npm

const MIN_NODE_TEXT = MIN_NODE.join(".");

/** `export PATH=...` with the folder of the Node running this, when it is recent enough. */
function pathFixFor(command: string): string | undefined {
  const dir = dirname(process.execPath);
  if (!versionAtLeast(process.versions.node, MIN_NODE)) return undefined;
  if (!existsSync(join(dir, command))) return undefined;
  return `export PATH="${dir}:$PATH"`;
}

const INSTALL_NODE =
  "curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs";

function checkNode(ctx: DoctorContext): CheckResult {
  const node = which("node", ctx.env);
  if (node === undefined) {
    return missing("node", "node", "not on PATH", pathFixFor("node") ?? INSTALL_NODE);
  }
  const res = run(node, ["--version"], ctx);
  const version = res.stdout.trim();
  if (!res.ok || !versionAtLeast(version, MIN_NODE)) {
    return missing(
      "node",
      "node",
      `${version || "unknown version"} at ${node}; loop needs ${MIN_NODE_TEXT} or newer`,
      INSTALL_NODE,
    );
  }
  return ok("node", "node", `${version.replace(/^v/, "")} (${node})`);
}

function checkNpm(ctx: DoctorContext): CheckResult {
  const npm = which("npm", ctx.env);
  if (npm === undefined) {
    return missing("npm", "npm", "not on PATH", pathFixFor("npm") ?? aptInstall("npm"));
  }
  const res = run(npm, ["--version"], ctx);
  return ok("npm", "npm", `${res.stdout.trim() || "unknown version"} (${npm})`);
}

// ---------------------------------------------------------------- Rust

/** The toolchain the checkout pins (rust-toolchain.toml), if any. */
function pinnedChannel(root: string): string | undefined {
  try {
    const text = readFileSync(join(root, "rust-toolchain.toml"), "utf8");
    return /^\s*channel\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/** Debian's route: rustc-web, cargo-web, rust-web-src and lld-19 (see docs/building.md). */
function debianRoute(ctx: DoctorContext): { complete: boolean; absent: string[] } {
  const absent: string[] = [];
  if (!existsSync("/usr/bin/rustc")) absent.push("rustc-web");
  if (!existsSync("/usr/bin/cargo")) absent.push("cargo-web");
  if (!existsSync("/usr/lib/rustlib/src/rust/library")) absent.push("rust-web-src");
  if (which("wasm-ld-19", ctx.env) === undefined && which("wasm-ld", ctx.env) === undefined) {
    absent.push("lld-19");
  }
  return { complete: absent.length === 0, absent };
}

const INSTALL_RUSTUP =
  "curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --default-toolchain none";

function checkRust(ctx: DoctorContext): CheckResult[] {
  const channel = pinnedChannel(ctx.root);
  const toolchain = channel ?? "stable";
  const installToolchain = `cd ${ctx.root} && rustup toolchain install`;
  const rustup = which("rustup", ctx.env);
  const debian = debianRoute(ctx);
  const debianOk = ok(
    "rust-target",
    "rust (Debian route)",
    "no rustup; rustc-web, cargo-web, rust-web-src and wasm-ld-19 (LOOP_RUST_ROUTE=debian, not verified on loop-kit's machines)",
  );

  if (rustup === undefined) {
    if (debian.complete) return [debianOk];
    return [
      missing(
        "rust-target",
        "rust",
        `neither rustup nor Debian's route is installed (that route: ${aptInstall("rustc-web", "cargo-web", "rust-web-src", "lld-19")})`,
        `${INSTALL_RUSTUP} && . "$HOME/.cargo/env" && ${installToolchain}`,
      ),
    ];
  }

  const targets = run(rustup, ["target", "list", "--installed"], ctx);
  if (!targets.ok) {
    // Most often: the pinned toolchain is not installed (RUSTUP_AUTO_INSTALL=0).
    return [
      missing(
        "rust-toolchain",
        `rust toolchain ${toolchain}`,
        lastLine(targets.stderr) || "rustup could not list the installed targets",
        installToolchain,
      ),
    ];
  }
  const installed = new Set(targets.stdout.split("\n").map((t) => t.trim()));
  const results: CheckResult[] = [ok("rust-toolchain", `rust toolchain ${toolchain}`, "rustup")];
  const wasip2 = installed.has("wasm32-wasip2");
  const wasip1 = installed.has("wasm32-wasip1");
  if (wasip2) {
    results.push(ok("rust-target", "wasm32-wasip2 target", "components straight from cargo"));
  } else if (wasip1) {
    results.push(
      ok(
        "rust-target",
        "wasm32-wasip1 target",
        "no wasm32-wasip2: modules wrapped by jco's adapter",
      ),
    );
  } else if (debian.complete) {
    results.push(debianOk);
  } else {
    results.push(
      missing(
        "rust-target",
        "wasm32-wasip2 target",
        `not installed for ${toolchain}`,
        `rustup target add --toolchain ${toolchain} wasm32-wasip2 wasm32-wasip1`,
      ),
    );
  }

  const cargo = run("cargo", ["--version"], ctx);
  results.push(
    cargo.ok
      ? ok("cargo", "cargo", cargo.stdout.trim())
      : missing(
          "cargo",
          "cargo",
          lastLine(cargo.stderr) || "not found",
          `rustup component add --toolchain ${toolchain} cargo`,
        ),
  );

  if (wasip2 || wasip1) results.push(checkLinkers(ctx, toolchain, wasip2));
  return results;
}

/** The linkers rustc uses for wasm: rust-lld (both targets), wasm-component-ld (wasip2). */
function checkLinkers(ctx: DoctorContext, toolchain: string, wasip2: boolean): CheckResult {
  const sysroot = run("rustc", ["--print", "sysroot"], ctx);
  const info = run("rustc", ["-vV"], ctx);
  const host = /^host:\s*(\S+)/m.exec(info.stdout)?.[1];
  const reinstall = `rustup toolchain uninstall ${toolchain} && cd ${ctx.root} && rustup toolchain install`;
  if (!sysroot.ok || host === undefined) {
    return missing(
      "linker",
      "wasm linkers",
      lastLine(sysroot.stderr || info.stderr) || "rustc did not run",
      reinstall,
    );
  }
  const bin = join(sysroot.stdout.trim(), "lib", "rustlib", host, "bin");
  const wanted = wasip2 ? ["rust-lld", "wasm-component-ld"] : ["rust-lld"];
  const absent = wanted.filter((tool) => !existsSync(join(bin, tool)));
  if (absent.length > 0) {
    return missing("linker", "wasm linkers", `${absent.join(", ")} missing in ${bin}`, reinstall);
  }
  return ok("linker", "wasm linkers", `${wanted.join(", ")} (${bin})`);
}

// ---------------------------------------------------------------- npm packages

/** The folder of an installed package, found the way Node resolves it from `from`. */
function packageDir(name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, "node_modules", ...name.split("/"));
    if (existsSync(join(candidate, "package.json"))) return candidate;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function packageVersion(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version?: string })
      .version;
  } catch {
    return undefined;
  }
}

/** The versions @loop-kit/build pins (its package.json dependencies). */
function buildPins(root: string): Record<string, string> {
  try {
    const pkg = JSON.parse(readFileSync(join(root, "packages", "build", "package.json"), "utf8"));
    return (pkg as { dependencies?: Record<string, string> }).dependencies ?? {};
  } catch {
    return {};
  }
}

function checkNodePackages(ctx: DoctorContext): CheckResult[] {
  const from = join(ctx.root, "packages", "build");
  const pins = buildPins(ctx.root);
  const reinstall = `cd ${ctx.root} && npm ci`;
  const check = (id: string, name: string, why: string, resolveFrom = from): CheckResult => {
    const dir = packageDir(name, resolveFrom);
    const pin = pins[name];
    if (dir === undefined) return missing(id, name, `not installed (${why})`, reinstall);
    const version = packageVersion(dir) ?? "unknown";
    if (pin !== undefined && /^\d/.test(pin) && pin !== version) {
      return missing(id, name, `${version} installed, loop needs ${pin} (${why})`, reinstall);
    }
    return ok(id, name, `${version} (${why})`);
  };
  const componentize = check(
    "componentize-js",
    "@bytecodealliance/componentize-js",
    "JS/TS guests",
  );
  const results = [componentize];
  // componentize-js loads preview2-shim at run time; any other version than the pin breaks every
  // build with `os error 44` (docs/building.md).
  const componentizeDir = packageDir("@bytecodealliance/componentize-js", from);
  if (componentizeDir !== undefined) {
    results.push(
      check(
        "preview2-shim",
        "@bytecodealliance/preview2-shim",
        "what componentize-js loads",
        componentizeDir,
      ),
    );
  }
  results.push(
    check("jco", "@bytecodealliance/jco", "WASI WIT, the preview-1 adapter"),
    check("esbuild", "esbuild", "bundles JS/TS guests"),
  );
  return results;
}

// ---------------------------------------------------------------- loop-host and its cache

function checkLoopHost(ctx: DoctorContext): CheckResult {
  let bin: string;
  try {
    bin = findLoopHost({ env: ctx.env });
  } catch (err) {
    if (!(err instanceof LoopHostNotFoundError)) throw err;
    const fix = ctx.env.LOOP_HOST
      ? "unset LOOP_HOST"
      : `cd ${ctx.root} && cargo build --release -p loop-host`;
    return missing("loop-host", "loop-host", ctx.env.LOOP_HOST ? err.message : "not built", fix);
  }
  const res = run(bin, ["--version"], ctx);
  if (!res.ok) {
    return missing(
      "loop-host",
      "loop-host",
      `${bin} does not run: ${lastLine(res.stderr) || "no output"}`,
      `cd ${ctx.root} && cargo build --release -p loop-host`,
    );
  }
  return ok("loop-host", "loop-host", `${res.stdout.trim()} (${bin})`);
}

/** The compile cache loop-host uses: `$LOOP_CACHE_DIR`, else `~/.cache/loop-kit/compiled`. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.LOOP_CACHE_DIR) return env.LOOP_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(base, "loop-kit", "compiled");
}

async function checkCacheDir(ctx: DoctorContext): Promise<CheckResult> {
  const dir = cacheDir(ctx.env);
  const probe = join(dir, `.loop-doctor-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, "");
    await rm(probe);
    return ok("cache-dir", "compile cache", `${dir} (writable)`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const fix = ctx.env.LOOP_CACHE_DIR
      ? `export LOOP_CACHE_DIR="$HOME/.cache/loop-kit/compiled"`
      : `mkdir -p ${dir} && chmod u+rwx ${dir}`;
    return missing("cache-dir", "compile cache", `${dir} is not writable (${code})`, fix);
  }
}

// ---------------------------------------------------------------- optional

function checkOptional(ctx: DoctorContext): CheckResult[] {
  const tool = (id: string, names: string[], why: string, pkg: string): CheckResult => {
    for (const name of names) {
      const found = which(name, ctx.env);
      if (found !== undefined) return ok(id, id, `${found} (${why})`, false);
    }
    return missing(id, id, `optional: ${why}`, aptInstall(pkg), false);
  };
  const cli = join(ctx.root, "packages", "cli", "bin", "loop.js");
  const loop = which("loop", ctx.env);
  return [
    loop !== undefined
      ? ok("loop", "loop on PATH", loop, false)
      : missing(
          "loop",
          "loop on PATH",
          "optional: to type `loop` in any folder; `npx loop` works only in the checkout",
          `${sudo()}ln -s ${cli} /usr/local/bin/loop`,
          false,
        ),
    tool("hyperfine", ["hyperfine"], "start-up benchmarks", "hyperfine"),
    tool("wrk", ["wrk"], "HTTP benchmarks", "wrk"),
    tool("chromium", ["chromium", "chromium-browser"], "browser tests", "chromium"),
  ];
}

/** What `loop-host doctor --json` reports about native windows and the GPU. */
interface HostGfxReport {
  display: { ok: boolean; name?: string; error?: string };
  gpu: {
    ok: boolean;
    name?: string;
    backend?: string;
    kind?: string;
    driver?: string;
    error?: string;
  };
}

/**
 * The display native windows open on and the GPU adapter WebGPU components get, as loop-host
 * itself finds them (`loop-host doctor --json`). Optional: only components that import wasi-gfx
 * need them.
 */
function checkGfx(ctx: DoctorContext): CheckResult[] {
  let bin: string;
  try {
    bin = findLoopHost({ env: ctx.env });
  } catch {
    return []; // the loop-host check already says how to build it
  }
  const res = run(bin, ["doctor", "--json"], ctx);
  let report: HostGfxReport;
  try {
    report = JSON.parse(res.stdout) as HostGfxReport;
  } catch {
    const why = lastLine(res.stderr) || "no output";
    return [
      missing(
        "display",
        "display and GPU",
        `loop-host doctor failed: ${why}`,
        `cd ${ctx.root} && cargo build --release -p loop-host`,
        false,
      ),
    ];
  }
  const { display, gpu } = report;
  const displayCheck = display.ok
    ? ok("display", "display", display.name ?? "", false)
    : missing(
        "display",
        "display",
        display.error ?? "none",
        `run inside a desktop session, or under a virtual display: ${aptInstall("xvfb", "xauth")} && xvfb-run -a loop run app.wasm`,
        false,
      );
  const kind = gpu.kind === "software" ? "software renderer" : (gpu.kind ?? "");
  const gpuCheck = gpu.ok
    ? {
        ...ok(
          "gpu",
          "gpu",
          `${gpu.name} (${gpu.backend}, ${kind}${gpu.driver ? `; ${gpu.driver}` : ""})`,
          false,
        ),
        data: { name: gpu.name, backend: gpu.backend, kind: gpu.kind, driver: gpu.driver },
      }
    : missing(
        "gpu",
        "gpu",
        gpu.error ?? "none",
        aptInstall("mesa-vulkan-drivers", "libvulkan1"),
        false,
      );
  return [displayCheck, gpuCheck];
}
