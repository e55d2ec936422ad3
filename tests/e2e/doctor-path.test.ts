// `loop doctor`: a healthy machine exits 0; each piece hidden on purpose (node's tools off PATH,
// a wrong LOOP_HOST, an unwritable cache folder) exits 1 with the exact command that fixes it.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, writeFile } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { after, test } from "node:test";
import { assertNoStackTrace, lines, runLoop, tempDir } from "../helpers.js";

const tmp = await tempDir("doctor");
after(() => tmp.cleanup());

/** A compile cache of the test's own, so the healthy run does not depend on $HOME. */
const cache = join(tmp.dir, "cache");

interface Report {
  ok: boolean;
  checks: {
    id: string;
    name: string;
    required: boolean;
    ok: boolean;
    detail: string;
    fix?: string;
  }[];
}

test("a healthy tool chain: every required piece found, exit 0", async () => {
  const res = await runLoop(["doctor"], { env: { LOOP_CACHE_DIR: cache } });
  assert.equal(res.code, 0, res.stdout + res.stderr);
  const out = lines(res.stdout);
  assert.match(out[0] ?? "", /^loop doctor: the tool chain of loop-kit at \//);
  for (const piece of [
    "node",
    "npm",
    "cargo",
    "wasm linkers",
    "@bytecodealliance/componentize-js",
    "@bytecodealliance/preview2-shim",
    "@bytecodealliance/jco",
    "loop-host",
    "compile cache",
  ]) {
    assert.ok(
      out.some((l) => l.startsWith(`✓ ${piece}: `)),
      `no ✓ line for ${piece}:\n${res.stdout}`,
    );
  }
  assert.ok(out.some((l) => /^✓ (wasm32-wasip2 target|wasm32-wasip1 target|rust)/.test(l)));
  assert.ok(!out.some((l) => l.startsWith("✗")), res.stdout);
  assert.equal(out.at(-1), "everything loop needs is here.");
  // The probe file was removed again.
  assert.deepEqual(await readdir(cache), []);
  assert.equal(res.stderr, "");

  const json = await runLoop(["doctor", "--json"], { env: { LOOP_CACHE_DIR: cache } });
  assert.equal(json.code, 0);
  const report = JSON.parse(json.stdout) as Report;
  assert.equal(report.ok, true);
  assert.ok(report.checks.every((c) => c.ok || !c.required));
  // Optional pieces are reported, whatever their state.
  for (const id of ["hyperfine", "wrk", "chromium", "loop"]) {
    const check = report.checks.find((c) => c.id === id);
    assert.ok(check && !check.required, id);
  }
});

test("PATH without node's tools: exit 1 and the line that puts them back", async () => {
  const nodeDir = dirname(process.execPath);
  const path = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((d) => d !== "" && !existsSync(join(d, "node")) && !existsSync(join(d, "npm")))
    .join(delimiter);
  const res = await runLoop(["doctor"], { env: { PATH: path, LOOP_CACHE_DIR: cache } });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  const out = lines(res.stdout);
  assert.ok(out.includes(`✗ node (not on PATH) — fix: export PATH="${nodeDir}:$PATH"`), res.stdout);
  assert.ok(
    out.some((l) => /^✗ npm \(not on PATH\) — fix: export PATH=/.test(l)),
    res.stdout,
  );
  assert.match(
    out.at(-1) ?? "",
    /^\d+ required pieces? (is|are) missing: run the fix commands? above/,
  );
  assertNoStackTrace(res.stdout + res.stderr);

  const json = await runLoop(["doctor", "--json"], { env: { PATH: path, LOOP_CACHE_DIR: cache } });
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as Report;
  assert.equal(report.ok, false);
  const node = report.checks.find((c) => c.id === "node");
  assert.deepEqual(node && { ok: node.ok, required: node.required, fix: node.fix }, {
    ok: false,
    required: true,
    fix: `export PATH="${nodeDir}:$PATH"`,
  });
});

test("a LOOP_HOST that names nothing: exit 1, fix: unset LOOP_HOST", async () => {
  const res = await runLoop(["doctor"], {
    env: { LOOP_HOST: join(tmp.dir, "no-such-loop-host"), LOOP_CACHE_DIR: cache },
  });
  assert.equal(res.code, 1, res.stdout);
  const line = lines(res.stdout).find((l) => l.startsWith("✗ loop-host"));
  assert.match(
    line ?? res.stdout,
    /^✗ loop-host \(loop-host not found at .*\) — fix: unset LOOP_HOST$/,
  );
});

test("a compile cache folder that cannot be written: exit 1 and the fix", async () => {
  const file = join(tmp.dir, "a-file");
  await writeFile(file, "");
  const res = await runLoop(["doctor"], { env: { LOOP_CACHE_DIR: join(file, "cache") } });
  assert.equal(res.code, 1, res.stdout);
  const line = lines(res.stdout).find((l) => l.startsWith("✗ compile cache"));
  assert.match(
    line ?? res.stdout,
    /^✗ compile cache \(.*a-file\/cache is not writable \(ENOTDIR\)\) — fix: export LOOP_CACHE_DIR="\$HOME\/\.cache\/loop-kit\/compiled"$/,
  );
});
