/// <reference path="../src/fx-wit.d.ts" preserve="true" />
/**
 * `loop:fx` components in TypeScript: state, handlers, child components and keyed lists, written
 * like a small React component. The component describes what it looks like now; the host
 * (loop-host + the reconciler) diffs and patches.
 *
 * ```ts
 * import { button, defineComponent, div, h1, span } from "@loop-kit/sdk";
 *
 * export const component = defineComponent({
 *   initial: { count: 0 },
 *   render: (s) =>
 *     div({ class: "counter" },
 *       h1(null, "Counter"),
 *       button({ id: "dec", on: { click: "dec" } }, "-"),
 *       span({ id: "count" }, s.count),
 *       button({ id: "inc", on: { click: "inc" } }, "+")),
 *   handlers: {
 *     inc: (s) => ({ count: s.count + 1 }),
 *     dec: (s) => ({ count: s.count - 1 }),
 *   },
 * });
 * ```
 *
 * The guest's world includes `loop:fx/app@0.1.0` (it imports `loop:fx/host`, exports
 * `loop:fx/component`); componentize-js binds the export to the `component` object.
 */
import type { Component } from "loop:fx/component@0.1.0";
import {
  clearTimeout as hostClearTimeout,
  emit as hostEmit,
  invalidate as hostInvalidate,
  now as hostNow,
  setTimeout as hostSetTimeout,
} from "loop:fx/host@0.1.0";
import type { Attr, Event, Listener, Node as WitNode } from "loop:fx/types@0.1.0";

// ---- the host's imports ----

/** Asks the host to render this component again (once, at its next flush). */
export function invalidate(): void {
  hostInvalidate();
}

/**
 * Yields `name` to the parent component, whose listener for it on this child picks the
 * handler; `payload` is sent as JSON text (`JSON.stringify`; nothing: "").
 */
export function emit(name: string, payload?: unknown): void {
  hostEmit(name, payload === undefined ? "" : JSON.stringify(payload));
}

/** Virtual milliseconds since the app started: only the host moves this clock. */
export function now(): number {
  return Number(hostNow());
}

/**
 * Calls this component's handler `handler` (with no payload) once the virtual clock has
 * advanced `delayMs`; returns the timer's id.
 */
export function setTimeout(delayMs: number, handler: string): number {
  return hostSetTimeout(Math.max(0, Math.min(0xffffffff, Math.floor(delayMs))), handler);
}

/** Cancels a timer; unknown or fired ids are ignored. */
export function clearTimeout(id: number): void {
  hostClearTimeout(id);
}

// ---- views ----

const VNODE: unique symbol = Symbol("loop:fx vnode");

/** An element under construction. */
export interface VElement {
  readonly [VNODE]: true;
  readonly kind: "element";
  readonly tag: string;
  readonly key: string | undefined;
  readonly attrs: Attr[];
  readonly listeners: Listener[];
  readonly children: VNode[];
}

/** A text node. */
export interface VText {
  readonly [VNODE]: true;
  readonly kind: "text";
  readonly text: string;
}

/** A child component: its own instance, state and render, keyed among its siblings. */
export interface VComponent {
  readonly [VNODE]: true;
  readonly kind: "component";
  readonly component: string;
  readonly key: string | undefined;
  /** JSON text. */
  readonly props: string;
  readonly listeners: Listener[];
}

export type VNode = VElement | VText | VComponent;

/**
 * What may stand as a child: nodes, strings and numbers (text), nested arrays (a list, e.g.
 * `items.map(...)`), and `null` / `undefined` / booleans, which render nothing (so
 * `cond && node` works).
 */
export type Child =
  | VNode
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly Child[];

/** Events → this component's handler names, e.g. `{ click: "inc" }`. */
export type On = Readonly<Record<string, string>>;

/**
 * An element's props: `key` (identity among siblings), `on` (listeners), and attributes.
 * Attribute values: strings and numbers as text, `true` as an empty attribute, and `false`,
 * `null` or `undefined` leave the attribute out.
 */
