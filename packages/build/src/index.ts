/**
 * @loop-kit/build: guest toolchain drivers. `buildComponent(dir)` turns a Rust crate, a JS
 * package or a TypeScript package into a WebAssembly component.
 */
import { detectProject } from "./detect.js";
import { buildJs } from "./js.js";

export { guestBundleOptions } from "./js.js";

import { buildRust } from "./rust.js";
import type { BuildOptions, BuildResult } from "./types.js";

export {
  detectProject,
  displayPath,
  type JsProject,
  type Project,
  type RustProject,
} from "./detect.js";
export { BuildError, type BuildErrorCode, type BuildErrorOptions } from "./errors.js";
export type { BuildOptions, BuildResult, BuildStep, ProjectKind, RustRoute } from "./types.js";
export {
  preview2ShimDir,
  transpileForWeb,
  type WebTranspileOptions,
  type WebTranspileResult,
} from "./web.js";
export { assembleWit, planWit, WASI_VERSION, type WitPackage, type WitPlan } from "./wit.js";

/**
 * Builds the guest project in `dir` into a component and says where it went.
 *
 * @throws {BuildError} with the tool's diagnostics in `output` when the build fails.
 */
export async function buildComponent(
  dir: string,
  options: BuildOptions = {},
): Promise<BuildResult> {
  options.onProgress?.({ step: "detect", message: "detecting the project" });
  const project = await detectProject(dir);
  return project.kind === "rust" ? buildRust(project, options) : buildJs(project, options);
}
