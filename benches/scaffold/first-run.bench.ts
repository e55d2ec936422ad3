// Time from `loop ... new` to the first successful run, per template: what a new user waits
// through in their first five minutes.
//
//   node --import tsx benches/scaffold/first-run.bench.ts [--runs N] [--cold | --cold-only]
//        [--cold-host] [--only rust-command,ts-http,app,...]
//
// For each template, in a fresh temporary folder, through the real CLI (node packages/cli/bin/
// loop.js, as `npx loop` runs it):
// - command: `loop component new` → `loop component build` → `loop run` exits 0;
// - http: `loop component new` → `loop component build` → `loop serve --listen 127.0.0.1:0`
//   answers GET / with 200;
// - fx: `loop component new` → `loop component build` → `loop run` prints the rendered HTML;
// - app: `loop app new` → `loop component build app`, `... counter` → `loop run` prints the HTML;
// - host: `loop host new` → `loop component build guest` → `cargo build --release` → the host
//   runs the guest.
// Each step is timed; the total is wall time from the start of `new` to the first success.
//
// Scenarios:
// - warm (always): Rust projects share the checkout's target folder (CARGO_TARGET_DIR), so their
//   dependencies (wit-bindgen, wstd, serde, Wasmtime for the host) are already compiled: a user's
//   second project, or the test suite. The project's own crate still compiles.
// - cold (--cold, or --cold-only without warm; --cold-host adds the host): Rust projects use their own target/ folder, as a
//   user's very first project does: every dependency compiles (the host's Wasmtime takes many
//   minutes on 2 cores). JS/TS have no such difference and are measured warm only.
// In both, loop-host's compile cache misses on the first run (a new project is new bytes), so
// the first run includes Cranelift compiling the component (seconds for a 13 MiB JS one).
//
// Results: a markdown table on stdout, raw samples in benches/results/scaffold-first-run-*.json.

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const loopBin = path.join(root, "packages", "cli", "bin", "loop.js");

interface Step {
  name: string;
  ms: number;
}

interface Sample {
  template: string;
  scenario: "warm" | "cold";
  steps: Step[];
  totalMs: number;
  /** 1-minute load average when the sample started (the machine may be shared). */
  load: number;
}

interface Template {
  id: string;
  kind: "command" | "http" | "fx" | "app" | "host";
  newArgs: (name: string) => string[];
}

const TEMPLATES: Template[] = [
  ...(["rust", "ts", "js"] as const).flatMap((lang) =>
    (["command", "http", "fx"] as const).map((world) => ({
      id: `${lang}-${world}`,
      kind: world,
      newArgs: (name: string) => ["component", "new", name, "--lang", lang, "--world", world],
    })),
  ),
  { id: "app", kind: "app", newArgs: (name) => ["app", "new", name] },
  { id: "host-native", kind: "host", newArgs: (name) => ["host", "new", name] },
];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const runs = Number(arg("--runs") ?? 1);
const coldOnly = process.argv.includes("--cold-only");
const cold = coldOnly || process.argv.includes("--cold") || process.argv.includes("--cold-host");
const coldHost = process.argv.includes("--cold-host");
const only = arg("--only")?.split(",");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 1_800_000,
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function check(what: string, res: Ran): void {
  if (res.code !== 0) throw new Error(`${what} failed (${res.code}):\n${res.stdout}${res.stderr}`);
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

/** `loop serve` in `cwd` until GET / answers 200; then stops it. */
async function serveUntilOk(cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, [loopBin, "serve", "--listen", "127.0.0.1:0"], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        out += d;
        const m = /^serving \S+ on (http:\/\/\S+)$/m.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.once("close", (code) => reject(new Error(`loop serve exited ${code}:\n${out}${err}`)));
    });
    const status = await get(`${url}/`);
    if (status !== 200) throw new Error(`GET / answered ${status}`);
  } finally {
    child.kill("SIGTERM");
  }
}

