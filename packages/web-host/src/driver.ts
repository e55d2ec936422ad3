/// <reference lib="dom" />
import type {
  ComponentDriver,
  ComponentInstance,
  FxEvent,
  HostApi,
  View,
  WitNode,
} from "@loop-kit/fx";
import { viewFromWit } from "@loop-kit/fx";
import { PROVIDERS, type Preview2Shim, type Provider } from "./providers/index.js";

// The browser's ComponentDriver: each fiber is its own instance of a jco-transpiled component
// (`jco transpile --instantiation async`), whose imports are bound by the providers, with
// `loop:fx/host` bound to that fiber. A component's core modules are compiled once and shared
// by all its instances. `render` and `handle` are synchronous calls into wasm, so the
// reconciler's flushes stay synchronous.

/** What jco's `--instantiation async` module exports as `instantiate`. */
export type JcoInstantiate = (
  getCoreModule: (path: string) => Promise<WebAssembly.Module>,
  imports: Record<string, unknown>,
  instantiateCore?: (
    module: WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<WebAssembly.Instance>,
) => Promise<Record<string, unknown>>;

/** One component of the app, as `loop pack --web` writes it. */
export interface WebComponent {
  /** The transpiled module's `instantiate`. */
  readonly instantiate: JcoInstantiate;
  /** URL of the folder holding its core modules (`NAME.core.wasm`, ...). */
  readonly base: string | URL;
  /** The interfaces it imports (from the transpile), checked before instantiating. */
  readonly imports?: readonly string[];
}

/** The `loop:fx/component` export, as jco binds it. */
interface FxExports {
  render(props: string): readonly WitNode[];
  handle(event: FxEvent): void;
}

export interface WebHostDriverOptions {
  /** The app's components by name. */
  readonly components: Readonly<Record<string, WebComponent>>;
  /** jco's browser WASI shim (`import * as shim from "@bytecodealliance/preview2-shim"`). */
  readonly shim: Preview2Shim;
  /** The capabilities (default: all of `PROVIDERS`). */
  readonly providers?: readonly Provider[];
}

/** Thrown when a component cannot be instantiated in the page; the message says why. */
export class WebHostError extends Error {
  override name = "WebHostError";
}

function stripVersion(name: string): string {
  const at = name.indexOf("@");
  return at < 0 ? name : name.slice(0, at);
}

async function compile(url: URL): Promise<WebAssembly.Module> {
  const res = await fetch(url);
  if (!res.ok) throw new WebHostError(`could not load ${url.pathname}: HTTP ${res.status}`);
  // compileStreaming needs `application/wasm`; some static servers say otherwise.
  if (res.headers.get("content-type")?.startsWith("application/wasm"))
    return WebAssembly.compileStreaming(res);
  return WebAssembly.compile(await res.arrayBuffer());
}

/** The browser host's `ComponentDriver`. */
export function webHostDriver(options: WebHostDriverOptions): ComponentDriver {
  const providers = options.providers ?? PROVIDERS;
  const provided = new Set(providers.flatMap((p) => p.interfaces));
  const modules = new Map<string, Promise<WebAssembly.Module>>();

  const coreModule = (name: string, c: WebComponent) => (path: string) => {
    const url = new URL(path, new URL(c.base, document.baseURI));
    const key = url.href;
    let m = modules.get(key);
    if (m === undefined) {
      m = compile(url);
      m.catch(() => modules.delete(key));
      modules.set(key, m);
    }
    return m.catch((err: unknown) => {
      throw new WebHostError(`component "${name}": ${(err as Error).message}`);
    });
  };

  return {
    async instantiate(name: string, fiberId: number, host: HostApi): Promise<ComponentInstance> {
      const c = options.components[name];
      if (c === undefined) {
        const names = Object.keys(options.components).join(", ");
        throw new WebHostError(
          `no component named "${name}" in this app (it has: ${names || "none"}); a manifest app packs all of its components`,
        );
      }
      const missing = (c.imports ?? []).map(stripVersion).filter((i) => !provided.has(i));
      if (missing.length > 0) {
        throw new WebHostError(
          `component "${name}" imports ${missing.join(", ")}, which the browser host does not provide`,
        );
      }
      const imports: Record<string, unknown> = {};
      for (const p of providers)
        Object.assign(imports, p.bind({ component: name, fiberId, host, shim: options.shim }));
      const exports = await c.instantiate(coreModule(name, c), imports);
      const fx = (exports.component ?? exports["loop:fx/component@0.1.0"]) as FxExports | undefined;
      if (fx === undefined || typeof fx.render !== "function") {
        throw new WebHostError(
          `component "${name}" does not export loop:fx/component (it is not a loop:fx component)`,
        );
      }
      let live = true;
      return {
        render(props: string): View {
          if (!live) throw new WebHostError(`component "${name}" (fiber ${fiberId}) was disposed`);
          return viewFromWit(fx.render(props));
        },
        handle(event: FxEvent): void {
          fx.handle({ handler: event.handler, payload: event.payload });
        },
        dispose(): void {
          // A jco instance has nothing to close: dropping it lets the GC take its memory.
          live = false;
        },
      };
    },
  };
}