export interface ElementProps {
  readonly key?: string | number | null | undefined;
  readonly on?: On | undefined;
  readonly [attr: string]: unknown;
}

function isVNode(x: unknown): x is VNode {
  return typeof x === "object" && x !== null && (x as { [VNODE]?: unknown })[VNODE] === true;
}

function keyOf(key: unknown): string | undefined {
  return key === undefined || key === null ? undefined : String(key);
}

function listenersOf(on: On | undefined): Listener[] {
  if (on === undefined) return [];
  const out: Listener[] = [];
  for (const event of Object.keys(on)) out.push({ event, handler: on[event] as string });
  return out;
}

function pushChildren(out: VNode[], c: Child): void {
  if (c === null || c === undefined || typeof c === "boolean") return;
  if (Array.isArray(c)) {
    for (const x of c as readonly Child[]) pushChildren(out, x);
  } else if (isVNode(c)) {
    out.push(c);
  } else {
    out.push(text(String(c)));
  }
}

/**
 * An element: `h("li", { key: item.id, class: "item", on: { click: "pick" } }, item.text)`.
 * `props` may be left out when the first argument is already a child.
 */
export function h(tag: string, props?: ElementProps | Child, ...children: Child[]): VElement {
  let p: ElementProps | null = null;
  if (typeof props === "object" && props !== null && !Array.isArray(props) && !isVNode(props)) {
    p = props as ElementProps;
  } else if (props !== undefined) {
    children.unshift(props as Child);
  }
  const attrs: Attr[] = [];
  let key: string | undefined;
  let listeners: Listener[] = [];
  if (p !== null) {
    for (const name of Object.keys(p)) {
      const value = p[name];
      if (name === "key") key = keyOf(value);
      else if (name === "on") listeners = listenersOf(value as On | undefined);
      else if (value === undefined || value === null || value === false) continue;
      else attrs.push({ name, value: value === true ? "" : String(value) });
    }
  }
  const kids: VNode[] = [];
  for (const c of children) pushChildren(kids, c);
  return { [VNODE]: true, kind: "element", tag, key, attrs, listeners, children: kids };
}

/** A text node (strings and numbers given as children become text nodes by themselves). */
export function text(value: string): VText {
  return { [VNODE]: true, kind: "text", text: value };
}

/**
 * A child component `name` (as the host names it: the manifest's component names), rendered
 * with `props` (sent as JSON text; it re-renders only when that text changes). `on` maps what
 * it emits to this component's handlers; `key` identifies it in a list.
 */
export function component(
  name: string,
  props: unknown = {},
  options: { key?: string | number | null; on?: On } = {},
): VComponent {
  return {
    [VNODE]: true,
    kind: "component",
    component: name,
    key: keyOf(options.key),
    props: JSON.stringify(props) ?? "null",
    listeners: listenersOf(options.on),
  };
}

type TagFn = (props?: ElementProps | Child, ...children: Child[]) => VElement;

function tag(name: string): TagFn {
  return (props, ...children) => h(name, props, ...children);
}

/** Shorthands for `h(TAG, ...)`. */
export const div = tag("div");
export const span = tag("span");
export const p = tag("p");
export const h1 = tag("h1");
export const h2 = tag("h2");
export const h3 = tag("h3");
export const ul = tag("ul");
export const ol = tag("ol");
export const li = tag("li");
export const button = tag("button");
export const input = tag("input");
export const label = tag("label");
export const form = tag("form");
export const section = tag("section");
export const header = tag("header");
export const footer = tag("footer");
export const nav = tag("nav");
export const table = tag("table");
export const thead = tag("thead");
export const tbody = tag("tbody");
export const tr = tag("tr");
export const th = tag("th");
export const td = tag("td");
export const a = tag("a");
export const strong = tag("strong");
export const em = tag("em");

/**
 * The flat pre-order node list that crosses the boundary (`loop:fx/types.view`), from
 * whatever `render` returned.
 */
