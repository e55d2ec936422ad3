import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { captureHost, ManifestError, resolveManifest } from "@loop-kit/host-client";

let dir: string;
let fake: string;

// A stand-in for `loop-host manifest`: echoes its arguments, or fails like loop-host does.
const SCRIPT = `#!/bin/sh
if [ "$FAKE_MODE" = fail ]; then
  echo "error: invalid manifest: loop.toml:3: components.a.trust: unknown variant \\\`x\\\`" >&2
  exit 1
fi
if [ "$FAKE_MODE" = garbage ]; then echo "not json"; exit 0; fi
printf '{"manifest":"/m/loop.toml","name":"m","dir":"/m","data-dir":"/m/.loop/data","main":"a","components":[],"args":"%s"}\\n' "$*"
`;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "host-client-manifest-"));
  fake = join(dir, "loop-host");
  await writeFile(fake, SCRIPT);
  await chmod(fake, 0o755);
});

after(() => rm(dir, { recursive: true, force: true }));

test("captureHost collects stdout, stderr and the status", async () => {
  const out = await captureHost(["manifest", "x"], {
    bin: fake,
    env: { ...process.env, FAKE_MODE: "fail" },
  });
  assert.equal(out.code, 1);
  assert.equal(out.stdout, "");
  assert.match(out.stderr, /^error: invalid manifest: /);
});

test("resolveManifest runs `loop-host manifest -- FILE` and parses its JSON", async () => {
  const app = await resolveManifest("-odd.toml", { bin: fake, env: { ...process.env } });
  assert.equal(app.main, "a");
  assert.equal(app["data-dir"], "/m/.loop/data");
  assert.equal((app as unknown as { args: string }).args, "manifest -- -odd.toml");
});

test("a rejected manifest is a ManifestError with loop-host's line, minus `error: `", async () => {
  await assert.rejects(
    resolveManifest("loop.toml", { bin: fake, env: { ...process.env, FAKE_MODE: "fail" } }),
    (err: unknown) =>
      err instanceof ManifestError &&
      err.file === "loop.toml" &&
      err.message === "invalid manifest: loop.toml:3: components.a.trust: unknown variant `x`",
  );
});

test("output that is not JSON is an error, not a crash", async () => {
  await assert.rejects(
    resolveManifest("loop.toml", { bin: fake, env: { ...process.env, FAKE_MODE: "garbage" } }),
    /not JSON/,
  );
});

test("a missing binary is LoopHostNotFoundError", async () => {
  await assert.rejects(captureHost([], { bin: join(dir, "nope") }), {
    name: "LoopHostNotFoundError",
  });
});
