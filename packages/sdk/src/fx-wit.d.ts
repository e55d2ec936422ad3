// Types of loop-kit's `loop:fx@0.1.0` WIT (wit/fx/fx.wit) as componentize-js binds them for a
// JS/TS guest: records as objects with camelCase fields (`child-count` → `childCount`), the
// `node` variant as `{ tag, val }`, `option<string>` as `string | undefined`, `u64` as `bigint`.
// The build leaves `loop:*` imports for componentize-js to bind.

declare module "loop:fx/types@0.1.0" {
  /** One attribute of an element: `name="value"`. */
  export interface Attr {
    name: string;
    value: string;
  }
  /** Routes an event (a DOM event, or a child's emitted name) to a handler of this component. */
  export interface Listener {
    event: string;
    handler: string;
  }
  /** An element; its `childCount` children follow it in the view. */
  export interface Element {
    tag: string;
    key?: string;
    attrs: Attr[];
    listeners: Listener[];
    childCount: number;
  }
  /** A child component, rendered with `props` (JSON text). */
  export interface Child {
    component: string;
    key?: string;
    props: string;
    listeners: Listener[];
  }
  /** One node of a flat pre-order view. */
  export type Node =
    | { tag: "element"; val: Element }
    | { tag: "text"; val: string }
    | { tag: "component"; val: Child };
  /** What `render` returns. */
  export type View = Node[];
  /** What `handle` receives: the handler name and a JSON payload ("" for timers). */
  export interface Event {
    handler: string;
    payload: string;
  }
}

declare module "loop:fx/host@0.1.0" {
  /** Asks to be rendered again at the host's next flush. */
  export function invalidate(): void;
  /** Yields `name` with a JSON payload to the parent component. */
  export function emit(name: string, payload: string): void;
  /** Virtual milliseconds since the app started (the host moves this clock). */
  export function now(): bigint;
  /** Calls `handle({ handler, payload: "" })` after `delayMs` virtual ms; returns a timer id. */
  export function setTimeout(delayMs: number, handler: string): number;
  /** Cancels a timer; unknown ids are ignored. */
  export function clearTimeout(id: number): void;
}

declare module "loop:fx/component@0.1.0" {
  import type { Event, View } from "loop:fx/types@0.1.0";
  /** What an fx component exports as `component`. */
  export interface Component {
    render(props: string): View;
    handle(event: Event): void;
  }
}
