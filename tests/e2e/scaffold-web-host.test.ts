// `loop host new NAME --kind web`: a TypeScript page running a loop:fx guest in
// @loop-kit/web-host, with a capability of its own (a TS provider of `myapp:greeter/greeter` on
// top of PROVIDERS). Generated into a temp folder through the real CLI, type-checked, built with
// its own `npm run build` (cargo, jco, esbuild: all from this checkout, offline), served
// statically and driven in real Chromium: the button's greeting comes from the page's provider.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { assertNoStackTrace, lines, repoRoot, runCommand, runLoop, tempDir } from "../helpers.js";
import {
  appHtml,
  assertNoPageErrors,
  click,
  idle,
  launchBrowser,
  noBrowser,
  openApp,
  serveStatic,
  waitReady,
} from "./web-helpers.js";

const tmp = await tempDir("scaffold-web-host");
after(() => tmp.cleanup());

/** Shares the checkout's target folder: loop-sdk and wit-bindgen are already built there. */
const env = { CARGO_TARGET_DIR: join(repoRoot, "target") };

const name = "scaffold-web";
const dir = join(tmp.dir, name);

describe("web host template", { timeout: 900_000 }, () => {
  let built = false;

  test("generates a project that type-checks and builds into a static page with npm run build", async () => {
    const created = await runLoop(["host", "new", name, "--kind", "web"], { cwd: tmp.dir });
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      new RegExp(`^created web host .* "${name}" in \\./${name}$`, "m"),
      created.stdout,
    );
    assert.match(created.stdout, /^ {2}npm run build +# builds the guest, transpiles it/m);
    assert.match(created.stdout, /^ {2}python3 -m http\.server -d dist 8000 +# /m);
    for (const file of [
      "README.md",
      ".gitignore",
      "package.json",
      "tsconfig.json",
      "build.mjs",
      "src/main.ts",
      "src/greeter.ts",
      "src/index.html",
      "wit/greeter.wit",
      "rust-toolchain.toml",
      "guest/Cargo.toml",
      "guest/Cargo.lock",
      "guest/src/lib.rs",
    ])
      assert.ok(existsSync(join(dir, file)), `${file} was not written`);
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
      name: string;
      scripts: Record<string, string>;
    };
    assert.equal(pkg.name, name);
    assert.equal(pkg.scripts.build, "node build.mjs");
    // The provider and the guest agree on one interface, the native host's.
    assert.match(
      await readFile(join(dir, "wit", "greeter.wit"), "utf8"),
      /^package myapp:greeter@0\.1\.0;$/m,
    );
    assert.match(
      await readFile(join(dir, "src", "greeter.ts"), "utf8"),
      /"myapp:greeter\/greeter"/,
    );

    // The page's TypeScript type-checks against this checkout's web host (its own typecheck script).
    const types = await runCommand("npm", ["run", "typecheck"], { cwd: dir });
    assert.equal(types.code, 0, types.stdout + types.stderr);

    const build = await runCommand("npm", ["run", "build"], { cwd: dir, env, timeoutMs: 600_000 });
    assert.equal(build.code, 0, build.stdout + build.stderr);
    assertNoStackTrace(build.stderr);
    assert.match(build.stdout, /^built the page into dist\/ in [\d.]+s$/m);
    assert.match(build.stdout, /python3 -m http\.server -d dist 8000/);
    for (const file of [
      "index.html",
      "app.js",
      "guest/guest.js",
      "guest/guest.core.wasm",
      "guest/imports.json",
    ])
      assert.ok(existsSync(join(dir, "dist", file)), `dist/${file} was not written`);
    const imports = JSON.parse(
      await readFile(join(dir, "dist", "guest", "imports.json"), "utf8"),
    ) as string[];
    assert.ok(imports.includes("myapp:greeter/greeter"), imports.join(", "));
    assert.ok(imports.includes("loop:fx/host"), imports.join(", "));

    // A second build works as well (cargo and the transpile find themselves up to date).
    const again = await runCommand("npm", ["run", "build"], { cwd: dir, env, timeoutMs: 600_000 });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    built = true;
  });

  test("the page renders the guest, and its button shows the greeting of the page's own provider", {
    skip: noBrowser,
  }, async (t) => {
    if (!built) return t.skip("the project did not build");
    const browser: Browser = await launchBrowser();
    const server = await serveStatic(join(dir, "dist"));
    try {
      const app = await openApp(browser, server.url);
      const { page } = app;
      assert.equal(
        await appHtml(page),
        `<div class="greeter"><h1>${name}</h1><input id="name" value="world"><button id="greet">Greet</button><p id="greeting">Nobody has been greeted yet.</p><p id="count">the page counted 0 greeting(s)</p></div>`,
      );
      await click(page, "#greet");
      assert.equal(
        await page.textContent("#greeting"),
        `Hello, world! (greeting 1 from the ${name} page)`,
      );
      assert.equal(await page.textContent("#count"), "the page counted 1 greeting(s)");

      await page.fill("#name", "Ada");
      await idle(page);
      await click(page, "#greet");
      assert.equal(
        await page.textContent("#greeting"),
        `Hello, Ada! (greeting 2 from the ${name} page)`,
      );
      assert.equal(await page.textContent("#count"), "the page counted 2 greeting(s)");
      assertNoPageErrors(app);

      // The provider's state is per instance: a reload starts a new one, counting afresh.
      await page.reload();
      await waitReady(page);
      await click(page, "#greet");
      assert.equal(
        await page.textContent("#greeting"),
        `Hello, world! (greeting 1 from the ${name} page)`,
      );
      assertNoPageErrors(app);
    } finally {
      await server.close();
      await browser.close();
    }
  });
});

