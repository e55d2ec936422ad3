import * as shim from "@bytecodealliance/preview2-shim";
import { type JcoInstantiate, PROVIDERS, startWebApp } from "@loop-kit/web-host";
import { greeter } from "./greeter.js";

// The page: the guest (guest/, a loop:fx UI component) runs in @loop-kit/web-host, the
// in-browser host, with every capability it has (PROVIDERS: loop:fx/host, logging, WASI) plus this
// page's own, the greeter (src/greeter.ts). build.mjs puts the guest, transpiled by jco, in
// dist/guest/: guest.js (its `instantiate`), its core wasm, and imports.json (what it imports,
// checked against the providers before it starts).

const guest = new URL("guest/", import.meta.url);
const [module, imports] = await Promise.all([
  import(new URL("guest.js", guest).href) as Promise<{ instantiate: JcoInstantiate }>,
  fetch(new URL("imports.json", guest)).then((r) => r.json() as Promise<string[]>),
]);

const container = document.getElementById("app");
if (container === null) throw new Error("the page has no #app element");

// A failure to start is shown on the page (and the console) by startWebApp itself.
await startWebApp({
  container,
  root: "guest",
  components: { guest: { instantiate: module.instantiate, base: guest, imports } },
  shim,
  providers: [...PROVIDERS, greeter("{{name}}")],
}).catch(() => {});
