// TypeScript mirror of wit/fx/fx.wit. Field names follow what jco generates for the WIT records
// (kebab-case → camelCase); the `node` variant is flattened to a `kind` field because a flat
// object is what both the reconciler and hand-written JS components handle fastest
// (`viewFromWit` converts jco's `{ tag, val }` shape).

/** One attribute of an element: `name="value"`. */
export interface Attr {
  readonly name: string;
  readonly value: string;
}

/** Routes an event to a handler: a DOM event (or a child's emitted name) → the component's handler name. */
export interface Listener {
  readonly event: string;
  readonly handler: string;
}

/** An element node; its `childCount` children follow it directly in the flat view. */
export interface ElementNode {
  readonly kind: "element";
  readonly tag: string;
  readonly key?: string | null | undefined;
  readonly attrs: readonly Attr[];
  readonly listeners: readonly Listener[];
  readonly childCount: number;
}

/** A text node. */
export interface TextNode {
  readonly kind: "text";
  readonly text: string;
}

/** A child component: its own fiber, rendered with `props` (JSON text). */
export interface ComponentNode {
  readonly kind: "component";
  readonly component: string;
  readonly key?: string | null | undefined;
  readonly props: string;
  readonly listeners: readonly Listener[];
}

/** One entry of a flat pre-order view. */
export type FxNode = ElementNode | TextNode | ComponentNode;

/**
 * What `render` returns: a flat pre-order list of nodes, possibly several roots. In-process (JS)
 * components may also put a nested view where a node tree goes: an array holding exactly one
 * tree, which stands for it in place. Handing back the very same nested array next render says
 * "unchanged" in one entry (memoised rows), so the reconciler neither visits nor copies it.
 * Views that cross a component boundary (WIT) are always flat.
 */
export type View = readonly (FxNode | View)[];

/** What `handle` receives: the handler name and a JSON payload. */
export interface FxEvent {
  readonly handler: string;
  readonly payload: string;
}

/** Priority of an invalidation; higher lanes are flushed first. */
export type Lane = "input" | "timer" | "idle";

/** The imports a component instance gets (the WIT `host` interface), bound to its fiber. */
export interface HostApi {
  /** Marks this component dirty: it re-renders at the next flush of its lane. */
  invalidate(): void;
  /** Yields `name` with a JSON payload to the parent, routed by the parent's listeners. */
  emit(name: string, payload: string): void;
  /** Virtual milliseconds since the runtime started. */
  now(): number;
  /** Calls `handle({ handler, payload: "" })` once the virtual clock passes now + delayMs. */
  setTimeout(delayMs: number, handler: string): number;
  /** Cancels a timer this component set; unknown ids are ignored. */
  clearTimeout(id: number): void;
}

/** A live component instance: a plain JS object, or a proxy to a wasm component. */
export interface ComponentInstance {
  /** Renders the view for `props` (JSON text). Returning synchronously keeps the flush synchronous. */
  render(props: string): View | Promise<View>;
  /** Handles an event routed to one of its handler names. */
  handle(event: FxEvent): void | Promise<void>;
  /** Called once when the fiber is removed. */
  dispose?(): void | Promise<void>;
}

/** Creates component instances by name: the seam between the reconciler and where components run. */
export interface ComponentDriver {
  /** Creates an instance of `name` for fiber `fiberId`, wired to `host`. */
  instantiate(
    name: string,
    fiberId: number,
    host: HostApi,
  ): ComponentInstance | Promise<ComponentInstance>;
}
