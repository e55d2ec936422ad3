// `loop component new`, `loop host new`, `loop app new` without building anything: names,
// folders, help, and what every template writes (placeholders filled, files well-formed).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  assertNoStackTrace,
  lines,
  loopHostBin,
  repoRoot,
  runCommand,
  runLoop,
  tempDir,
} from "../helpers.js";

const tmp = await tempDir("scaffold-cli");
after(() => tmp.cleanup());

/** Every template as the CLI arguments that create it. */
const TEMPLATES: { id: string; args: (name: string) => string[] }[] = [
  ...["rust", "ts", "js"].flatMap((lang) =>
    ["command", "http", "fx"].map((world) => ({
      id: `component/${lang}-${world}`,
      args: (name: string) => ["component", "new", name, "--lang", lang, "--world", world],
    })),
  ),
  { id: "host/native", args: (name: string) => ["host", "new", name, "--kind", "native"] },
  { id: "host/web", args: (name: string) => ["host", "new", name, "--kind", "web"] },
  { id: "app", args: (name: string) => ["app", "new", name] },
];

async function filesUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await filesUnder(join(dir, entry.name), rel)));
    else out.push(rel);
  }
  return out.sort();
}

test("every template writes its files with every placeholder filled in", async () => {
  for (const [i, t] of TEMPLATES.entries()) {
    const name = `tpl-${"abcdefghijkl"[i]}-${t.id.replace(/[^a-z]+/g, "-")}`.replace(/-+$/, "");
    const res = await runLoop(t.args(name), { cwd: tmp.dir });
    assert.equal(res.code, 0, `${t.id}: ${res.stderr}`);
    assert.match(res.stdout, new RegExp(`^created .* "${name}" in \\./${name}$`, "m"), t.id);
    assert.match(res.stdout, /^next:$/m, t.id);
    const dir = join(tmp.dir, name);
    const files = await filesUnder(dir);
    assert.ok(files.includes("README.md"), `${t.id} has no README.md: ${files}`);
    assert.ok(files.includes(".gitignore"), `${t.id} has no .gitignore: ${files}`);
    for (const file of files) {
      // Every file the command listed exists, and nothing else was written.
      assert.match(res.stdout, new RegExp(`^  ${file.replaceAll(".", "\\.")}$`, "m"), file);
      const text = await readFile(join(dir, file), "utf8");
      assert.doesNotMatch(text, /\{\{[a-z_]+\}\}/, `${t.id}/${file} still has a placeholder`);
      if (file.endsWith(".json")) JSON.parse(text);
    }
    if (files.includes("loop.toml")) {
      // The manifest is valid as loop-host reads it, and its components' sources exist.
      const manifest = await runCommand(loopHostBin, ["manifest", join(dir, "loop.toml")]);
      assert.equal(manifest.code, 0, `${t.id}: ${manifest.stderr}`);
      const app = JSON.parse(manifest.stdout) as { components: { source: string | null }[] };
      for (const c of app.components) assert.ok(c.source && existsSync(c.source), c.source ?? "");
    }
    const rust = files.filter((f) => f.endsWith(".rs")).map((f) => join(dir, f));
    if (rust.length > 0) {
      // Generated Rust is formatted as `cargo fmt` would (rustfmt of the pinned toolchain).
      const fmt = await runCommand("rustfmt", ["--check", "--edition", "2024", ...rust], {
        cwd: repoRoot,
      });
      assert.equal(fmt.code, 0, `${t.id}: rustfmt --check:\n${fmt.stdout}${fmt.stderr}`);
    }
    const cargoToml = files.filter((f) => f.endsWith("Cargo.toml"));
    for (const f of cargoToml) {
      const text = await readFile(join(dir, f), "utf8");
      assert.match(text, /^\[workspace\]$/m, `${t.id}/${f} needs its own [workspace]`);
      assert.ok(existsSync(join(dir, f.replace("Cargo.toml", "Cargo.lock"))), `${f}: Cargo.lock`);
    }
  }
});

test("Rust templates use this checkout's SDK and runtime by absolute path and pin its toolchain", async () => {
  const res = await runLoop(["component", "new", "paths", "--lang", "rust"], { cwd: tmp.dir });
  assert.equal(res.code, 0, res.stderr);
  const cargo = await readFile(join(tmp.dir, "paths", "Cargo.toml"), "utf8");
  assert.ok(cargo.includes(`path = "${join(repoRoot, "crates", "loop-sdk")}"`), cargo);
  const pinned = /channel = "([^"]+)"/.exec(
    await readFile(join(repoRoot, "rust-toolchain.toml"), "utf8"),
  )?.[1];
  const toolchain = await readFile(join(tmp.dir, "paths", "rust-toolchain.toml"), "utf8");
  assert.ok(toolchain.includes(`channel = "${pinned}"`), toolchain);
  const host = await runLoop(["host", "new", "paths-host"], { cwd: tmp.dir });
  assert.equal(host.code, 0, host.stderr);
  const hostCargo = await readFile(join(tmp.dir, "paths-host", "Cargo.toml"), "utf8");
  assert.ok(hostCargo.includes(`path = "${join(repoRoot, "crates", "loop-host")}"`), hostCargo);
  const wasmtime = /^wasmtime = \{ version = "([^"]+)"/m.exec(
    await readFile(join(repoRoot, "Cargo.toml"), "utf8"),
  )?.[1];
  assert.ok(hostCargo.includes(`version = "=${wasmtime}"`), hostCargo);
});

