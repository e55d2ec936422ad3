/**
 * @loop-kit/devserver: the default `loop:devserver` behind `loop dev`: workspace scan, watch
 * graph, rebuild and hot swap with state. The contract (`DevServer`: scan → workspace and watch
 * graph, change → plan, load) mirrors the WIT package `loop:devserver` (wit/devserver); a
 * workspace can name another implementation in loop.toml (`[dev] server = "./x.mjs"`).
 */
export {
  type Artifact,
  type ChangeKind,
  type ComponentInfo,
  type ComponentKind,
  type DevServer,
  type Edge,
  type FileChange,
  LoadError,
  type Loaded,
  type LoadFailure,
  type LoadOptions,
  type Location,
  type Plan,
  type Reason,
  type ScanRequest,
  type WitPackageInfo,
  type Workspace,
  type World,
} from "./contract.js";
export { DevServerError, defaultDevServer, loadDevServer } from "./default.js";
export {
  DevDriver,
  type DevDriverOptions,
  type DevResolver,
  type DevSource,
  SwapError,
  type SwapResult,
  type SwapStage,
} from "./driver.js";
export { FxApp, type FxAppOptions } from "./fx-app.js";
export { inside, planChanges, WatchGraph } from "./graph.js";
export { errorPayload, type GuestImports, JsGuestModule } from "./js-guest.js";
export {
  bundleFast,
  FAST_IMPORTS,
  loadComponent,
  locate,
  rustInputs,
  toLoadError,
} from "./load.js";
export {
  canonical,
  IGNORED_DIRS,
  MANIFEST,
  ScanError,
  scanWorkspace,
} from "./scan.js";
export { CommandRun, ServeError, ServeHost } from "./serve.js";
export { type DevEvent, type DevOptions, DevSession } from "./session.js";
export {
  completeWasm,
  Debouncer,
  isIgnored,
  type Watcher,
  type WatcherOptions,
  watch,
} from "./watch.js";
