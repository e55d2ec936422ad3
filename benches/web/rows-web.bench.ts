// js-framework-benchmark's row-table operations in Chromium: loop:fx in-browser mode (the
// @loop-kit/fx reconciler and @loop-kit/dom's DomRenderer, with a plain-JS component and with
// the Rust component of benches/fx/guests/rows transpiled by jco and run by @loop-kit/web-host)
// vs React 19 + react-dom, in the same browser.
//
//   node --import tsx benches/web/rows-web.bench.ts [--quick] [--op PREFIX]
//        [--only fx,fx-nomemo,wasm,react] [--verbose]
//
// Writes benches/results/web-rows.json. Not a test: numbers for docs/perf.md.
//
// Fairness choices (as benches/fx/rows.bench.ts, in a browser):
// - Same data: every page keeps its state in the same RowStore (benches/fx/rows-model.ts; the
//   Rust guest reimplements it with the same seeded labels); the state change is timed.
// - Same DOM: every page renders into a real `<main id="app">` of the same page; the HTML of
//   all pages is compared after each step of a fixed script before timing.
// - Same idioms: React uses js-framework-benchmark's keyed shape (memo'd rows, closures per
//   row), production build, rendered synchronously with flushSync; the fx component reuses an
//   unchanged row's nodes (its memo), fx-nomemo and the wasm component do not.
// - Isolated: each driver's page is served from its own loopback address (127.0.0.N), a
//   different site, so Chromium gives it its own renderer process and heap. Each iteration is a
//   full GC, the untimed setup op (and a forced layout), two minor GCs, then the timed op.
//   Drivers take turns every iteration; 5 warm-up iterations are discarded; medians reported.
// - Two numbers per op: "script" (until the DOM is updated: what the reconciler and renderer
//   cost) and "+layout" (then a forced style and layout of the page, which both pay alike).
//   Paint is not included. Pages are cross-origin isolated (COOP/COEP), so performance.now()
//   is precise to microseconds, not 100 µs.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type Page } from "playwright-core";
import { preview2ShimDir, transpileForWeb } from "../../packages/build/src/index.js";
import { CASES, type RowsOp } from "../fx/rows-model.js";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag("--quick");
const verbose = flag("--verbose");
const opPrefix = value("--op");
const only = value("--only")?.split(",") ?? null;
const CHROMIUM = process.env.LOOP_CHROMIUM ?? "/usr/bin/chromium";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const cache = path.join(root, "benches", ".cache", "web");
mkdirSync(cache, { recursive: true });

interface Spec {
  name: string;
  page: string;
  query: string;
}
const SPECS: Spec[] = [
  { name: "fx", page: "page-fx", query: "" },
  { name: "fx-nomemo", page: "page-fx", query: "?memo=0" },
  { name: "wasm", page: "page-wasm", query: "" },
  { name: "react", page: "page-react", query: "" },
].filter((s) => only === null || only.includes(s.name));

// ---- build the pages ----

function rowsWasm(): string {
  const res = spawnSync(
    process.execPath,
    ["packages/cli/bin/loop.js", "component", "build", "benches/fx/guests/rows", "--json"],
    { cwd: root, encoding: "utf8" },
  );
  if (res.status !== 0) throw new Error(`building benches/fx/guests/rows failed:\n${res.stderr}`);
  return (JSON.parse(res.stdout) as { wasm: string }).wasm;
}

const needWasm = SPECS.some((s) => s.name === "wasm");
const rows = needWasm
  ? await transpileForWeb(rowsWasm(), { name: "rows", outDir: path.join(cache, "rows") })
  : null;
for (const page of new Set(SPECS.map((s) => s.page))) {
  await build({
    entryPoints: [path.join(here, `${page}.ts`)],
    outfile: path.join(cache, `${page}.js`),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    define: { "process.env.NODE_ENV": '"production"' },
    // One copy of @loop-kit/fx: the pages import the packages' sources.
    conditions: ["source"],
    external: ["node:*"],
    alias: {
      "@bytecodealliance/preview2-shim": path.join(
        preview2ShimDir(),
        "dist",
        "browser",
        "index.js",
      ),
      ...(rows ? { "loop-bench-rows": rows.module } : {}),
    },
    logLevel: "warning",
  });
}
for (const page of new Set(SPECS.map((s) => s.page))) {
  writeFileSync(
    path.join(cache, `${page}.html`),
    `<!doctype html><html><head><meta charset="utf-8"><title>${page}</title>
<style>body{font:14px sans-serif} table{border-collapse:collapse} td{padding:2px 6px} .danger{background:#fdd}</style>
</head><body><main id="app"></main><script type="module" src="${page}.js"></script></body></html>\n`,
  );
}

// ---- serve them: one loopback address (a site, so a process) per driver ----

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
};

function serve(host: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const rel = path.normalize((req.url ?? "/").split("?", 1)[0] as string);
    const file = path.join(cache, rel);
    if (!file.startsWith(cache)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
        // Cross-origin isolation: performance.now() to the microsecond.
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-embedder-policy": "require-corp",
        "cache-control": "no-store",
      });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) =>
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://${host}:${port}/` });
    }),
  );
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--js-flags=--expose-gc",
  ],
});

