/**
 * @loop-kit/host-client: locate the `loop-host` executable and run it.
 *
 * Later this package also speaks loop-host's control protocol; for now it finds the binary,
 * runs it as a child process with the terminal passed straight through, captures the output of
 * its data commands, and resolves `loop.toml` through `loop-host manifest`.
 */
export { type CapturedHost, type CaptureHostOptions, captureHost } from "./capture.js";
export { type FindLoopHostOptions, findLoopHost, LoopHostNotFoundError } from "./locate.js";
export {
  ManifestError,
  type Policy,
  type ResolvedApp,
  type ResolvedComponent,
  resolveManifest,
} from "./manifest.js";
export { type HostExit, type RunHostOptions, runHost } from "./run.js";