export function flattenView(view: Child): WitNode[] {
  const roots: VNode[] = [];
  pushChildren(roots, view);
  const out: WitNode[] = [];
  const walk = (n: VNode): void => {
    if (n.kind === "text") {
      out.push({ tag: "text", val: n.text });
    } else if (n.kind === "component") {
      const val: WitNode & { tag: "component" } = {
        tag: "component",
        val: { component: n.component, props: n.props, listeners: n.listeners },
      };
      if (n.key !== undefined) val.val.key = n.key;
      out.push(val);
    } else {
      const val: WitNode & { tag: "element" } = {
        tag: "element",
        val: {
          tag: n.tag,
          attrs: n.attrs,
          listeners: n.listeners,
          childCount: n.children.length,
        },
      };
      if (n.key !== undefined) val.val.key = n.key;
      out.push(val);
      for (const c of n.children) walk(c);
    }
  };
  for (const r of roots) walk(r);
  return out;
}

// ---- components ----

/** What handlers get besides the state and payload. */
export interface Context<P> {
  /** The props of the last render. */
  readonly props: P;
  /** Yields to the parent (see {@link emit}). */
  emit(name: string, payload?: unknown): void;
  /** Calls handler `handler` after `delayMs` virtual ms (see {@link setTimeout}). */
  setTimeout(delayMs: number, handler: string): number;
  clearTimeout(id: number): void;
  now(): number;
  /** Re-render although the state object is the same one (after mutating it in place). */
  invalidate(): void;
}

/**
 * A handler: gets the state, the event's payload (parsed JSON; `undefined` for timers and empty
 * payloads) and a context, and returns the next state (a different object re-renders the
 * component) or nothing to keep the state.
 */
export type Handler<S, P> = {
  // Method syntax, so a handler may declare the payload type it expects.
  handler(state: S, payload: unknown, ctx: Context<P>): S | undefined;
}["handler"];

/** A component: its initial state, `render`, and its handlers by name. */
export interface ComponentSpec<S, P> {
  /** The state, or a function making it from the first props. */
  initial: S | ((props: P) => S);
  /** The view for this state and props: an element, a list of nodes, text, or nothing. */
  render(state: S, props: P): Child;
  /** Handlers by name: the names listeners (`on: { click: "inc" }`) and timers refer to. */
  handlers?: { readonly [name: string]: Handler<S, P> };
}

/**
 * Makes the `loop:fx/component` export from a spec: `export const component =
 * defineComponent({...})`. One instance of the wasm component is one instance of the
 * component, so the state lives here.
 */
export function defineComponent<S, P = Record<string, unknown>>(
  spec: ComponentSpec<S, P>,
): Component {
  let state: S | undefined;
  let started = false;
  let propsText: string | undefined;
  let props = {} as P;

  const init = () => {
    if (started) return;
    started = true;
    state =
      typeof spec.initial === "function"
        ? (spec.initial as (props: P) => S)(props)
        : structuredCloneOrSame(spec.initial);
  };
  const ctx: Context<P> = {
    get props() {
      return props;
    },
    emit,
    setTimeout,
    clearTimeout,
    now,
    invalidate,
  };

  return {
    render(text: string) {
      if (text !== propsText) {
        propsText = text;
        props = (text === "" ? {} : JSON.parse(text)) as P;
      }
      init();
      return flattenView(spec.render(state as S, props));
    },
    handle(event: Event) {
      init();
      const handler = spec.handlers?.[event.handler];
      if (handler === undefined) return;
      let payload: unknown;
      if (event.payload !== "") {
        try {
          payload = JSON.parse(event.payload);
        } catch {
          payload = event.payload;
        }
      }
      const next = handler(state as S, payload, ctx);
      if (next !== undefined && !Object.is(next, state)) {
        state = next;
        hostInvalidate();
      }
    },
  };
}

// A literal initial state is copied so that mutating it in place cannot leak between
// instances; values structuredClone refuses (functions) are used as they are.
function structuredCloneOrSame<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
