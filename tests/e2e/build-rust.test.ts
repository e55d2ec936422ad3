// `loop component build` on Rust guests: the wasm32-wasip2 route (a component straight from
// cargo) and the wasm32-wasip1 route (a core module adapted by jco), in a scratch crate with
// its own target folder.
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  cargoIncrementalFromProfiles,
  incrementalSessions,
  lines,
  repoRoot,
  runLoop,
} from "../helpers.js";

const COMPONENT_HEADER = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00]);

const MAIN_RS = `fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("rust: {}", args.join(" "));
    std::process::exit(if args.iter().any(|a| a == "fail") { 5 } else { 0 });
}
`;

let root: string;
let crate: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), "loop-rust-"));
  crate = join(root, "scratch-guest");
  await mkdir(join(crate, "src"), { recursive: true });
  await writeFile(
    join(crate, "Cargo.toml"),
    '[package]\nname = "scratch-guest"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n',
  );
  await writeFile(join(crate, "src", "main.rs"), MAIN_RS);
  // The repository's pinned toolchain, with its wasm targets.
  await copyFile(join(repoRoot, "rust-toolchain.toml"), join(crate, "rust-toolchain.toml"));
});

after(() => rm(root, { recursive: true, force: true }));

async function build(env: Record<string, string> = {}) {
  const res = await runLoop(["component", "build", crate, "--json"], { env, timeoutMs: 600_000 });
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as { kind: string; wasm: string; upToDate: boolean };
}

test("a Rust crate builds for wasm32-wasip2 into a component, path read from cargo", async () => {
  const result = await build();
  assert.equal(result.kind, "rust");
  assert.equal(
    result.wasm,
    join(crate, "target", "wasm32-wasip2", "release", "scratch-guest.wasm"),
  );
  assert.deepEqual((await readFile(result.wasm)).subarray(0, 8), COMPONENT_HEADER);

  const again = await build();
  assert.equal(again.upToDate, true);

  const ran = await runLoop(["run", result.wasm, "x", "--y"]);
  assert.equal(ran.stdout, "rust: x --y\n", ran.stderr);
  // Rust's std on wasip2 exits through `wasi:cli/exit.exit(err)`: any failure is status 1.
  const failed = await runLoop(["run", result.wasm, "fail"]);
  assert.equal(failed.code, 1);
});

test("examples/hello, a workspace member, lands in the workspace's target folder", async () => {
  const wasm = await buildExample("hello");
  assert.equal(wasm, join(repoRoot, "target", "wasm32-wasip2", "release", "hello.wasm"));
  assert.deepEqual((await readFile(wasm)).subarray(0, 8), COMPONENT_HEADER);
  const ran = await runLoop(["run", "--env", "GREETING=hi", wasm, "a", "--flag"]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /a, --flag/);
  assert.match(ran.stdout, /hi/);
});

test("the wasm32-wasip1 route adapts the core module with jco into a component", async () => {
  const result = await build({ LOOP_RUST_ROUTE: "wasip1" });
  assert.equal(
    result.wasm,
    join(crate, "target", "wasm32-wasip1", "release", "scratch-guest.component.wasm"),
  );
  assert.deepEqual((await readFile(result.wasm)).subarray(0, 8), COMPONENT_HEADER);
  const ran = await runLoop(["run", result.wasm, "p1"]);
  assert.equal(ran.stdout, "rust: p1\n", ran.stderr);
});

test("a Rust compile error shows rustc's diagnostics, then one summary line", async () => {
  await writeFile(join(crate, "src", "main.rs"), "fn main() {\n    let x: u32 = nope;\n}\n");
  try {
    const res = await runLoop(["component", "build", crate], { timeoutMs: 600_000 });
    assert.equal(res.code, 1);
    assert.match(res.stderr, /error\[E0425\]/);
    assert.match(res.stderr, /src[/\\]main\.rs:2:/);
    assert.match(
      lines(res.stderr).at(-1) ?? "",
      /^loop: cargo build failed for .*scratch-guest: could not compile `scratch-guest`/,
    );
    assertNoStackTrace(res.stderr);
  } finally {
    await writeFile(join(crate, "src", "main.rs"), MAIN_RS);
  }
});

test("an unknown LOOP_RUST_ROUTE is a clear error", async () => {
  const res = await runLoop(["component", "build", crate], { env: { LOOP_RUST_ROUTE: "wasip9" } });
  assert.equal(res.code, 1);
  assert.match(res.stderr, /^loop: unknown Rust route "wasip9"/m);
});

test("loop-sdk's imports survive a build of one codegen unit per module (incremental)", {
  timeout: 1_200_000,
}, async () => {
  // `loop dev` builds with rustc's incremental cache, which splits crates by module. Each
  // example uses one of the SDK's wrapper modules; its import must still be described to
  // wasm-component-ld (the link fails otherwise: "module requires an import interface").
  const target = join(root, "incremental-target");
  const env = {
    ...cargoIncrementalFromProfiles,
    CARGO_PROFILE_RELEASE_INCREMENTAL: "true",
    CARGO_TARGET_DIR: target,
  };
  const cases = [
    ["hello", "hello", "wasi:logging/logging@0.1.0-draft"],
    ["kv", "kv-example", "wasi:keyvalue/store@0.2.0-draft"],
    ["process", "process-example", "loop:process/process@0.1.0"],
    ["http", "http-example", "wasi:config/store@0.2.0-rc.1"],
  ] as const;
  for (const [example, crateName, iface] of cases) {
    const res = await runLoop(
      ["component", "build", join(repoRoot, "examples", example), "--json"],
      {
        env,
        timeoutMs: 600_000,
      },
    );
    assert.equal(res.code, 0, `examples/${example}: ${res.stderr}`);
    // It was an incremental build (else this test proves nothing).
    assert.notDeepEqual(
      await incrementalSessions(target, crateName),
      [],
      `examples/${example} was not built incrementally`,
    );
    const { wasm } = JSON.parse(res.stdout) as { wasm: string };
    const inspect = await runLoop(["component", "inspect", wasm, "--json"]);
    assert.equal(inspect.code, 0, inspect.stderr);
    const imports = (JSON.parse(inspect.stdout) as { imports: { name: string }[] }).imports;
    assert.ok(
      imports.some((i) => i.name === iface),
      `examples/${example} does not import ${iface}`,
    );
  }
});
