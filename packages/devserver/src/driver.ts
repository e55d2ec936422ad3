import type {
  ComponentDriver,
  ComponentInstance,
  FxEvent,
  HostApi,
  View,
  WitJsonNode,
} from "@loop-kit/fx";
import { validateView, viewFromWit } from "@loop-kit/fx";
import type { ControlClient, ControlEvent, LogEvent, Policy } from "@loop-kit/host-client";
import type { Artifact } from "./contract.js";
import { errorPayload, type GuestImports, JsGuestModule } from "./js-guest.js";

// The fx driver of `loop dev`: like host-client's loopHostDriver (one loop-host instance per
// fiber), plus fast-path components (a JS module per fiber, js-guest.ts), plus hot swap. Each
// fiber's ComponentInstance is a proxy to its current implementation; `swap` builds the new
// version's instances beside the old ones, hands state over through `loop:host/lifecycle`,
// tries a render, and only then switches every fiber of that component and drops the old
// instances. Anything failing on the way leaves the old version in place.

const FX_RENDER = "loop:fx/component#render";
const FX_HANDLE = "loop:fx/component#handle";
const SNAPSHOT = "loop:host/lifecycle#snapshot";
const RESTORE = "loop:host/lifecycle#restore";

/** Where a component name's current build is, and the policy it runs under. */
export interface DevSource {
  artifact: Artifact;
  policy: Policy | null;
}

/** Resolves a component name to its current build (building it on first use). */
export type DevResolver = (name: string) => Promise<DevSource>;

/** Which step of a swap failed. */
export type SwapStage = "load" | "instantiate" | "restore" | "render";

export class SwapError extends Error {
  override name = "SwapError";
  readonly stage: SwapStage;
  constructor(stage: SwapStage, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.stage = stage;
  }
}

/** What a swap did. */
export interface SwapResult {
  /** Fibers switched to the new version. */
  fibers: number;
  /** `kept`: state handed over; `fresh`: the component has no lifecycle; `none`: no fibers. */
  state: "kept" | "fresh" | "none";
}

/** One instance of one version. */
interface Impl {
  render(props: string): Promise<View>;
  handle(event: FxEvent): Promise<void>;
  /** null when this version exports no loop:host/lifecycle. */
  snapshot(): Promise<Uint8Array | null>;
  restore(state: Uint8Array): Promise<string | null>;
  dispose(): Promise<void>;
}

interface Version {
  name: string;
  source: DevSource;
  lifecycle: boolean;
  create(slot: Slot): Promise<Impl>;
  unload(): Promise<void>;
}

interface Slot {
  readonly fiberId: number;
  readonly name: string;
  readonly host: HostApi;
  impl: Impl;
  /** The props of its last render (a trial render of a new version uses them). */
  props: string | null;
}

export interface DevDriverOptions {
  /** Guest log lines (loop-host's `log` events, the fast path's wasi:logging). */
  onLog?: (event: LogEvent) => void;
  /** Guest output of fast-path components (console.*). */
  onPrint?: (name: string, text: string) => void;
}

