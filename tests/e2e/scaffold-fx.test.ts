// `loop component new NAME --lang rust|ts|js --world fx` and `loop app new NAME`: generated into a
// temp folder through the real CLI, then built and rendered headless by `loop run` in that
// folder with no edits, and driven with the event log each template ships (clicks.log).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { assertNoStackTrace, repoRoot, runCommand, runLoop, tempDir } from "../helpers.js";

const tmp = await tempDir("scaffold-fx");
after(() => tmp.cleanup());

/** Rust projects share the checkout's target folder: its dependencies are already built. */
const env = { CARGO_TARGET_DIR: join(repoRoot, "target") };

function counterHtml(name: string, count: number): string {
  return `<div class="counter"><h1>${name}</h1><button id="dec">-</button><span id="count">${count}</span><button id="inc">+</button></div>\n`;
}

for (const lang of ["rust", "ts", "js"] as const) {
  test(`${lang} fx template: \`loop run\` builds it and renders it headless as generated`, async () => {
    const name = `scaffold-${lang}-fx`;
    const created = await runLoop(["component", "new", name, "--lang", lang, "--world", "fx"], {
      cwd: tmp.dir,
    });
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^ {2}loop run +# builds it, then renders it headless/m);
    const dir = join(tmp.dir, name);

    const first = await runLoop(["run"], { cwd: dir, env, timeoutMs: 600_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, counterHtml(name, 0));
    assertNoStackTrace(first.stderr);

    // clicks.log: +, +, - on the counter's buttons.
    const clicked = await runLoop(["run", "--events", "clicks.log"], { cwd: dir, env });
    assert.equal(clicked.code, 0, clicked.stderr);
    assert.equal(clicked.stdout, counterHtml(name, 1));

    const inspect = await runLoop(["component", "inspect", "--json"], { cwd: dir, env });
    assert.equal(inspect.code, 0, inspect.stderr);
    const info = JSON.parse(inspect.stdout) as { world: string; exports: string[] };
    assert.equal(info.world, "loop:fx/app");
    assert.deepEqual(info.exports, ["loop:fx/component@0.1.0"]);

    if (lang === "ts") {
      const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
      const types = await runCommand(process.execPath, [tsc, "-p", dir]);
      assert.equal(types.code, 0, types.stdout + types.stderr);
    }
  });
}

test("app template: a Rust and a TypeScript component talk through loop:fx under `loop run`", async () => {
  const name = "scaffold-app";
  const created = await runLoop(["app", "new", name], { cwd: tmp.dir });
  assert.equal(created.code, 0, created.stderr);
  const dir = join(tmp.dir, name);

  const counter = (label: string, count: number) =>
    `<div class="counter"><span class="label">${label}</span><button class="dec">-</button><span class="count">${count}</span><button class="inc">+</button></div>`;
  const page = (apples: number, pears: number) =>
    `<div class="app"><h1>${name}</h1>${counter("apples", apples)}${counter("pears", pears)}<p id="total">total: ${apples + pears}</p></div>\n`;

  // Both components are built from their folders; the Rust parent renders the TypeScript child
  // twice, with the props it gives each.
  const first = await runLoop(["run"], { cwd: dir, env, timeoutMs: 600_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, page(0, 0));
  assert.match(first.stderr, /built rust component .*scaffold_app_app\.wasm/);
  assert.match(first.stderr, /built ts component counter\/dist\/counter\.wasm/);
  assertNoStackTrace(first.stderr);

  // Clicks reach the TypeScript children, which emit `changed` to the Rust parent, which
  // re-renders them with new props: apples +2, pears -1 +3.
  const clicked = await runLoop(["run", "--events", "clicks.log"], { cwd: dir, env });
  assert.equal(clicked.code, 0, clicked.stderr);
  assert.equal(clicked.stdout, page(2, 2));

  for (const component of ["app", "counter"]) {
    const inspect = await runLoop(["component", "inspect", "--component", component, "--json"], {
      cwd: dir,
      env,
    });
    assert.equal(inspect.code, 0, inspect.stderr);
    const info = JSON.parse(inspect.stdout) as { world: string; imports: { name: string }[] };
    assert.equal(info.world, "loop:fx/app", component);
    assert.ok(
      info.imports.some((i) => i.name === "loop:fx/host@0.1.0"),
      component,
    );
  }

  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const types = await runCommand(process.execPath, [tsc, "-p", join(dir, "counter")]);
  assert.equal(types.code, 0, types.stdout + types.stderr);
});
