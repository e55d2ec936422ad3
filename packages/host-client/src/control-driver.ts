import type {
  ComponentDriver,
  ComponentInstance,
  FxEvent,
  HostApi,
  View,
  WitJsonNode,
} from "@loop-kit/fx";
import { viewFromWit } from "@loop-kit/fx";
import type { ControlClient, ControlEvent, LoadResult } from "./control.js";
import type { Policy } from "./manifest.js";

// An fx `ComponentDriver` whose components run in loop-host, behind the control protocol: one
// loop-host instance per fiber. The reconciler (@loop-kit/fx) stays in this process; the
// guests' `loop:fx/host` imports come back as events and are replayed on the fiber's HostApi.

/** The export every fx component has. */
export const FX_RENDER = "loop:fx/component#render";
export const FX_HANDLE = "loop:fx/component#handle";
/** The world `load` reports for an fx component. */
export const FX_WORLD = "loop:fx/app";

/** Where a component name's wasm lives, and the policy it runs under. */
export interface FxComponentSource {
  /** The component file. */
  path: string;
  /** Name in logs (default: the component name asked for). */
  name?: string;
  /** Policy (default: untrusted, no grants). */
  policy?: Policy | null;
}

/**
 * Resolves a component name (the root's, or a `component` node's) to its wasm. Throw (or
 * reject) with a message that says what was looked for when there is none.
 */
export type FxComponentResolver = (name: string) => FxComponentSource | Promise<FxComponentSource>;

export interface LoopHostDriverOptions {
  /** Told of each component loaded (e.g. to report compilation). */
  onLoad?: (name: string, result: LoadResult, source: FxComponentSource) => void;
}

/** The driver, plus what an embedder (a bench, a dev server) may want to reach. */
export interface LoopHostDriver extends ComponentDriver {
  /** The loop-host instance id of a live fiber. */
  instanceOf(fiberId: number): number | undefined;
  /** Components loaded so far, by name. */
  readonly loaded: ReadonlyMap<string, LoadResult>;
  /** Stops listening to the client's events (the client itself keeps running). */
  detach(): void;
}

/** What the driver needs of a {@link ControlClient} (a fake one will do in tests). */
export type FxControl = Pick<
  ControlClient,
  "subscribe" | "load" | "instantiate" | "call" | "drop" | "setTime"
>;

/** Thrown when a component name resolves to something that is not an fx component. */
export class FxComponentError extends Error {
  override name = "FxComponentError";
}

interface Live {
  readonly fiberId: number;
  readonly host: HostApi;
  /** loop-host's timer ids (per instance) → the runtime's. */
  readonly timers: Map<number, number>;
}

/**
 * A `ComponentDriver` running each fiber's component as its own loop-host instance:
 * `instantiate` loads the component once per name (through `resolve`) and instantiates it;
 * `render` and `handle` are calls to `loop:fx/component`; `dispose` drops the instance. The
 * guest's `invalidate`, `emit`, `set-timeout` and `clear-timeout` reach the fiber's `HostApi`,
 * and loop-host's virtual clock is set to the runtime's before a call whenever it moved.
 */
export function loopHostDriver(
  client: FxControl,
  resolve: FxComponentResolver,
  options: LoopHostDriverOptions = {},
): LoopHostDriver {
  const loads = new Map<string, Promise<LoadResult>>();
  const loaded = new Map<string, LoadResult>();
  const live = new Map<number, Live>();
  const byFiber = new Map<number, number>();
  // The clock loop-host has (it starts at 0, as the runtime does).
  let time = 0;

  const unsubscribe = client.subscribe((event: ControlEvent) => {
    if (event.event === "log") return;
    const target = live.get(event.instance);
    if (target === undefined) return; // dropped meanwhile
    switch (event.event) {
      case "invalidate":
        target.host.invalidate();
        return;
      case "emit":
        target.host.emit(event.name, event.payload);
        return;
      case "set-timeout":
        target.timers.set(event.id, target.host.setTimeout(event.delayMs, event.handler));
        return;
      case "clear-timeout": {
        const id = target.timers.get(event.id);
        if (id !== undefined) {
          target.timers.delete(event.id);
          target.host.clearTimeout(id);
        }
        return;
      }
    }
  });

  const load = (name: string): Promise<LoadResult> => {
    let p = loads.get(name);
    if (p === undefined) {
      p = (async () => {
        const source = await resolve(name);
        const result = await client.load(source.path, {
          name: source.name ?? name,
          policy: source.policy ?? null,
        });
        if (result.world !== FX_WORLD && !result.exports.some(isFxExport)) {
          throw new FxComponentError(
            `${source.path} is not a loop:fx component (it targets ${result.world}; an fx component exports loop:fx/component)`,
          );
        }
        loaded.set(name, result);
        options.onLoad?.(name, result, source);
        return result;
      })();
      // A failed load is not cached: the next instantiate tries again.
      p.catch(() => loads.delete(name));
      loads.set(name, p);
    }
    return p;
  };

  // Pipelined: loop-host handles requests in order, so the call after it sees the new time.
  const sync = (host: HostApi): void => {
    const now = host.now();
    if (now !== time) {
      time = now;
      client.setTime(now).catch(() => {
        // A dead host fails the call that follows, with the reason.
      });
    }
  };

  return {
    loaded,
    instanceOf: (fiberId) => byFiber.get(fiberId),
    detach: unsubscribe,
    async instantiate(name: string, fiberId: number, host: HostApi): Promise<ComponentInstance> {
      const component = await load(name);
      sync(host);
      const instance = await client.instantiate(component.component);
      live.set(instance, { fiberId, host, timers: new Map() });
      byFiber.set(fiberId, instance);
      return {
        render(props: string): Promise<View> {
          sync(host);
          return client
            .call<readonly WitJsonNode[]>(instance, FX_RENDER, [props])
            .then(viewFromWit);
        },
        handle(event: FxEvent): Promise<void> {
          sync(host);
          return client
            .call(instance, FX_HANDLE, [{ handler: event.handler, payload: event.payload }])
            .then(noop);
        },
        dispose(): Promise<void> {
          live.delete(instance);
          if (byFiber.get(fiberId) === instance) byFiber.delete(fiberId);
          return client.drop(instance);
        },
      };
    },
  };
}

function noop(): void {}

function isFxExport(name: string): boolean {
  return name === "loop:fx/component" || name.startsWith("loop:fx/component@");
}
