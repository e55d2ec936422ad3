/**
 * @loop-kit/host-client: locate the `loop-host` executable and run it.
 *
 * It finds the binary, runs it as a child process with the terminal passed straight through,
 * captures the output of its data commands, resolves `loop.toml` through `loop-host manifest`,
 * and speaks loop-host's control protocol (`ControlClient`), with an fx driver over it
 * (`loopHostDriver`: fx components running in loop-host, reconciled by @loop-kit/fx).
 */
export { type CapturedHost, type CaptureHostOptions, captureHost } from "./capture.js";
export {
  type ClearTimeoutEvent,
  CONTROL_PROTOCOL,
  ControlClient,
  type ControlClientOptions,
  ControlError,
  type ControlErrorKind,
  type ControlEvent,
  type ControlEventListener,
  type ControlLogLevel,
  type ControlStderr,
  type EmitEvent,
  formatLogEvent,
  type HelloResult,
  type InvalidateEvent,
  type LoadOptions,
  type LoadResult,
  type LogEvent,
  MAX_FRAME_BYTES,
  type SetTimeoutEvent,
} from "./control.js";
export {
  FX_HANDLE,
  FX_RENDER,
  FX_WORLD,
  FxComponentError,
  type FxComponentResolver,
  type FxComponentSource,
  type FxControl,
  type LoopHostDriver,
  type LoopHostDriverOptions,
  loopHostDriver,
} from "./control-driver.js";
export {
  type FindLoopHostOptions,
  findLoopHost,
  hostEnv,
  LoopHostNotFoundError,
} from "./locate.js";
export {
  ManifestError,
  type Policy,
  type ResolvedApp,
  type ResolvedComponent,
  type ResolvedDev,
  resolveManifest,
  untrustedPolicy,
} from "./manifest.js";
export { type HostExit, type RunHostOptions, runHost } from "./run.js";
