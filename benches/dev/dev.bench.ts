// `loop dev`: file saved → new code answering, per path, against a `spin watch`-style restart
// (kill, rebuild, rerun) of the same component, in the same script on the same machine.
//
//   node --import tsx benches/dev/dev.bench.ts [--runs N] [--only wasm,rust,ts] [--poll-ms N]
//
// Paths (each save is an editor-style save: a temporary file renamed over the original; the
// clock starts just before the rename and stops when the new code is observed answering):
// - wasm: a prebuilt HTTP component (`[components.web] path = "web.wasm"`) replaced by another
//   build whose answer differs, served by `loop dev`; observed by polling GET / on loopback until
//   the new body comes back. Two cases: every replacement new bytes (a custom section with a
//   counter appended, so loop-host compiles it: a fresh build), and replacements compiled before
//   (switching between two builds: loop-host's compile cache has them); with Cranelift (loop
//   dev's default: a new version reuses the previous one's unchanged functions) and, for new
//   bytes, with Winch (Wasmtime's baseline compiler, no reuse). A third case, "new build, data
//   moved": every save is a build never seen before whose answer is 16 bytes longer than the
//   last, so the data moves and every function's surroundings change (Wasmtime's function memo
//   cannot answer; patches/README.md) and only Cranelift's incremental cache helps. A complete
//   .wasm is picked up without the debounce, so there is no `--debounce 0` case.
//   Anchor: kill `loop serve web.wasm`, start it again on the new file, poll until it answers
//   (both cases).
// - rust: the same HTTP component from source (`loop component new --lang rust --world http`),
//   its response text edited in src/main.rs; `loop dev` runs cargo (the dependencies already
//   compiled) and swaps; observed by polling GET /.
//   Anchor: kill `loop serve`, `loop component build`, `loop serve` again, poll.
// - ts: the TypeScript counter (examples/counter, loop:fx), its label edited; `loop dev --json
//   --ui headless` takes the fast path (esbuild, a module in Node) and swaps keeping the count;
//   observed as the `html` event carrying the new label.
//   Anchor: `loop component build` (esbuild + componentize-js) and `loop run` of the component,
//   which prints the first render's HTML (what a restart shows: the count is lost).
// --poll-ms: the pause between two polls of a server that answered (default 1). Polling is
// load: on 2 cores, a 1 ms loop takes CPU from the compile it waits for (docs/perf.md).
// Rust projects share the checkout's target folder (CARGO_TARGET_DIR), as a user's second
// project does. The anchors get no debounce (spin watch waits 100 ms): the ratios favour them.
//
// Results: a markdown table on stdout; samples in benches/results/dev-<date>.json and
// dev-latest.json.

import { type ChildProcess, spawn } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { httpGet, withCustomSection } from "../../tests/helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const loopBin = path.join(root, "packages", "cli", "bin", "loop.js");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const RUNS = Number(arg("--runs") ?? 7);
const ONLY = (arg("--only") ?? "wasm,rust,ts").split(",");
const POLL_MS = Number(arg("--poll-ms") ?? 1);
const scratch = mkdtempSync(path.join(os.tmpdir(), "loop-dev-bench-"));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CARGO_TARGET_DIR: path.join(root, "target"),
  LOOP_CACHE_DIR: path.join(scratch, "cache"),
};
delete env.LOOP_DEBUG;

interface Sample {
  path: string;
  variant: string;
  ms: number[];
  /** 1-minute load average before the runs (the machine may be shared). */
  load: number;
}

// ---- processes ----

/** A child process with its output collected and line waiters. */
interface Proc {
  child: ChildProcess;
  out(): string;
  /** Resolves when stdout or stderr (from offset `from`) matches. */
  waitFor(re: RegExp, from?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

function start(args: string[], cwd: string): Proc {
  // A process group of its own: stopping it signals `loop` and its loop-host together, as
  // Ctrl-C in a terminal does.
  const child = spawn(process.execPath, [loopBin, ...args], {
    cwd,
    env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  let text = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    text += d.toString("utf8");
    for (const w of [...waiters]) w();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    child,
    out: () => text,
    waitFor(re, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(text.slice(from));
          if (m) {
            waiters.delete(check);
            resolve(m);
          }
        };
        waiters.add(check);
        check();
        closed.then(() => {
          if (waiters.has(check)) reject(new Error(`exited before ${re}:\n${text.slice(-3000)}`));
        });
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end();
        const group = (signal: NodeJS.Signals) => {
          try {
            process.kill(-(child.pid as number), signal);
          } catch {
            // already gone
          }
        };
        group("SIGINT");
        const t = setTimeout(() => group("SIGKILL"), 15_000);
        await closed;
        clearTimeout(t);
      }
    },
  };
}

function run(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = start(args, cwd);
    p.child.once("close", (code) =>
      code === 0
        ? resolve(p.out())
        : reject(new Error(`loop ${args.join(" ")} failed (${code}):\n${p.out()}`)),
    );
  });
}

