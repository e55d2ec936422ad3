// `loop component new NAME --lang rust|ts|js --world http`: generated into a temp folder through
// the real CLI, then built and served by `loop serve` in that folder with no edits, and asked
// over HTTP.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { assertNoStackTrace, httpGet, repoRoot, runLoop, startServe, tempDir } from "../helpers.js";

const tmp = await tempDir("scaffold-http");
after(() => tmp.cleanup());

/** Rust projects share the checkout's target folder: its dependencies are already built. */
const env = { CARGO_TARGET_DIR: join(repoRoot, "target") };

const LANGS = [
  { lang: "rust", title: "Rust" },
  { lang: "ts", title: "TypeScript" },
  { lang: "js", title: "JavaScript" },
] as const;

for (const { lang, title } of LANGS) {
  test(`${lang} http template: \`loop serve\` builds and serves it as generated`, async () => {
    const name = `scaffold-${lang}-http`;
    const created = await runLoop(["component", "new", name, "--lang", lang, "--world", "http"], {
      cwd: tmp.dir,
    });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^ {2}loop serve +# builds it, then serves it/m);
    const dir = join(tmp.dir, name);

    const { running, url } = await startServe([], { cwd: dir, env, timeoutMs: 600_000 });
    try {
      const home = await httpGet(`${url}/`);
      assert.equal(home.status, 200);
      assert.equal(home.body, `Hello from ${name}, a ${title} HTTP component!\n`);
      const missing = await httpGet(`${url}/nope`);
      assert.equal(missing.status, 404);
      assert.equal(missing.body, "no page at /nope\n");
    } finally {
      running.child.kill("SIGTERM");
    }
    const result = await running.result;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, new RegExp(`^\\[${name}\\] info: GET /$`, "m"));
    assert.match(result.stderr, new RegExp(`^\\[${name}\\] info: GET /nope$`, "m"));
    assertNoStackTrace(result.stderr);

    const inspect = await runLoop(["component", "inspect", "--json"], { cwd: dir, env });
    assert.equal(inspect.code, 0, inspect.stderr);
    const exports = JSON.parse(inspect.stdout).exports as string[];
    assert.ok(
      exports.some((e) => e.startsWith("wasi:http/incoming-handler@")),
      exports.join(", "),
    );
  });
}
