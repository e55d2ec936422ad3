import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CliError } from "@loop-kit/cli";
import { cargoPatches, loopKitRoot, templateContext } from "../src/scaffold/render.js";

test("[patch.crates-io] path entries are copied with absolute paths, other tables ignored", () => {
  const cargo = [
    "[workspace]",
    'members = ["a"]',
    "",
    "[patch.crates-io]",
    "# a comment",
    'cranelift-codegen = { path = "patched-crates/cranelift-codegen-0.137.1" }',
    'other = { path = "/abs/other" } # trailing comment',
    "",
    "[profile.release]",
    'foo = { path = "not-a-patch" }',
  ].join("\n");
  assert.equal(
    cargoPatches(cargo, "/src/loop-kit"),
    [
      'cranelift-codegen = { path = "/src/loop-kit/patched-crates/cranelift-codegen-0.137.1" }',
      'other = { path = "/abs/other" }',
    ].join("\n"),
  );
  assert.equal(cargoPatches('[workspace]\nmembers = ["a"]\n', "/x"), "");
});

test("a [patch.crates-io] entry templates cannot copy is a clear error", () => {
  assert.throws(
    () => cargoPatches('[patch.crates-io]\nfoo = { git = "https://example.com/foo" }\n', "/x"),
    (err: unknown) => err instanceof CliError && /foo = \{ git/.test(err.message),
  );
});

test("the checkout's own patches reach the native host template", () => {
  const root = loopKitRoot();
  const context = templateContext("demo", root);
  const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
  const names = [...cargo.matchAll(/^([a-z0-9-]+) = \{ path = "patched-crates\//gm)].map(
    (m) => m[1],
  );
  assert.ok(names.length > 0, "the checkout patches at least one crate");
  for (const name of names) {
    assert.match(
      context.cargo_patches,
      new RegExp(`^${name} = \\{ path = "${root}/patched-crates/`, "m"),
    );
  }
  const template = readFileSync(join(root, "templates", "host", "native", "Cargo.toml"), "utf8");
  assert.match(template, /\[patch\.crates-io\]\n\{\{cargo_patches\}\}/);
});
