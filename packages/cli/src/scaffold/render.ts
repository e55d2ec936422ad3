import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseToml } from "smol-toml";
import { CliError } from "../errors.js";
import { nameProblem, snakeName } from "./names.js";
import type { Template } from "./templates.js";

// Generating a project: read a template folder, fill in its `{{placeholders}}`, write it into an
// empty (or new) folder. Nothing is written until every file has been read and rendered, and an
// existing non-empty folder is never touched.

/** The loop-kit checkout this CLI runs from (its templates, SDKs and Cargo.lock live there). */
export function loopKitRoot(): string {
  // src/scaffold/render.ts and dist/scaffold/render.js are both four levels below the root.
  return fileURLToPath(new URL("../../../../", import.meta.url)).replace(/[/\\]$/, "");
}

/** `<loop-kit>/templates`. */
export function templatesDir(root = loopKitRoot()): string {
  return join(root, "templates");
}

/** What `{{placeholder}}`s in templates stand for. */
export interface TemplateContext {
  /** The project name, kebab-case: `hello-world`. */
  name: string;
  /** The same with underscores: `hello_world` (Rust identifiers, cdylib file names). */
  name_snake: string;
  /** Absolute path of the loop-kit checkout: `loop-sdk = { path = "{{loop_kit}}/crates/loop-sdk" }`. */
  loop_kit: string;
  /** The Rust toolchain loop-kit pins (its rust-toolchain.toml `channel`). */
  rust_channel: string;
  /** The Wasmtime version loop-host embeds (the workspace's `wasmtime` dependency). */
  wasmtime_version: string;
  /** The wit-bindgen version loop-sdk uses (the workspace's `wit-bindgen` dependency). */
  wit_bindgen_version: string;
  /**
   * The checkout's `[patch.crates-io]` entries with absolute paths, one per line, so a project
   * that embeds loop-host compiles the crates loop-kit patches the same way (patches/README.md).
   */
  cargo_patches: string;
}

/** Reads the versions templates pin from the checkout's rust-toolchain.toml and Cargo.toml. */
export function templateContext(name: string, root = loopKitRoot()): TemplateContext {
  if (/["'\\\n]/.test(root)) {
    throw new CliError(
      `the loop-kit checkout's path (${root}) contains a quote or backslash, which generated Cargo.toml and package.json files cannot hold; move the checkout`,
    );
  }
  const toolchain = readText(join(root, "rust-toolchain.toml"));
  const cargo = readText(join(root, "Cargo.toml"));
  return {
    name,
    name_snake: snakeName(name),
    loop_kit: root,
    rust_channel: match(toolchain, /^\s*channel\s*=\s*"([^"]+)"/m, "rust-toolchain.toml channel"),
    wasmtime_version: match(
      cargo,
      /^\s*wasmtime\s*=\s*\{\s*version\s*=\s*"([^"]+)"/m,
      "Cargo.toml wasmtime version",
    ),
    wit_bindgen_version: match(
      cargo,
      /^\s*wit-bindgen\s*=\s*\{\s*version\s*=\s*"([^"]+)"/m,
      "Cargo.toml wit-bindgen version",
    ),
    cargo_patches: cargoPatches(cargo, root),
  };
}

/**
 * The `name = { path = "..." }` lines of a Cargo.toml's `[patch.crates-io]` table, each path
 * made absolute against `root`; "" when there is none.
 */
export function cargoPatches(cargo: string, root: string): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = parseToml(cargo);
  } catch (err) {
    throw new CliError(
      `cannot parse the loop-kit checkout's Cargo.toml: ${(err as Error).message}`,
    );
  }
  const table = (parsed.patch as Record<string, unknown> | undefined)?.["crates-io"] ?? {};
  return Object.entries(table as Record<string, unknown>)
    .map(([name, spec]) => {
      const path = (spec as { path?: unknown } | null)?.path;
      if (typeof path !== "string" || Object.keys(spec as object).length !== 1) {
        throw new CliError(
          `cannot read this [patch.crates-io] entry of the loop-kit checkout's Cargo.toml: ${name} = ${inlineToml(spec)} (templates copy only \`name = { path = "..." }\`)`,
        );
      }
      const absolute = path.startsWith("/") ? path : `${root}/${path}`;
      return `${name} = { path = "${absolute}" }`;
    })
    .join("\n");
}

