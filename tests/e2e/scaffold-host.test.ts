// `loop host new NAME --kind native`: a Rust program embedding the loop-host library with its own
// capability (a bindgen! provider with per-instance state), generated into a temp folder through
// the real CLI, built with cargo, and run with the guest it ships. This is also the test of the
// embedding API (docs/embedding.md): Host::new, with_capability, load, run_command.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { assertNoStackTrace, lines, repoRoot, runCommand, runLoop, tempDir } from "../helpers.js";

const tmp = await tempDir("scaffold-host");
after(() => tmp.cleanup());

/** Shares the checkout's target folder: Wasmtime and loop-host are already built there. */
const env = { CARGO_TARGET_DIR: join(repoRoot, "target") };

const name = "scaffold-host";
const dir = join(tmp.dir, name);

/** The host executable, from cargo's JSON messages. */
async function buildHost(): Promise<string> {
  const res = await runCommand(
    "cargo",
    ["build", "--release", "--message-format=json-render-diagnostics"],
    { cwd: dir, env, timeoutMs: 900_000 },
  );
  assert.equal(res.code, 0, `cargo build of the host failed:\n${res.stderr}`);
  for (const line of res.stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    const msg = JSON.parse(line) as { reason?: string; executable?: string | null };
    if (msg.reason === "compiler-artifact" && msg.executable) return msg.executable;
  }
  throw new Error(`cargo built no executable:\n${res.stdout}`);
}

test("native host template: the host provides its own capability to the guest it ships", async () => {
  const created = await runLoop(["host", "new", name], { cwd: tmp.dir });
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^ {2}loop component build guest +# builds the guest component$/m);

  const guest = await runLoop(["component", "build", "guest", "--json"], {
    cwd: dir,
    env,
    timeoutMs: 600_000,
  });
  assert.equal(guest.code, 0, guest.stderr);
  const wasm = (JSON.parse(guest.stdout) as { wasm: string }).wasm;
  assert.match(wasm, /scaffold-host-guest\.wasm$/);

  const host = await buildHost();
  const run = await runCommand(host, [wasm, "Ada"], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(lines(run.stdout), [
    `Hello, Ada! (greeting 1 from the ${name} host)`,
    `Hello, again! (greeting 2 from the ${name} host)`,
    "the host counted 2 greeting(s)",
  ]);
  // Per-instance state: a second run starts counting again.
  const second = await runCommand(host, [wasm], { cwd: dir });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(lines(second.stdout)[0], `Hello, world! (greeting 1 from the ${name} host)`);

  // Without a guest argument it looks where `loop component build guest` puts it by default
  // (not where CARGO_TARGET_DIR sent it here) and says what to do.
  const none = await runCommand(host, [], { cwd: dir });
  assert.equal(none.code, 1);
  assert.equal(
    none.stderr,
    `error: no guest at guest/target/wasm32-wasip2/release/${name}-guest.wasm: build it with \`loop component build guest\`, or pass a .wasm\n`,
  );

  // The capability exists only in this host: loop's own runtime refuses the guest, in one line.
  const plain = await runLoop(["run", wasm], { cwd: dir });
  assert.equal(plain.code, 1);
  assert.match(
    plain.stderr,
    /^error: scaffold-host-guest imports `myapp:greeter\/greeter@0\.1\.0`, which loop-host does not provide/,
  );
  assertNoStackTrace(plain.stderr);
});
