/**
 * Hot reload with state (`loop:host/lifecycle`): `loop dev` swaps a rebuilt component in
 * beside the running one, calling `snapshot` on the old instance and `restore` on the new one
 * (before its first render). A `restore` that fails keeps the old version running.
 *
 * ```ts
 * import { defineReloadable, div, span } from "@loop-kit/sdk";
 *
 * export const { component, lifecycle } = defineReloadable({
 *   initial: { count: 0 },
 *   render: (s) => div(span({ id: "count" }, s.count)),
 *   handlers: { inc: (s) => ({ count: s.count + 1 }) },
 * });
 * ```
 *
 * The guest's world exports the interface next to its own:
 * `world app { include loop:fx/app@0.1.0; export loop:host/lifecycle@0.1.0; }`.
 * componentize-js binds the export to the exported `lifecycle` object.
 */
import type { Component } from "loop:fx/component@0.1.0";
import { type ComponentSpec, defineComponent } from "./fx.js";

/** What a component exports as `lifecycle` (the WIT interface, as componentize-js binds it). */
export interface Lifecycle {
  /** Serialises the state to keep. */
  snapshot(): Uint8Array;
  /** Takes over a snapshot; throws (an `err` for the host) when it cannot. */
  restore(state: Uint8Array): void;
}

/** How {@link defineReloadable} carries state over. */
export interface ReloadOptions<S> {
  /**
   * Turns the saved state (parsed JSON, from this or an earlier version) into this version's
   * state; throw to refuse it (the old version keeps running, and the message is shown).
   * Default: take it as it is.
   */
  migrate?: (saved: unknown) => S;
}

/** The error a failed `restore` returns: its message reaches the host as the `err` string. */
export class RestoreError extends Error {
  override name = "RestoreError";
  /** componentize-js (and jco) send a thrown value's `payload` as the result's `err`. */
  readonly payload: string;
  constructor(message: string) {
    super(message);
    this.payload = message;
  }
}

const FORMAT = "loop-sdk/json@1";

/**
 * `defineComponent` plus a `loop:host/lifecycle` export that keeps the component's state
 * across hot reloads, as JSON: `snapshot` writes the current state, `restore` (on the new
 * version's instance, before its first render) makes it the initial state. State that JSON
 * cannot carry (functions, class instances, `Map`s) should be rebuilt by `migrate`.
 */
export function defineReloadable<S, P = Record<string, unknown>>(
  spec: ComponentSpec<S, P>,
  options: ReloadOptions<S> = {},
): { component: Component; lifecycle: Lifecycle } {
  // The state defineComponent holds, as last seen: every render and handler passes through
  // here, and a restored snapshot becomes the initial state.
  let current: { state: S } | undefined;
  let restored: { state: S } | undefined;
  const initial = spec.initial;
  const wrapped: ComponentSpec<S, P> = {
    initial: (props: P): S => {
      if (restored !== undefined) {
        const { state } = restored;
        restored = undefined;
        return state;
      }
      return typeof initial === "function"
        ? (initial as (props: P) => S)(props)
        : structuredCloneOrSame(initial);
    },
    render: (state, props) => {
      current = { state };
      return spec.render(state, props);
    },
  };
  if (spec.handlers !== undefined) {
    const handlers: Record<string, NonNullable<ComponentSpec<S, P>["handlers"]>[string]> = {};
    for (const [name, handler] of Object.entries(spec.handlers)) {
      handlers[name] = (state, payload, ctx) => {
        const next = handler(state, payload, ctx);
        current = { state: next === undefined ? state : next };
        return next;
      };
    }
    wrapped.handlers = handlers;
  }
  const lifecycle: Lifecycle = {
    snapshot() {
      const text = JSON.stringify({ format: FORMAT, state: current?.state ?? null });
      return new TextEncoder().encode(text);
    },
    restore(bytes: Uint8Array) {
      let saved: { format?: unknown; state?: unknown };
      try {
        saved = JSON.parse(new TextDecoder().decode(bytes)) as typeof saved;
      } catch (err) {
        throw new RestoreError(`the snapshot is not JSON: ${(err as Error).message}`);
      }
      if (typeof saved !== "object" || saved === null || saved.format !== FORMAT) {
        throw new RestoreError(`the snapshot is not one of defineReloadable's (${FORMAT})`);
      }
      if (saved.state === null) return; // the old instance never rendered: start fresh
      let state: S;
      try {
        state = options.migrate ? options.migrate(saved.state) : (saved.state as S);
      } catch (err) {
        // Refused now, so the old version keeps running instead of failing its first render.
        throw new RestoreError(err instanceof Error ? err.message : String(err));
      }
      restored = { state };
    },
  };
  return { component: defineComponent(wrapped), lifecycle };
}

function structuredCloneOrSame<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