/** A parsed TOML value written back in inline form, for messages: `{ git = "..." }`. */
function inlineToml(value: unknown): string {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return JSON.stringify(value);
  }
  const fields = Object.entries(value).map(([k, v]) => `${k} = ${inlineToml(v)}`);
  return `{ ${fields.join(", ")} }`;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new CliError(
      `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? "error"}): templates need the loop-kit checkout the CLI runs from`,
    );
  }
}

function match(text: string, re: RegExp, what: string): string {
  const found = re.exec(text)?.[1];
  if (found === undefined) throw new CliError(`cannot find the ${what} in the loop-kit checkout`);
  return found;
}

const PLACEHOLDER_RE = /\{\{([a-z_]+)\}\}/g;

/** Fills in `{{key}}`s; an unknown key is a bug in the template, reported as such. */
export function renderText(text: string, context: TemplateContext, where = "template"): string {
  return text.replace(PLACEHOLDER_RE, (whole, key: string) => {
    if (Object.hasOwn(context, key)) return context[key as keyof TemplateContext];
    throw new Error(`${where}: unknown placeholder ${whole}`);
  });
}

/** File names that cannot be stored under their own name in templates/. */
const RENAMES: Record<string, string> = { _gitignore: ".gitignore" };

/** One file of a generated project. */
export interface GeneratedFile {
  /** Path relative to the project folder, with `/` separators. */
  path: string;
  content: string;
}

/** Every file `template` generates for `context`, in a stable order. */
export function renderTemplate(
  template: Template,
  context: TemplateContext,
  root = loopKitRoot(),
): GeneratedFile[] {
  const source = join(templatesDir(root), ...template.id.split("/"));
  if (!existsSync(source)) {
    throw new CliError(`template ${template.id} is missing from ${templatesDir(root)}`);
  }
  const files: GeneratedFile[] = [];
  for (const file of walk(source)) {
    const rel = relative(source, file).split(sep);
    const base = rel.at(-1) as string;
    rel[rel.length - 1] = RENAMES[base] ?? base;
    files.push({
      path: rel.join("/"),
      content: renderText(readFileSync(file, "utf8"), context, `${template.id}/${rel.join("/")}`),
    });
  }
  if (template.cargoLocks.length > 0) {
    const lock = readText(join(root, "Cargo.lock"));
    for (const folder of template.cargoLocks) {
      files.push({ path: folder === "." ? "Cargo.lock" : `${folder}/Cargo.lock`, content: lock });
    }
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * Checks that `dir` may receive a new project: it does not exist, or is an empty folder.
 *
 * @throws {CliError} otherwise, saying what to do.
 */
export function checkTarget(dir: string, shown: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) {
    throw new CliError(`${shown} exists and is not a folder; choose another name or --output`);
  }
  const entries = readdirSync(dir);
  if (entries.length > 0) {
    throw new CliError(
      `${shown} is not empty (it has ${entries.length} entr${entries.length === 1 ? "y" : "ies"}); loop never overwrites files: choose another name or --output, or empty it first`,
    );
  }
}

/** Where a project went and what it holds. */
export interface Scaffolded {
  /** Absolute project folder. */
  dir: string;
  template: Template;
  context: TemplateContext;
  /** Relative paths of the files written. */
  files: string[];
}

export interface ScaffoldOptions {
  template: Template;
  name: string;
  /** The project folder (default: `./NAME`). */
  dir?: string;
  /** The loop-kit checkout (default: the one this CLI runs from). */
  root?: string;
}

/**
 * Generates a project: validates the name, refuses a non-empty folder, renders the template and
 * writes it.
 *
 * @throws {CliError} for a bad name, a non-empty folder or a broken checkout.
 */
export async function scaffold(options: ScaffoldOptions): Promise<Scaffolded> {
  const problem = nameProblem(options.name);
  if (problem !== undefined) throw new CliError(problem);
  const shown = options.dir ?? options.name;
  const dir = resolve(shown);
  checkTarget(dir, shown);
  const root = options.root ?? loopKitRoot();
  const context = templateContext(options.name, root);
  const files = renderTemplate(options.template, context, root);
  for (const file of files) {
    const path = join(dir, ...file.path.split("/"));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content, { flag: "wx" });
  }
  await mkdir(dir, { recursive: true });
  return { dir, template: options.template, context, files: files.map((f) => f.path) };
}
