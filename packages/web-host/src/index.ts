// @loop-kit/web-host: loop:fx apps entirely in the browser. jco-transpiled components, one
// provider module per capability for their imports, the @loop-kit/fx reconciler and the
// @loop-kit/dom renderer. `loop pack --web` writes a page that calls `startWebApp`.

export { startWebApp, type WebApp, type WebAppOptions } from "./app.js";
export {
  type JcoInstantiate,
  type WebComponent,
  type WebHostDriverOptions,
  WebHostError,
  webHostDriver,
} from "./driver.js";
export {
  camel,
  fromShim,
  PROVIDERS,
  type Preview2Shim,
  type Provider,
  type ProviderContext,
} from "./providers/index.js";
