// `loop component new NAME --lang rust|ts|js` (world command): generated into a temp folder
// through the real CLI, then built and run by `loop run` in that folder with no edits.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { assertNoStackTrace, repoRoot, runCommand, runLoop, tempDir } from "../helpers.js";

const tmp = await tempDir("scaffold-command");
after(() => tmp.cleanup());

/** Rust projects share the checkout's target folder: its dependencies are already built. */
const env = { CARGO_TARGET_DIR: join(repoRoot, "target") };

const LANGS = [
  { lang: "rust", title: "Rust" },
  { lang: "ts", title: "TypeScript" },
  { lang: "js", title: "JavaScript" },
] as const;

for (const { lang, title } of LANGS) {
  test(`${lang} command template: \`loop run\` builds and runs it as generated`, async () => {
    const name = `scaffold-${lang}-command`;
    const created = await runLoop(["component", "new", name, "--lang", lang], { cwd: tmp.dir });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^ {2}loop run +# builds it, then runs it/m);
    const dir = join(tmp.dir, name);

    const first = await runLoop(["run"], { cwd: dir, env, timeoutMs: 600_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `Hello, world! This is ${name}, a ${title} component.\n`);
    assert.match(first.stderr, new RegExp(`^\\[${name}\\] info: greeted world$`, "m"));
    assertNoStackTrace(first.stderr);

    // Arguments after `--` reach the guest; the build is up to date, so nothing is rebuilt.
    const again = await runLoop(["run", "--", "Ada"], { cwd: dir, env, timeoutMs: 600_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `Hello, Ada! This is ${name}, a ${title} component.\n`);
    assert.match(again.stderr, new RegExp(`^\\[${name}\\] info: greeted Ada$`, "m"));
    assert.doesNotMatch(again.stderr, /^built /m);

    const inspect = await runLoop(["component", "inspect", "--json"], { cwd: dir, env });
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).world, "wasi:cli/command");

    if (lang === "ts") {
      // The generated TypeScript type-checks against the SDK it was generated for.
      const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
      const types = await runCommand(process.execPath, [tsc, "-p", dir]);
      assert.equal(types.code, 0, types.stdout + types.stderr);
    }
  });
}