interface Driver {
  name: string;
  page: Page;
  server: Server;
}
const drivers: Driver[] = [];
for (let i = 0; i < SPECS.length; i++) {
  const spec = SPECS[i] as Spec;
  const { server, url } = await serve(`127.0.0.${i + 2}`);
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error(`${spec.name}: ${e.message}`));
  await page.goto(`${url}${spec.page}.html${spec.query}`);
  await page.waitForFunction(() => window.bench !== undefined);
  await page.evaluate(() => window.bench?.ready);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  if (!isolated) console.error(`${spec.name}: not cross-origin isolated; timings are coarse`);
  drivers.push({ name: spec.name, page, server });
}

// ---- cross-check: the same HTML after every step ----

const SCRIPT: RowsOp[] = [
  { kind: "run", n: 1000 },
  { kind: "update", every: 10 },
  { kind: "select", index: 1 },
  { kind: "swap", a: 1, b: 998 },
  { kind: "remove", index: 3 },
  { kind: "add", n: 1000 },
  { kind: "run", n: 10 },
  { kind: "clear" },
];
for (const op of SCRIPT) {
  let first: string | null = null;
  for (const d of drivers) {
    await d.page.evaluate((o) => window.bench?.run(o), op);
    const html = (await d.page.evaluate(() => window.bench?.html())) as string;
    if (first === null) first = html;
    else if (html !== first) {
      throw new Error(
        `${d.name} renders different HTML after ${JSON.stringify(op)}:\n${html.slice(0, 400)}\nvs\n${first.slice(0, 400)}`,
      );
    }
  }
}
console.log(`cross-check: ${drivers.map((d) => d.name).join(", ")} agree on every step`);

// ---- time ----

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
};

interface OpResult {
  name: string;
  iterations: number;
  drivers: Record<
    string,
    { script: number; layout: number; p25: number; p75: number; min: number }
  >;
}
const results: OpResult[] = [];
const WARMUP = quick ? 2 : 5;
for (const c of CASES) {
  if (opPrefix !== undefined && !c.name.startsWith(opPrefix)) continue;
  const iterations = quick ? Math.max(4, Math.round(c.iterations / 5)) : c.iterations;
  const samples = new Map<string, { script: number[]; layout: number[] }>(
    drivers.map((d) => [d.name, { script: [], layout: [] }]),
  );
  for (let it = 0; it < WARMUP + iterations; it++) {
    for (const d of drivers) {
      const [script, layout] = (await d.page.evaluate(
        ({ setup, op }) => window.bench?.time(setup, op),
        { setup: c.setup, op: c.op },
      )) as [number, number];
      if (it >= WARMUP) {
        const s = samples.get(d.name) as { script: number[]; layout: number[] };
        s.script.push(script);
        s.layout.push(layout);
      }
    }
  }
  const r: OpResult = { name: c.name, iterations, drivers: {} };
  for (const [name, s] of samples) {
    r.drivers[name] = {
      script: median(s.script),
      layout: median(s.layout),
      p25: quantile(s.script, 0.25),
      p75: quantile(s.script, 0.75),
      min: Math.min(...s.script),
    };
  }
  results.push(r);
  const line = Object.entries(r.drivers)
    .map(([n, d]) => `${n} ${d.script.toFixed(3)} / ${d.layout.toFixed(2)}`)
    .join("   ");
  console.log(`${c.name.padEnd(32)} ${line}`);
  if (verbose) console.log(JSON.stringify(r.drivers));
}

for (const d of drivers) d.server.close();
await browser.close();

// ---- report ----

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toFixed(3));
const names = drivers.map((d) => d.name);
const others = names.filter((n) => n !== "react");
const header = [
  "| operation |",
  ...names.map((n) => ` ${n} |`),
  ...(names.includes("react") ? others.map((n) => ` ${n} / react |`) : []),
].join("");
console.log(`\nscript: ms until the DOM is updated (median); ratio to React\n${header}`);
console.log(`|---|${names.map(() => "---:|").join("")}${others.map(() => "---:|").join("")}`);
for (const r of results) {
  const cells = names.map((n) => ` ${fmt(r.drivers[n]?.script ?? Number.NaN)} |`);
  const react = r.drivers.react?.script;
  const ratios =
    react === undefined
      ? []
      : others.map((n) => ` ${((r.drivers[n]?.script ?? 0) / react).toFixed(2)}× |`);
  console.log(`| ${r.name} |${cells.join("")}${ratios.join("")}`);
}
console.log("\n+layout: ms until a forced style and layout after it (median); ratio to React");
console.log(header);
console.log(`|---|${names.map(() => "---:|").join("")}${others.map(() => "---:|").join("")}`);
for (const r of results) {
  const cells = names.map((n) => ` ${fmt(r.drivers[n]?.layout ?? Number.NaN)} |`);
  const react = r.drivers.react?.layout;
  const ratios =
    react === undefined
      ? []
      : others.map((n) => ` ${((r.drivers[n]?.layout ?? 0) / react).toFixed(2)}× |`);
  console.log(`| ${r.name} |${cells.join("")}${ratios.join("")}`);
}

const version = (await browser.version?.()) ?? "";
const out = path.join(root, "benches", "results", "web-rows.json");
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: os.cpus()[0]?.model, cores: os.cpus().length, load: os.loadavg() },
      chromium: version,
      quick,
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