/** The fx driver of `loop dev`, with hot swap. */
export class DevDriver implements ComponentDriver {
  private readonly versions = new Map<string, Promise<Version>>();
  private readonly slots = new Map<number, Slot>();
  /** loop-host instance id → its fiber slot and timer map. */
  private readonly wasmLive = new Map<number, { slot: Slot; timers: Map<number, number> }>();
  private time = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly client: ControlClient,
    private readonly resolve: DevResolver,
    private readonly options: DevDriverOptions = {},
  ) {
    this.unsubscribe = client.subscribe((e) => this.onEvent(e));
  }

  /** Names with live fibers. */
  fiberCount(name: string): number {
    let n = 0;
    for (const s of this.slots.values()) if (s.name === name) n++;
    return n;
  }

  detach(): void {
    this.unsubscribe();
  }

  async instantiate(name: string, fiberId: number, host: HostApi): Promise<ComponentInstance> {
    const version = await this.version(name);
    const slot: Slot = { fiberId, name, host, impl: undefined as unknown as Impl, props: null };
    slot.impl = await version.create(slot);
    this.slots.set(fiberId, slot);
    return {
      render: (props: string) => {
        slot.props = props;
        return slot.impl.render(props);
      },
      handle: (event: FxEvent) => slot.impl.handle(event),
      dispose: () => {
        this.slots.delete(fiberId);
        return slot.impl.dispose();
      },
    };
  }

  /**
   * Switches component `name` to a new build. Throws {@link SwapError} (nothing changed) when
   * the new version cannot be loaded, instantiated, restored or rendered; resolves once every
   * fiber of `name` runs the new version (the caller then re-renders them).
   */
  async swap(name: string, source: DevSource): Promise<SwapResult> {
    const next = await this.makeVersion(name, source).catch((err) => {
      throw new SwapError("load", message(err), { cause: err });
    });
    const slots = [...this.slots.values()].filter((s) => s.name === name);
    const previous = this.versions.get(name);
    const old = previous === undefined ? null : await previous.catch(() => null);
    const created: { slot: Slot; impl: Impl }[] = [];
    let kept = false;
    try {
      for (const slot of slots) {
        let impl: Impl;
        try {
          impl = await next.create(slot);
        } catch (err) {
          throw new SwapError("instantiate", message(err), { cause: err });
        }
        created.push({ slot, impl });
        if (old?.lifecycle && next.lifecycle) {
          const state = await slot.impl.snapshot();
          if (state !== null) {
            const refused = await impl.restore(state).catch((err) => message(err));
            if (refused !== null) {
              throw new SwapError("restore", `${name}: restore refused the state: ${refused}`);
            }
            kept = true;
          }
        }
        if (slot.props !== null) {
          try {
            validateView(await impl.render(slot.props), name);
          } catch (err) {
            throw new SwapError("render", message(err), { cause: err });
          }
        }
      }
    } catch (err) {
      for (const c of created) await c.impl.dispose().catch(() => {});
      await next.unload().catch(() => {});
      throw err;
    }
    // Commit: every fiber to the new version, then drop the old instances.
    const olds: Impl[] = [];
    for (const { slot, impl } of created) {
      olds.push(slot.impl);
      slot.impl = impl;
    }
    this.versions.set(name, Promise.resolve(next));
    for (const o of olds) await o.dispose().catch(() => {});
    if (old !== null) await old.unload().catch(() => {});
    for (const { slot } of created) slot.host.invalidate();
    return {
      fibers: created.length,
      state: created.length === 0 ? "none" : kept ? "kept" : "fresh",
    };
  }

  private version(name: string): Promise<Version> {
    let v = this.versions.get(name);
    if (v === undefined) {
      v = this.resolve(name).then((source) => this.makeVersion(name, source));
      v.catch(() => this.versions.delete(name));
      this.versions.set(name, v);
    }
    return v;
  }

  private async makeVersion(name: string, source: DevSource): Promise<Version> {
    if (source.artifact.kind === "module") return this.jsVersion(name, source);
    return this.wasmVersion(name, source);
  }

  // ---- loop-host components ----

  private async wasmVersion(name: string, source: DevSource): Promise<Version> {
    const path = (source.artifact as { path: string }).path;
    const loaded = await this.client.load(path, { name, policy: source.policy });
    if (
      loaded.world !== "loop:fx/app" &&
      !loaded.exports.some((e) => e.startsWith("loop:fx/component"))
    ) {
      throw new Error(
        `${path} is not a loop:fx component (it targets ${loaded.world}; an fx component exports loop:fx/component)`,
      );
    }
    const lifecycle = loaded.exports.some((e) => e.startsWith("loop:host/lifecycle"));
    const client = this.client;
    return {
      name,
      source,
      lifecycle,
      create: async (slot) => {
        this.sync(slot.host);
        const instance = await client.instantiate(loaded.component);
        const timers = new Map<number, number>();
        this.wasmLive.set(instance, { slot, timers });
        let dropped = false;
        return {
          render: (props) => {
            this.sync(slot.host);
            return client
              .call<readonly WitJsonNode[]>(instance, FX_RENDER, [props])
              .then((v) => viewFromWit(v));
          },
          handle: (event) => {
            this.sync(slot.host);
            return client
              .call(instance, FX_HANDLE, [{ handler: event.handler, payload: event.payload }])
              .then(() => {});
          },
          snapshot: async () => {
            if (!lifecycle) return null;
            const bytes = await client.call<number[]>(instance, SNAPSHOT, []);
            return Uint8Array.from(bytes);
          },
          restore: async (state) => {
            const r = await client.call<{ ok?: unknown; err?: string }>(instance, RESTORE, [
              Array.from(state),
            ]);
            return r !== null && typeof r === "object" && "err" in r ? String(r.err) : null;
          },
          dispose: async () => {
            if (dropped) return;
            dropped = true;
            this.wasmLive.delete(instance);
            await client.drop(instance).catch(() => {});
          },
        };
      },
      unload: () => client.unload(loaded.component),
    };
  }

  // Pipelined: loop-host handles requests in order, so the next call sees the new time.
  private sync(host: HostApi): void {
    const now = host.now();
    if (now !== this.time) {
      this.time = now;
      this.client.setTime(now).catch(() => {});
    }
  }

  private onEvent(event: ControlEvent): void {
    if (event.event === "log") {
      this.options.onLog?.(event);
      return;
    }
    const live = this.wasmLive.get(event.instance);
    if (live === undefined) return;
    const host = live.slot.host;
    switch (event.event) {
      case "invalidate":
        host.invalidate();
        return;
      case "emit":
        host.emit(event.name, event.payload);
        return;
      case "set-timeout":
        live.timers.set(event.id, host.setTimeout(event.delayMs, event.handler));
        return;
      case "clear-timeout": {
        const id = live.timers.get(event.id);
        if (id !== undefined) {
          live.timers.delete(event.id);
          host.clearTimeout(id);
        }
        return;
      }
    }
  }

  // ---- fast-path components (JS modules in this process) ----

  private async jsVersion(name: string, source: DevSource): Promise<Version> {
    const mod = await JsGuestModule.load((source.artifact as { path: string }).path);
    const exportsList = source.artifact.kind === "module" ? source.artifact.exports : [];
    const lifecycle = exportsList.includes("lifecycle");
    const logName = source.policy?.name ?? name;
    return {
      name,
      source,
      lifecycle,
      create: async (slot) => {
        const host = slot.host;
        const imports: GuestImports = {
          fx: {
            invalidate: () => host.invalidate(),
            emit: (n, p) => host.emit(n, p),
            now: () => host.now(),
            setTimeout: (ms, h) => host.setTimeout(ms, h),
            clearTimeout: (id) => host.clearTimeout(id),
          },
          log: (level, context, text) =>
            this.options.onLog?.({
              event: "log",
              component: logName,
              level,
              context,
              message: text,
            }),
          print: (text) => this.options.onPrint?.(name, text),
        };
        let exports: Record<string, unknown>;
        try {
          exports = mod.instantiate(imports);
        } catch (err) {
          throw new Error(`${name} failed at initialisation: ${message(err)}`, { cause: err });
        }
        const component = exports.component as
          | { render(props: string): unknown; handle(e: FxEvent): void }
          | undefined;
        if (component === undefined || typeof component.render !== "function") {
          throw new Error(
            `${name} exports no loop:fx component (\`export const component = ...\`)`,
          );
        }
        const lc = exports.lifecycle as
          | { snapshot(): Uint8Array; restore(s: Uint8Array): void }
          | undefined;
        return {
          render: async (props) => {
            try {
              return viewFromWit(component.render(props) as readonly WitJsonNode[]);
            } catch (err) {
              throw new Error(`${name} trapped in render: ${message(err)}`, { cause: err });
            }
          },
          handle: async (event) => {
            try {
              component.handle({ handler: event.handler, payload: event.payload });
            } catch (err) {
              throw new Error(`${name} trapped in handle: ${message(err)}`, { cause: err });
            }
          },
          snapshot: async () => (lc === undefined ? null : Uint8Array.from(lc.snapshot())),
          restore: async (state) => {
            if (lc === undefined) return null;
            try {
              lc.restore(state);
              return null;
            } catch (err) {
              return errorPayload(err);
            }
          },
          dispose: async () => {},
        };
      },
      unload: async () => {},
    };
  }
}

function message(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, " ");
}
