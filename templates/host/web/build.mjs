// `npm run build`: the page, as static files in dist/.
//
//   1. the guest (guest/, Rust): `loop component build guest` (cargo, wasm32-wasip2)
//   2. transpiled by jco for the browser: dist/guest/guest.js and its core wasm
//   3. src/main.ts bundled by esbuild with @loop-kit/web-host and jco's browser WASI shim:
//      dist/app.js; src/index.html copied to dist/index.html
//
// Everything comes from the loop-kit checkout that created this project (nothing to install):
// its CLI, @loop-kit/build (jco), esbuild and the web host's sources.
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const LOOP_KIT = process.env.LOOP_KIT ?? "{{loop_kit}}";
const here = fileURLToPath(new URL(".", import.meta.url));
const out = join(here, "dist");
const started = performance.now();

// 1. The guest component.
const built = spawnSync(
  process.execPath,
  [join(LOOP_KIT, "packages", "cli", "bin", "loop.js"), "component", "build", "guest", "--json"],
  { cwd: here, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" },
);
if (built.status !== 0) process.exit(built.status ?? 1);
const { wasm } = JSON.parse(built.stdout);

// 2. For the browser: an ES module exporting `instantiate(getCoreModule, imports)`.
const loopBuild = await import(
  pathToFileURL(join(LOOP_KIT, "packages", "build", "dist", "index.js")).href
);
const guest = await loopBuild.transpileForWeb(wasm, { name: "guest", outDir: join(out, "guest") });
await writeFile(join(out, "guest", "imports.json"), `${JSON.stringify(guest.imports)}\n`);

// 3. The page.
const esbuild = createRequire(join(LOOP_KIT, "package.json"))("esbuild");
await esbuild.build({
  entryPoints: [join(here, "src", "main.ts")],
  outfile: join(out, "app.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  // loop-kit's packages, from the checkout's sources.
  nodePaths: [join(LOOP_KIT, "node_modules")],
  conditions: ["source"],
  // The WASI shim jco's generated code was written against (jco's own copy).
  alias: {
    "@bytecodealliance/preview2-shim": join(
      loopBuild.preview2ShimDir(),
      "dist",
      "browser",
      "index.js",
    ),
  },
});
await mkdir(out, { recursive: true });
await copyFile(join(here, "src", "index.html"), join(out, "index.html"));

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`built the page into dist/ in ${seconds}s`);
console.log("serve it with any static server, e.g.: python3 -m http.server -d dist 8000");