// ---- HTTP ----

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** The body of one GET, or null when the server does not answer. */
function get(url: string): Promise<string | null> {
  return httpGet(url, agent).then(
    (r) => r.body,
    () => null,
  );
}

/** Polls `url` until its body includes `text`; resolves with performance.now() at that answer. */
async function until(url: string, text: string, timeoutMs = 120_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const body = await get(url);
    if (body?.includes(text)) return performance.now();
    if (performance.now() > deadline) throw new Error(`${url} never answered ${text}`);
    await new Promise((r) => setTimeout(r, body === null ? 5 : POLL_MS));
  }
}

// ---- files ----

/** An editor's save: a temporary file renamed over the original. */
function save(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp.${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

// ---- the Rust HTTP component ----

const MAIN = path.join("src", "main.rs");

const MAIN_RS = `// The benchmark's HTTP component: every answer is its marker.
use wstd::http::{Body, Error, Request, Response};

#[wstd::http_server]
async fn main(_request: Request<Body>) -> Result<Response<Body>, Error> {
    Ok(Response::new("MARK v0\\n".into()))
}
`;

/** Sets the marker the crate answers with (an edit of one string literal in src/main.rs). */
function setMarker(crate: string, marker: string): void {
  const file = path.join(crate, MAIN);
  const text = readFileSync(file, "utf8").replace(/"MARK [^"]*"/, `"MARK ${marker}\\n"`);
  save(file, text);
}

/** The benchmark's crate, from the Rust HTTP template, built once (dependencies compiled). */
async function rustCrate(): Promise<{ crate: string; wasm: string }> {
  await run(["component", "new", "bench-http", "--lang", "rust", "--world", "http"], scratch);
  const crate = path.join(scratch, "bench-http");
  writeFileSync(path.join(crate, MAIN), MAIN_RS);
  const out = await run(["component", "build", crate, "--json"], scratch);
  return { crate, wasm: (JSON.parse(out) as { wasm: string }).wasm };
}

async function measureWasm(crateWasm: { crate: string; wasm: string }): Promise<Sample[]> {
  const { crate } = crateWasm;
  // Two builds with different answers of the same length, then (for "data moved") one build per
  // save, each answer 16 bytes longer than the last (more than the data's alignment padding
  // absorbs, so every one of them moves the data after it).
  const build = async (marker: string) => {
    setMarker(crate, marker);
    const out = await run(["component", "build", crate, "--json"], scratch);
    return readFileSync((JSON.parse(out) as { wasm: string }).wasm);
  };
  const variants: Buffer[] = [await build("wasm-a"), await build("wasm-b")];
  const movedMarkers = Array.from(
    { length: RUNS + 2 },
    (_, i) => `wasm-m${"m".repeat(16 * (i + 1))}`,
  );
  const movedBuilds: Buffer[] = [];
  for (const marker of movedMarkers) movedBuilds.push(await build(marker));
  const app = path.join(scratch, "wasm-app");
  mkdirSync(app, { recursive: true });
  const file = path.join(app, "web.wasm");
  writeFileSync(file, variants[0] as Buffer);
  writeFileSync(path.join(app, "loop.toml"), '[components.web]\npath = "web.wasm"\n');
  const samples: Sample[] = [];
  let n = 0;
  // The next replacement: the other variant, as new bytes (Cranelift compiles it) or exactly as
  // built (compiled before: loop-host's compile cache has it, as when switching between builds).
  let m = 0;
  const next = (fresh: boolean, moved = false) => {
    if (moved) {
      const i = m++;
      return { marker: movedMarkers[i] as string, bytes: movedBuilds[i] as Buffer };
    }
    const which = (n + 1) % 2;
    n++;
    const bytes = variants[which] as Buffer;
    return {
      marker: which === 0 ? "wasm-a" : "wasm-b",
      bytes: fresh ? withCustomSection(bytes, "loop-dev-bench", `${n} ${Date.now()}`) : bytes,
    };
  };
  const cases: { fresh: boolean; compiler: "winch" | "cranelift"; moved?: boolean }[] = [
    { fresh: true, compiler: "cranelift" },
    { fresh: true, compiler: "cranelift", moved: true },
    { fresh: true, compiler: "winch" },
    { fresh: false, compiler: "cranelift" },
  ];
  for (const { fresh, compiler, moved } of cases) {
    const load = os.loadavg()[0] ?? 0;
    const dev = start(["dev", "--json", "--listen", "127.0.0.1:0", "--compiler", compiler], app);
    const url = `http://${(await dev.waitFor(/"url":"http:\/\/([^"]+)"/))[1]}/`;
    await until(url, "MARK");
    const ms: number[] = [];
    // Two warm-up swaps (loop dev's own code paths; both variants into the compile cache).
    for (let i = 0; i < RUNS + 2; i++) {
      const { marker, bytes } = next(fresh, moved);
      const t0 = performance.now();
      save(file, bytes);
      const t1 = await until(url, marker).catch((err: Error) => {
        throw new Error(`${err.message}; loop dev printed:\n${dev.out().slice(-4000)}`);
      });
      if (i >= 2) ms.push(t1 - t0);
    }
    await dev.stop();
    samples.push({
      path: "wasm",
      variant: `loop dev, ${moved ? "new build, data moved" : fresh ? "new bytes" : "compiled before"}, ${compiler}`,
      ms,
      load,
    });
  }
  // Anchor: kill and restart `loop serve` on the new file.
  for (const fresh of [true, false]) {
    const load = os.loadavg()[0] ?? 0;
    const ms: number[] = [];
    let serve = start(["serve", "--listen", "127.0.0.1:0", "web.wasm"], app);
    let url = `http://${(await serve.waitFor(/serving \S+ on http:\/\/(\S+)/))[1]}/`;
    for (let i = 0; i < RUNS; i++) {
      const { marker, bytes } = next(fresh);
      const t0 = performance.now();
      save(file, bytes);
      await serve.stop();
      serve = start(["serve", "--listen", "127.0.0.1:0", "web.wasm"], app);
      url = `http://${(await serve.waitFor(/serving \S+ on http:\/\/(\S+)/))[1]}/`;
      ms.push((await until(url, marker)) - t0);
    }
    await serve.stop();
    samples.push({
      path: "wasm",
      variant: `anchor: kill + rerun, ${fresh ? "new bytes" : "compiled before"}`,
      ms,
      load,
    });
  }
  return samples;
}

async function measureRust(crate: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  setMarker(crate, "r0");
  {
    const load = os.loadavg()[0] ?? 0;
    const dev = start(["dev", "--json", "--listen", "127.0.0.1:0", crate], scratch);
    const url = `http://${(await dev.waitFor(/"url":"http:\/\/([^"]+)"/))[1]}/`;
    await until(url, "MARK r0");
    const ms: number[] = [];
    for (let i = 1; i <= RUNS; i++) {
      const t0 = performance.now();
      setMarker(crate, `r${i}`);
      ms.push((await until(url, `MARK r${i}\n`)) - t0);
    }
    await dev.stop();
    samples.push({ path: "rust", variant: "loop dev (cargo, swap)", ms, load });
  }
  {
    const load = os.loadavg()[0] ?? 0;
    const ms: number[] = [];
    const build = async () =>
      (JSON.parse(await run(["component", "build", crate, "--json"], scratch)) as { wasm: string })
        .wasm;
    const wasm = await build();
    let serve = start(["serve", "--listen", "127.0.0.1:0", wasm], scratch);
    await serve.waitFor(/serving \S+ on http:\/\/(\S+)/);
    for (let i = 1; i <= RUNS; i++) {
      const t0 = performance.now();
      setMarker(crate, `s${i}`);
      await serve.stop();
      await build();
      serve = start(["serve", "--listen", "127.0.0.1:0", wasm], scratch);
      const url = `http://${(await serve.waitFor(/serving \S+ on http:\/\/(\S+)/))[1]}/`;
      ms.push((await until(url, `MARK s${i}\n`)) - t0);
    }
    await serve.stop();
    samples.push({ path: "rust", variant: "anchor: kill + cargo + rerun", ms, load });
  }
  return samples;
}

async function measureTs(): Promise<Sample[]> {
  const dir = path.join(scratch, "counter");
  cpSync(path.join(root, "examples", "counter"), dir, {
    recursive: true,
    filter: (src) => !/[/\\](dist|node_modules|\.loop)$/.test(src),
  });
  const source = path.join(dir, "src", "index.ts");
  const original = readFileSync(source, "utf8");
  const label = (text: string) => save(source, original.replace('h1("Counter")', `h1("${text}")`));
  const samples: Sample[] = [];
  {
    const load = os.loadavg()[0] ?? 0;
    const dev = start(["dev", "--json", "--ui", "headless"], dir);
    await dev.waitFor(/"event":"ready"/);
    const ms: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const from = dev.out().length;
      const t0 = performance.now();
      label(`Edit ${i}`);
      await dev.waitFor(new RegExp(`"event":"html","html":"[^\\n]*<h1>Edit ${i}</h1>`), from);
      if (i > 0) ms.push(performance.now() - t0);
    }
    await dev.stop();
    samples.push({ path: "ts", variant: "loop dev (fast path, swap)", ms, load });
  }
  {
    const load = os.loadavg()[0] ?? 0;
    const ms: number[] = [];
    const runs = Math.min(RUNS, 5); // componentize-js takes ~10 s a build here
    for (let i = 1; i <= runs; i++) {
      const t0 = performance.now();
      label(`Full ${i}`);
      const out = await run(["component", "build", dir, "--json"], scratch);
      const wasm = (JSON.parse(out) as { wasm: string }).wasm;
      const html = await run(["run", wasm], scratch);
      if (!html.includes(`<h1>Full ${i}</h1>`)) throw new Error(`unexpected output: ${html}`);
      ms.push(performance.now() - t0);
    }
    samples.push({ path: "ts", variant: "anchor: componentize-js + rerun", ms, load });
  }
  return samples;
}

// ---- main ----

const samples: Sample[] = [];
try {
  if (ONLY.includes("wasm") || ONLY.includes("rust")) {
    const built = await rustCrate();
    if (ONLY.includes("wasm")) samples.push(...(await measureWasm(built)));
    if (ONLY.includes("rust")) samples.push(...(await measureRust(built.crate)));
  }
  if (ONLY.includes("ts")) samples.push(...(await measureTs()));
} finally {
  agent.destroy();
  rmSync(scratch, { recursive: true, force: true });
}

const goals: Record<string, number> = { wasm: 50, rust: 2000, ts: 300 };
console.log("| path | variant | median | min | max | runs | goal | anchor ÷ loop dev |");
console.log("|---|---|---|---|---|---|---|---|");
for (const s of samples) {
  const kind = /new bytes|compiled before/.exec(s.variant)?.[0];
  const anchor = samples.find(
    (a) =>
      a.path === s.path &&
      a.variant.startsWith("anchor") &&
      (kind === undefined || a.variant.includes(kind)),
  );
  const ratio = anchor && anchor !== s ? `${(median(anchor.ms) / median(s.ms)).toFixed(1)}×` : "";
  console.log(
    `| ${s.path} | ${s.variant} | ${median(s.ms).toFixed(0)} ms | ${Math.min(...s.ms).toFixed(0)} | ${Math.max(...s.ms).toFixed(0)} | ${s.ms.length} | ${s.variant.startsWith("anchor") ? "" : `< ${goals[s.path]} ms`} | ${ratio} |`,
  );
}
const date = new Date().toISOString();
const result = {
  date,
  cores: os.cpus().length,
  pollMs: POLL_MS,
  load: os
    .loadavg()
    .slice(0, 2)
    .map((l) => Math.round(l * 100) / 100),
  samples: samples.map((s) => ({ ...s, medianMs: Math.round(median(s.ms)) })),
};
const dir = path.join(root, "benches", "results");
mkdirSync(dir, { recursive: true });
const text = `${JSON.stringify(result, null, 2)}\n`;
writeFileSync(
  path.join(dir, `dev-${date.replace(/[:.]/g, "-").replace(/-\d+Z$/, "Z")}.json`),
  text,
);
writeFileSync(path.join(dir, "dev-latest.json"), text);
