// `loop component inspect`: world, imports and exports, and granted / denied / refused per
// import, as a table and as JSON, for the examples under flags and under their loop.toml.
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  lines,
  type RunOptions,
  repoRoot,
  runLoop,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
const wasm: Record<string, string> = {};

before(async () => {
  scratch = await tempDir("cap-inspect");
  for (const name of ["kv", "process", "http", "fs"]) wasm[name] = await buildExample(name);
});

after(() => scratch.cleanup());

function loop(args: string[], options: RunOptions = {}) {
  return runLoop(args, {
    cwd: scratch.dir,
    ...options,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache"), ...options.env },
  });
}

interface Report {
  file: string;
  kind: string;
  world: string;
  component: string;
  trust: string;
  imports: { name: string; capability: string | null; status: string; detail: string }[];
  exports: string[];
}

async function inspectJson(args: string[], options: RunOptions = {}): Promise<Report> {
  const res = await loop(["component", "inspect", "--json", ...args], options);
  assertNoStackTrace(res.stderr);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as Report;
}

/** The status and detail of the import whose unversioned name is `name`. */
function grant(report: Report, name: string): { status: string; detail: string } {
  const found = report.imports.find((i) => i.name.split("@")[0] === name);
  assert.ok(found, `${name} is not imported: ${report.imports.map((i) => i.name).join(", ")}`);
  return { status: found.status, detail: found.detail };
}

/** A copy of examples/NAME's loop.toml whose `source` points back at the example. */
async function exampleManifest(name: string): Promise<string> {
  const original = await readFile(join(repoRoot, "examples", name, "loop.toml"), "utf8");
  const dir = join(scratch.dir, `${name}-app`);
  await mkdir(dir, { recursive: true });
  const source = JSON.stringify(join(repoRoot, "examples", name));
  await writeFile(
    join(dir, "loop.toml"),
    original.replace(/^source = "\."$/m, `source = ${source}`),
  );
  return dir;
}

describe("the table", () => {
  test("kv: world, the keyvalue imports denied, the baseline granted, the exports", async () => {
    const res = await loop(["component", "inspect", wasm.kv as string]);
    assert.equal(res.code, 0, res.stderr);
    const out = res.stdout;
    assert.match(out, /^world: {2}wasi:cli\/command$/m);
    assert.match(out, /^policy: kv-example \(untrusted\)$/m);
    assert.match(
      out,
      /^ {2}wasi:keyvalue\/store@\S+\s+denied\s+no buckets granted \(grants\.kv\)$/m,
    );
    assert.match(out, /^ {2}wasi:cli\/stdout@\S+\s+granted\s+baseline: always available$/m);
    assert.match(out, /^exports:\n {2}wasi:cli\/run@/m);
  });

  test("kv with --kv default: the bucket is granted", async () => {
    const res = await loop(["component", "inspect", "--kv", "default", wasm.kv as string]);
    assert.match(res.stdout, /^ {2}wasi:keyvalue\/store@\S+\s+granted\s+buckets: default$/m);
  });

  test("process: refused untrusted, denied trusted, granted with the grant", async () => {
    const untrusted = await loop(["component", "inspect", wasm.process as string]);
    assert.match(
      untrusted.stdout,
      /^ {2}loop:process\/process@\S+\s+refused\s+untrusted components may not import loop:process$/m,
    );
    const trusted = await loop(["component", "inspect", "--trusted", wasm.process as string]);
    assert.match(trusted.stdout, /^policy: process-example \(trusted\)$/m);
    assert.match(
      trusted.stdout,
      /^ {2}loop:process\/process@\S+\s+denied\s+trusted, but grants\.process is not set$/m,
    );
    const granted = await loop([
      "component",
      "inspect",
      "--trusted",
      "--allow-process",
      wasm.process as string,
    ]);
    assert.match(
      granted.stdout,
      /^ {2}loop:process\/process@\S+\s+granted\s+trusted, grants\.process = true$/m,
    );
  });
});

describe("--json", () => {
  test("http: outgoing HTTP denied without hosts, granted with --allow-host", async () => {
    const bare = await inspectJson([wasm.http as string]);
    assert.equal(bare.kind, "component");
    assert.ok(bare.exports.some((e) => e.startsWith("wasi:http/incoming-handler@")));
    assert.deepEqual(grant(bare, "wasi:http/outgoing-handler"), {
      status: "denied",
      detail: "no hosts granted (grants.hosts)",
    });
    const allowed = await inspectJson(["--allow-host", "127.0.0.1:9000", wasm.http as string]);
    assert.deepEqual(grant(allowed, "wasi:http/outgoing-handler"), {
      status: "granted",
      detail: "hosts: 127.0.0.1:9000",
    });
    const outgoing = allowed.imports.find((i) => i.name.startsWith("wasi:http/outgoing-handler"));
    assert.equal(outgoing?.capability, "outgoing HTTP");
  });

  test("fs: files denied without a dir, granted (ro) with one", async () => {
    const bare = await inspectJson([wasm.fs as string]);
    assert.equal(grant(bare, "wasi:filesystem/preopens").status, "denied");
    const ro = await inspectJson(["--dir", `${scratch.dir}::/data:ro`, wasm.fs as string]);
    assert.deepEqual(grant(ro, "wasi:filesystem/preopens"), {
      status: "granted",
      detail: "/data (ro)",
    });
  });

  test("FILE with --manifest: the manifest component's policy", async () => {
    const dir = await exampleManifest("http");
    const report = await inspectJson([wasm.http as string, "--manifest", join(dir, "loop.toml")]);
    assert.equal(report.component, "http");
    assert.deepEqual(grant(report, "wasi:http/outgoing-handler"), {
      status: "granted",
      detail: "hosts: 127.0.0.1:8081",
    });
    assert.deepEqual(grant(report, "wasi:config/store"), {
      status: "granted",
      detail: "keys: forbidden, upstream",
    });
  });

  test("no FILE in a folder with loop.toml: its component, built from source", async () => {
    const kvDir = await exampleManifest("kv");
    const kv = await inspectJson([], { cwd: kvDir });
    assert.equal(kv.component, "kv");
    assert.deepEqual(grant(kv, "wasi:keyvalue/store"), {
      status: "granted",
      detail: "buckets: default",
    });
    const processDir = await exampleManifest("process");
    const proc = await inspectJson([], { cwd: processDir });
    assert.equal(proc.trust, "trusted");
    assert.equal(grant(proc, "loop:process/process").status, "granted");
  });

  test("a missing file and a folder are one line each", async () => {
    const missing = await loop(["component", "inspect", "nope.wasm"]);
    assert.equal(missing.code, 1);
    assert.equal(lines(missing.stderr).length, 1, missing.stderr);
    assert.match(missing.stderr, /^loop: no such file: nope\.wasm$/m);
    const folder = await loop(["component", "inspect", join(repoRoot, "examples", "kv")]);
    assert.equal(folder.code, 1);
    assert.match(folder.stderr, /is a folder; build it first with `loop component build /);
  });
});