describe("web host template: bad input", () => {
  before(async () => {
    await mkdir(join(tmp.dir, "taken"));
    await writeFile(join(tmp.dir, "taken", "notes.txt"), "mine\n");
  });

  test("a non-empty folder is refused in one line and left as it was", async () => {
    const res = await runLoop(["host", "new", "taken", "--kind", "web"], { cwd: tmp.dir });
    assert.equal(res.code, 1);
    assert.equal(res.stdout, "");
    assert.equal(
      res.stderr,
      "loop: taken is not empty (it has 1 entry); loop never overwrites files: choose another name or --output, or empty it first\n",
    );
    assert.deepEqual(await readdir(join(tmp.dir, "taken")), ["notes.txt"]);

    const out = await runLoop(["host", "new", "fine", "--kind", "web", "-o", "taken"], {
      cwd: tmp.dir,
    });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^loop: taken is not empty/);
    assert.equal(lines(out.stderr).length, 1, out.stderr);
  });

  test("a bad NAME is refused in one line that says what to type, and nothing is written", async () => {
    const cases: [string, RegExp][] = [
      ["My_Page", /^loop: "My_Page" is not a valid name: .*\(try "my-page"\)$/],
      ["loop", /^loop: "loop" is a Rust keyword or a name cargo reserves/],
      ["world", /^loop: "world" is a WIT keyword/],
    ];
    for (const [bad, message] of cases) {
      const res = await runLoop(["host", "new", bad, "--kind", "web"], { cwd: tmp.dir });
      assert.equal(res.code, 1, `${bad}: ${res.stdout}${res.stderr}`);
      assert.equal(res.stdout, "");
      assert.equal(lines(res.stderr).length, 1, res.stderr);
      assert.match(res.stderr.trim(), message);
      assert.equal(existsSync(join(tmp.dir, bad)), false, `${bad} was created`);
    }
  });

  test("an unknown --kind is a usage error", async () => {
    const res = await runLoop(["host", "new", "x", "--kind", "wasm"], { cwd: tmp.dir });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Allowed choices are native, web/);
    assert.equal(existsSync(join(tmp.dir, "x")), false);
  });
});