test("invalid names are refused with one line that says what to type, and nothing is written", async () => {
  const cases: [string, RegExp][] = [
    ["Hello", /"Hello" is not a valid name: use lower-case letters.*\(try "hello"\)$/],
    ["hello_world", /\(try "hello-world"\)$/],
    ["1st", /"1st" is not a valid name.*each hyphen-separated part starting with a letter/],
    ["a--b", /"a--b" is not a valid name/],
    ["app-2", /\(try "app2"\)$/],
    ["loop", /"loop" is a Rust keyword or a name cargo reserves.*\(e\.g\. my-loop\)$/],
    ["world", /"world" is a WIT keyword/],
    ["x".repeat(65), /is 65 characters long; use at most 64$/],
  ];
  for (const [name, message] of cases) {
    const res = await runLoop(["component", "new", name, "--lang", "rust"], { cwd: tmp.dir });
    assert.equal(res.code, 1, `${name}: ${res.stdout}${res.stderr}`);
    assert.equal(res.stdout, "");
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(res.stderr.trim(), /^loop: /);
    assert.match(res.stderr.trim(), message);
    assert.equal(existsSync(join(tmp.dir, name)), false, `${name} was created`);
  }
  for (const args of [
    ["host", "new", "Bad_Name"],
    ["app", "new", "Bad_Name"],
  ]) {
    const res = await runLoop(args, { cwd: tmp.dir });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /^loop: "Bad_Name" is not a valid name/);
  }
});

test("a non-empty folder is never overwritten; an empty one is used", async () => {
  const dir = join(tmp.dir, "taken");
  await mkdir(dir);
  await writeFile(join(dir, "notes.txt"), "mine\n");
  const res = await runLoop(["component", "new", "taken", "--lang", "ts"], { cwd: tmp.dir });
  assert.equal(res.code, 1);
  assert.equal(
    res.stderr.trim(),
    "loop: taken is not empty (it has 1 entry); loop never overwrites files: choose another name or --output, or empty it first",
  );
  assert.deepEqual(await readdir(dir), ["notes.txt"]);
  assert.equal(await readFile(join(dir, "notes.txt"), "utf8"), "mine\n");

  const other = await runLoop(["app", "new", "other", "--output", "taken"], { cwd: tmp.dir });
  assert.equal(other.code, 1);
  assert.match(other.stderr, /^loop: taken is not empty/);

  await writeFile(join(tmp.dir, "plain-file"), "x");
  const file = await runLoop(["component", "new", "x", "--lang", "js", "-o", "plain-file"], {
    cwd: tmp.dir,
  });
  assert.equal(file.code, 1);
  assert.match(file.stderr, /^loop: plain-file exists and is not a folder/);

  const empty = join(tmp.dir, "empty");
  await mkdir(empty);
  const ok = await runLoop(["component", "new", "fresh", "--lang", "js", "--output", "empty"], {
    cwd: tmp.dir,
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^created JavaScript command component .* "fresh" in \.\/empty$/m);
  assert.ok(existsSync(join(empty, "package.json")));
  const pkg = JSON.parse(await readFile(join(empty, "package.json"), "utf8"));
  assert.equal(pkg.name, "fresh");
});

test("usage errors: a missing or unknown --lang, an unknown --world", async () => {
  const none = await runLoop(["component", "new", "x"], { cwd: tmp.dir });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^loop: required option '--lang <LANG>' not specified/);
  const go = await runLoop(["component", "new", "x", "--lang", "go"], { cwd: tmp.dir });
  assert.equal(go.code, 2);
  assert.match(go.stderr, /Allowed choices are rust, ts, js/);
  const world = await runLoop(["component", "new", "x", "--lang", "rust", "--world", "gui"], {
    cwd: tmp.dir,
  });
  assert.equal(world.code, 2);
  assert.match(world.stderr, /Allowed choices are command, http, fx/);
  assert.equal(existsSync(join(tmp.dir, "x")), false);
});

test("the new commands' --help reads like a man page, with examples", async () => {
  for (const command of [
    ["component", "new"],
    ["host", "new"],
    ["app", "new"],
    ["host"],
    ["app"],
    ["doctor"],
  ]) {
    const res = await runLoop([...command, "--help"]);
    assert.equal(res.code, 0, `loop ${command.join(" ")} --help: ${res.stderr}`);
    assert.match(res.stdout, /^Usage: loop /, command.join(" "));
    assert.match(res.stdout, /\nExamples:\n\s+\$ loop /, `loop ${command.join(" ")} --help`);
    assertNoStackTrace(res.stdout);
  }
  const top = await runLoop(["--help"]);
  for (const noun of ["host", "app", "doctor"])
    assert.match(top.stdout, new RegExp(`\\b${noun}\\b`));
  const component = await runLoop(["component", "--help"]);
  assert.match(component.stdout, /new \[options\] <name>/);
});
