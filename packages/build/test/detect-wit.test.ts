import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { BuildError, detectProject, planWit } from "@loop-kit/build";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const helloTs = join(repo, "examples", "hello-ts");

test("detectProject reads a TS guest's package.json", async () => {
  const project = await detectProject(helloTs);
  assert.equal(project.kind, "ts");
  assert.equal(project.name, "hello-ts");
  assert.equal(project.world, "hello");
  assert.equal(project.entry, join(helloTs, "src", "index.ts"));
  assert.equal(project.out, join(helloTs, "dist", "hello-ts.wasm"));
});

test("detectProject: Cargo.toml wins, defaults apply, JS when the entry is .js", async () => {
  const dir = await mkdtemp(join(tmpdir(), "detect-"));
  try {
    await mkdir(join(dir, "src"));
    await writeFile(join(dir, "src", "index.js"), "export const run = {};\n");
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "@acme/thing" }));
    const js = await detectProject(dir);
    assert.equal(js.kind, "js");
    assert.equal(js.name, "thing");
    assert.equal(js.world, undefined);
    assert.equal(js.wit, join(dir, "wit"));
    await writeFile(join(dir, "Cargo.toml"), '[package]\nname = "thing"\n');
    assert.equal((await detectProject(dir)).kind, "rust");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("detectProject rejects a bad loop field and a missing entry", async () => {
  const dir = await mkdtemp(join(tmpdir(), "detect-"));
  try {
    await writeFile(join(dir, "package.json"), JSON.stringify({ loop: { world: 3 } }));
    await assert.rejects(detectProject(dir), (e: unknown) => {
      return e instanceof BuildError && e.code === "config" && /loop\.world/.test(e.message);
    });
    await writeFile(join(dir, "package.json"), JSON.stringify({ loop: { entry: "nope.ts" } }));
    await assert.rejects(detectProject(dir), /entry nope\.ts not found/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("planWit pulls in exactly the packages the world uses, from loop-kit and jco", () => {
  const plan = planWit(join(helloTs, "wit"));
  const ids = plan.deps.map((p) => `${p.id} (${p.source})`).sort();
  assert.ok(ids.includes("wasi:logging@0.1.0-draft (loop)"), ids.join(", "));
  for (const pkg of ["cli", "io", "clocks", "filesystem", "random", "sockets"]) {
    assert.ok(ids.includes(`wasi:${pkg}@0.2.12 (wasi)`), `${pkg} missing: ${ids.join(", ")}`);
  }
  assert.ok(!ids.some((id) => id.startsWith("wasi:http")), "wasi:http is not used by the world");
});

test("planWit prefers the guest's own copy of a package", async () => {
  const dir = await mkdtemp(join(tmpdir(), "wit-"));
  try {
    await mkdir(join(dir, "deps", "logging"), { recursive: true });
    await writeFile(
      join(dir, "world.wit"),
      "package acme:app;\nworld app {\n  import wasi:logging/logging@0.1.0-draft;\n}\n",
    );
    await writeFile(
      join(dir, "deps", "logging", "logging.wit"),
      "package wasi:logging@0.1.0-draft;\ninterface logging {\n  log: func(message: string);\n}\n",
    );
    const plan = planWit(dir);
    assert.deepEqual(
      plan.deps.map((p) => [p.id, p.source]),
      [["wasi:logging@0.1.0-draft", "guest"]],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
