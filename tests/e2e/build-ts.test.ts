// `loop component build` on TypeScript and JavaScript guests, through the real CLI.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  copyExample,
  lines,
  repoRoot,
  runLoop,
} from "../helpers.js";

/** `\0asm` followed by the component-model layer version (0x0d 0x00 0x01 0x00). */
const COMPONENT_HEADER = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);

async function assertComponent(wasm: string): Promise<void> {
  const bytes = await readFile(wasm);
  assert.deepEqual(bytes.subarray(0, 8), COMPONENT_HEADER, `${wasm} is not a component`);
}

test("examples/hello-ts builds into a component under its dist/", async () => {
  const wasm = await buildExample("hello-ts");
  assert.equal(wasm, join(repoRoot, "examples", "hello-ts", "dist", "hello-ts.wasm"));
  await assertComponent(wasm);
});

test("building again reports the component up to date", async () => {
  await buildExample("hello-ts");
  const res = await runLoop(["component", "build", "examples/hello-ts"]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(
    res.stdout,
    /^ts component examples\/hello-ts\/dist\/hello-ts\.wasm \(\d+(\.\d)? MiB\) is up to date$/m,
  );
  const json = await runLoop(["component", "build", "examples/hello-ts", "--json"]);
  const result = JSON.parse(json.stdout);
  assert.equal(result.kind, "ts");
  assert.equal(result.upToDate, true);
  assert.equal(typeof result.bytes, "number");
  assert.equal(typeof result.ms, "number");
});

test("a TypeScript syntax error fails with the file:line and one summary line", async () => {
  const { dir, cleanup } = await copyExample("hello-ts");
  try {
    await writeFile(
      join(dir, "src", "index.ts"),
      'import { command } from "@loop-kit/sdk";\n\nexport const run = command(() => {\n  const x = ;\n});\n',
    );
    const res = await runLoop(["component", "build", dir]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /src[/\\]index\.ts:4:/, res.stderr);
    const last = lines(res.stderr).at(-1) ?? "";
    assert.match(last, /^loop: TypeScript build failed with 1 error \(.*index\.ts:4:\d+\)$/);
    assertNoStackTrace(res.stderr);
  } finally {
    await cleanup();
  }
});

test("a folder with neither Cargo.toml nor package.json fails clearly", async () => {
  const dir = await mkdtemp(join(tmpdir(), "loop-empty-"));
  try {
    const res = await runLoop(["component", "build", dir]);
    assert.equal(res.code, 1);
    assert.match(
      lines(res.stderr).at(-1) ?? "",
      /^loop: .* is not a guest project: it has neither Cargo\.toml \(Rust\) nor package\.json \(JS\/TS\)$/,
    );
    assertNoStackTrace(res.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a missing folder fails clearly", async () => {
  const res = await runLoop(["component", "build", "no/such/folder"]);
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^loop: no such folder: no\/such\/folder$/m);
  assertNoStackTrace(res.stderr);
});

test("a JS/TS guest without its WIT folder says what is missing", async () => {
  const { dir, cleanup } = await copyExample("hello-ts");
  try {
    await rm(join(dir, "wit"), { recursive: true });
    const res = await runLoop(["component", "build", dir]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /^loop: no WIT folder at .*wit: a JS\/TS guest needs its world/m);
    assertNoStackTrace(res.stderr);
  } finally {
    await cleanup();
  }
});

test("a JavaScript guest builds too, and componentize-js errors are reported", async () => {
  const dir = await mkdtemp(join(tmpdir(), "loop-js-"));
  try {
    await mkdir(join(dir, "src"));
    await mkdir(join(dir, "wit"));
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "@acme/hello-js", loop: { world: "hello" } }),
    );
    await writeFile(
      join(dir, "wit", "world.wit"),
      "package acme:hello;\n\nworld hello {\n  include wasi:cli/imports@0.2.12;\n  export wasi:cli/run@0.2.12;\n}\n",
    );
    await writeFile(
      join(dir, "src", "index.js"),
      [
        'import { getArguments } from "wasi:cli/environment@0.2.12";',
        "export const run = {",
        "  run() {",
        '    console.log("js: " + getArguments().slice(1).join(" "));',
        "  },",
        "};",
      ].join("\n"),
    );
    const res = await runLoop(["component", "build", dir, "--json"], { timeoutMs: 600_000 });
    assert.equal(res.code, 0, res.stderr);
    const result = JSON.parse(res.stdout);
    assert.equal(result.kind, "js");
    assert.equal(result.wasm, join(dir, "dist", "hello-js.wasm"));
    assert.equal(result.upToDate, false);
    await assertComponent(result.wasm);
    const ran = await runLoop(["run", result.wasm, "a", "b"]);
    assert.equal(ran.stdout, "js: a b\n", ran.stderr);
    assert.equal(ran.code, 0);

    // A world the module does not satisfy: componentize-js's message, then one summary line.
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({ name: "hello-js", loop: { world: "nope" } }),
    );
    const bad = await runLoop(["component", "build", dir], { timeoutMs: 600_000 });
    assert.equal(bad.code, 1);
    assert.match(lines(bad.stderr).at(-1) ?? "", /^loop: componentize-js could not build /);
    assertNoStackTrace(bad.stderr);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
