import { cli } from "./cli.js";
import { clocks } from "./clocks.js";
import { filesystem } from "./filesystem.js";
import { fxHost } from "./fx-host.js";
import { http } from "./http.js";
import { io } from "./io.js";
import { logging } from "./logging.js";
import { random } from "./random.js";
import { sockets } from "./sockets.js";
import type { Provider } from "./types.js";

export {
  camel,
  fromShim,
  type Preview2Shim,
  type Provider,
  type ProviderContext,
} from "./types.js";

/** The browser host's capabilities; adding one is a module and a line here. */
export const PROVIDERS: readonly Provider[] = [
  fxHost,
  logging,
  cli,
  io,
  clocks,
  random,
  filesystem,
  http,
  sockets,
];
