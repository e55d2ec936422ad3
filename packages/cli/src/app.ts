import { existsSync, readFileSync } from "node:fs";
import {
  ManifestError,
  type ResolvedApp,
  type ResolvedComponent,
  resolveManifest,
} from "@loop-kit/host-client";
import { CliError, EXIT_USAGE } from "./errors.js";
import { formatMs } from "./format.js";
import { checkFile } from "./host.js";
import { engineArgs, type PolicyOptions, policyArgs, wantsManifest } from "./policy.js";

// Manifest mode: `loop run`, `loop serve` and `loop component inspect` without a FILE (or with
// --manifest / --component). loop-host resolves loop.toml (`loop-host manifest`, the one
// schema); this module picks the component and builds it when it comes from source.

/** The name of the manifest `loop` looks for in the current folder. */
export const MANIFEST = "loop.toml";

/** A component of a manifest, ready for loop-host. */
export interface AppTarget {
  /** The manifest, as it is passed to loop-host (relative when found in the current folder). */
  manifest: string;
  app: ResolvedApp;
  component: ResolvedComponent;
  /** The component built from `source`; undefined for a `path` component. */
  built: string | undefined;
}

/**
 * The manifest to use: `--manifest`, else `./loop.toml`.
 *
 * @throws {CliError} (usage) when there is none; `noFile` says what to do instead.
 */
export function manifestPath(options: PolicyOptions, noFile: string): string {
  if (options.manifest !== undefined) return options.manifest;
  if (existsSync(MANIFEST)) return MANIFEST;
  throw new CliError(
    `${noFile}, and there is no ${MANIFEST} in ${process.cwd()}: pass a FILE or create ${MANIFEST} (see docs/manifest.md; \`loop app new\` will write one)`,
    { exitCode: EXIT_USAGE },
  );
}

/**
 * Resolves the manifest through loop-host, picks the component (`--component`, else app.main,
 * else the only one) and, for a `source` component, builds it (progress on stderr).
 */
export async function resolveTarget(
  manifest: string,
  options: PolicyOptions,
  build = true,
): Promise<AppTarget> {
  const app = await resolveManifest(manifest);
  const component = pickComponent(manifest, app, options.component);
  let built: string | undefined;
  if (component.source !== null && build) built = await buildSource(component);
  return { manifest, app, component, built };
}

/**
 * loop-host's arguments for `command` (`serve`, `inspect`, with its own `extra` flags): on FILE
 * with the flags alone, or on a manifest's component (a `source` one built first when there is
 * no FILE), its grants and limits from the manifest plus the flags.
 */
export async function hostTargetArgs(
  command: string,
  extra: readonly string[],
  file: string | undefined,
  options: PolicyOptions,
): Promise<string[]> {
  if (file !== undefined) checkFile(file);
  if (file !== undefined && !wantsManifest(options)) {
    return [command, ...extra, ...policyArgs(options), ...engineArgs(options), "--", file];
  }
  const manifest = manifestPath(options, "no FILE given");
  const target = await resolveTarget(manifest, options, file === undefined);
  const wasm = file ?? target.built;
  return [
    command,
    ...extra,
    "--manifest",
    target.manifest,
    "--component",
    target.component.name,
    ...(wasm !== undefined ? ["--wasm", wasm] : []),
    ...policyArgs(options, target.component.policy.trust === "trusted"),
    ...engineArgs(options),
  ];
}

/** The component `name`, else the app's main one; errors name the file, line and key. */
export function pickComponent(
  manifest: string,
  app: ResolvedApp,
  name: string | undefined,
): ResolvedComponent {
  const names = app.components.map((c) => c.name).join(", ");
  const wanted = name ?? app.main ?? undefined;
  if (wanted !== undefined) {
    const found = app.components.find((c) => c.name === wanted);
    if (found) return found;
    throw new CliError(
      `${manifest} has no component named \`${wanted}\` (it has: ${names || "none"})`,
    );
  }
  // loop-host resolves these manifests fine (they are valid); only "which one to run" is
  // missing. Point at the line where the answer belongs.
  const text = readText(manifest);
  if (app.components.length === 0) {
    const line = lineOf(text, /^\s*\[\s*components\s*[.\]]/m) ?? 1;
    throw new ManifestError(
      `invalid manifest: ${manifest}:${line}: components: no components declared; expected at least one [components.NAME] table with \`path\` (a .wasm) or \`source\` (a folder)`,
      manifest,
    );
  }
  const line = lineOf(text, /^\s*\[\s*app\s*\]/m) ?? 1;
  throw new ManifestError(
    `invalid manifest: ${manifest}:${line}: app.main: ${app.components.length} components (${names}) and no app.main; expected app.main = "NAME" under [app] (or pass --component NAME)`,
    manifest,
  );
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** The 1-based line of the first match of `pattern`, if any. */
function lineOf(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  if (!match) return undefined;
  return text.slice(0, match.index + (match[0].length - match[0].trimStart().length)).split("\n")
    .length;
}

/** Builds a `source` component the way `loop component build` does; returns the .wasm. */
async function buildSource(component: ResolvedComponent): Promise<string> {
  const source = component.source as string;
  const [{ buildComponent }, { createProgress, describeBuild }] = await Promise.all([
    import("@loop-kit/build"),
    import("./progress.js"),
  ]);
  const progress = await createProgress({ quietWhenFresh: true });
  try {
    const result = await buildComponent(source, { onProgress: progress.step });
    progress.stop();
    if (!result.upToDate) {
      process.stderr.write(`built ${describeBuild(result)} in ${formatMs(result.ms)}\n`);
    }
    return result.wasm;
  } finally {
    progress.stop();
  }
}