async function measure(t: Template, scenario: "warm" | "cold", n: number): Promise<Sample> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "loop-first-run-"));
  const name = `fr-${t.id}-${scenario}-${String.fromCharCode(97 + (n % 26))}`;
  const dir = path.join(tmp, name);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (scenario === "warm") env.CARGO_TARGET_DIR = path.join(root, "target");
  else delete env.CARGO_TARGET_DIR;
  const steps: Step[] = [];
  const load = os.loadavg()[0] ?? 0;
  const start = performance.now();
  const step = async (label: string, fn: () => Promise<void>) => {
    const t0 = performance.now();
    await fn();
    steps.push({ name: label, ms: Math.round(performance.now() - t0) });
  };
  try {
    await step("new", async () =>
      check("new", await run(process.execPath, [loopBin, ...t.newArgs(name)], tmp, env)),
    );
    // The build is its own step (what `loop run` / `loop serve` would do first anyway), so
    // the table separates building from the first run, which compiles the new component
    // (loop-host's compile cache has never seen its bytes).
    const build = (folder: string, label: string) =>
      step(label, async () =>
        check(
          label,
          await run(process.execPath, [loopBin, "component", "build", folder], dir, env),
        ),
      );
    switch (t.kind) {
      case "command":
      case "fx":
        await build(".", "build");
        await step("first run", async () => {
          const res = await run(process.execPath, [loopBin, "run"], dir, env);
          check("loop run", res);
          if (res.stdout.trim() === "") throw new Error("loop run printed nothing");
        });
        break;
      case "app":
        await build("app", "build app (Rust)");
        await build("counter", "build counter (TS)");
        await step("first run", async () => {
          const res = await run(process.execPath, [loopBin, "run"], dir, env);
          check("loop run", res);
          if (res.stdout.trim() === "") throw new Error("loop run printed nothing");
        });
        break;
      case "http":
        await build(".", "build");
        await step("serve until the first 200", () => serveUntilOk(dir, env));
        break;
      case "host": {
        let wasm = "";
        await step("loop component build guest", async () => {
          const res = await run(
            process.execPath,
            [loopBin, "component", "build", "guest", "--json"],
            dir,
            env,
          );
          check("guest build", res);
          wasm = (JSON.parse(res.stdout) as { wasm: string }).wasm;
        });
        let exe = "";
        await step("cargo build --release (host)", async () => {
          const res = await run(
            "cargo",
            ["build", "--release", "--message-format=json-render-diagnostics"],
            dir,
            env,
          );
          check("host build", res);
          for (const line of res.stdout.split("\n")) {
            if (!line.startsWith("{")) continue;
            const msg = JSON.parse(line) as { reason?: string; executable?: string | null };
            if (msg.reason === "compiler-artifact" && msg.executable) exe = msg.executable;
          }
        });
        await step("host runs the guest", async () =>
          check("host run", await run(exe, [wasm], dir, env)),
        );
        break;
      }
    }
    return {
      template: t.id,
      scenario,
      steps,
      totalMs: Math.round(performance.now() - start),
      load,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function fmt(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const samples: Sample[] = [];
const load0 = os.loadavg()[0] ?? 0;
const scenarios = coldOnly
  ? (["cold"] as const)
  : cold
    ? (["warm", "cold"] as const)
    : (["warm"] as const);
for (const scenario of scenarios) {
  for (const t of TEMPLATES) {
    if (only && !only.includes(t.id)) continue;
    const rust = t.id.startsWith("rust") || t.id === "app" || t.id === "host-native";
    if (scenario === "cold" && (!rust || (t.id === "host-native" && !coldHost))) continue;
    for (let i = 0; i < runs; i++) {
      const s = await measure(t, scenario, i);
      samples.push(s);
      process.stderr.write(
        `${t.id} (${scenario}) #${i + 1}, load ${s.load.toFixed(1)}: ${fmt(s.totalMs)}  [${s.steps.map((x) => `${x.name} ${fmt(x.ms)}`).join(", ")}]\n`,
      );
    }
  }
}

const rows = new Map<string, Sample[]>();
for (const s of samples) {
  const key = `${s.template}\0${s.scenario}`;
  rows.set(key, [...(rows.get(key) ?? []), s]);
}
const out = [
  "| template | scenario | runs | load | total (median) | steps (median) |",
  "|---|---|---:|---:|---:|---|",
];
for (const [key, group] of rows) {
  const [template, scenario] = key.split("\0");
  const total = median(group.map((s) => s.totalMs));
  const names = group[0]?.steps.map((x) => x.name) ?? [];
  const stepText = names
    .map((name, i) => `${name} ${fmt(median(group.map((s) => s.steps[i]?.ms ?? 0)))}`)
    .join("; ");
  const load = median(group.map((s) => s.load)).toFixed(1);
  out.push(
    `| ${template} | ${scenario} | ${group.length} | ${load} | **${fmt(total)}** | ${stepText} |`,
  );
}
const load1 = os.loadavg()[0] ?? 0;
out.push(
  "",
  `${os.cpus().length} cores, Node ${process.version}, load average ${load0.toFixed(1)} → ${load1.toFixed(1)}, ${new Date().toISOString()}`,
);
process.stdout.write(`${out.join("\n")}\n`);

const results = path.join(root, "benches", "results");
mkdirSync(results, { recursive: true });
const stamp = new Date()
  .toISOString()
  .replace(/[:.]/g, "-")
  .replace(/-\d+Z$/, "Z");
const json = JSON.stringify(
  { date: new Date().toISOString(), cores: os.cpus().length, load: [load0, load1], samples },
  null,
  2,
);
writeFileSync(path.join(results, `scaffold-first-run-${stamp}.json`), json);
writeFileSync(path.join(results, "scaffold-first-run-latest.json"), json);
