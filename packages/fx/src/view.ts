import type {
  Attr,
  ComponentNode,
  ElementNode,
  FxNode,
  Listener,
  TextNode,
  View,
} from "./types.js";

// Shared empties so nodes without attributes or listeners allocate nothing and compare by identity.
const NO_ATTRS: readonly Attr[] = Object.freeze([]);
const NO_LISTENERS: readonly Listener[] = Object.freeze([]);

/** Attributes or listeners written as a plain object (insertion order is kept) or as a list. */
export type AttrInput = Readonly<Record<string, string>> | readonly Attr[];
/** Listeners written as `{ event: handler }` or as a list. */
export type ListenerInput = Readonly<Record<string, string>> | readonly Listener[];

/** Options for `el` and `comp`. */
export interface NodeOptions {
  readonly key?: string | null;
  readonly attrs?: AttrInput;
  readonly on?: ListenerInput;
}

function toAttrs(input: AttrInput | undefined): readonly Attr[] {
  if (input === undefined) return NO_ATTRS;
  if (Array.isArray(input)) return input as readonly Attr[];
  const out: Attr[] = [];
  for (const [name, value] of Object.entries(input)) out.push({ name, value });
  return out.length === 0 ? NO_ATTRS : out;
}

function toListeners(input: ListenerInput | undefined): readonly Listener[] {
  if (input === undefined) return NO_LISTENERS;
  if (Array.isArray(input)) return input as readonly Listener[];
  const out: Listener[] = [];
  for (const [event, handler] of Object.entries(input)) out.push({ event, handler });
  return out.length === 0 ? NO_LISTENERS : out;
}

/** An element node whose `childCount` children must follow it in the view. */
export function el(tag: string, options?: NodeOptions, childCount = 0): ElementNode {
  return {
    kind: "element",
    tag,
    key: options?.key ?? null,
    attrs: toAttrs(options?.attrs),
    listeners: toListeners(options?.on),
    childCount,
  };
}

/** A text node. */
export function text(value: string): TextNode {
  return { kind: "text", text: value };
}

/** A child component node; `props` is JSON text. */
export function comp(
  component: string,
  props = "{}",
  options?: Omit<NodeOptions, "attrs">,
): ComponentNode {
  return {
    kind: "component",
    component,
    key: options?.key ?? null,
    props,
    listeners: toListeners(options?.on),
  };
}

/** A nested element, for writing views by hand; `flatten` turns it into a flat view. */
export interface TreeElement {
  readonly tag: string;
  readonly key?: string | null;
  readonly attrs?: AttrInput;
  readonly on?: ListenerInput;
  readonly children?: readonly Tree[];
}

/** A nested child component, for writing views by hand. */
export interface TreeComponent {
  readonly component: string;
  readonly key?: string | null;
  readonly props?: string;
  readonly on?: ListenerInput;
}

/** A nested view node: element, component, or a string for text. */
export type Tree = TreeElement | TreeComponent | string;

/** Props of `h`: `key` and `on` are special, every other entry is an attribute. */
export type HProps = { readonly key?: string | null; readonly on?: ListenerInput } & Readonly<
  Record<string, unknown>
>;

/** Builds a nested element: `h("li", { key: "a", class: "x", on: { click: "pick" } }, "A")`. */
export function h(tag: string, props?: HProps | null, ...children: Tree[]): TreeElement {
  const attrs: Attr[] = [];
  let key: string | null = null;
  let on: ListenerInput | undefined;
  if (props) {
    for (const [name, value] of Object.entries(props)) {
      if (name === "key") key = value === undefined || value === null ? null : String(value);
      else if (name === "on") on = value as ListenerInput;
      else if (value !== undefined && value !== null && value !== false)
        attrs.push({ name, value: value === true ? "" : String(value) });
    }
  }
  return on === undefined ? { tag, key, attrs, children } : { tag, key, attrs, on, children };
}

/** Converts nested trees into the flat pre-order view a component returns. */
export function flatten(tree: Tree | readonly Tree[]): FxNode[] {
  const out: FxNode[] = [];
  const walk = (t: Tree): void => {
    if (typeof t === "string") {
      out.push(text(t));
    } else if ("component" in t) {
      out.push(
        comp(t.component, t.props ?? "{}", { key: t.key ?? null, on: t.on ?? NO_LISTENERS }),
      );
    } else {
      const children = t.children ?? [];
      out.push(
        el(
          t.tag,
          { key: t.key ?? null, attrs: t.attrs ?? NO_ATTRS, on: t.on ?? NO_LISTENERS },
          children.length,
        ),
      );
      for (const c of children) walk(c);
    }
  };
  if (typeof tree === "string" || !Array.isArray(tree)) walk(tree as Tree);
  else for (const t of tree) walk(t);
  return out;
}

/** A view node as jco represents the WIT `node` variant. */
export type WitNode =
  | {
      readonly tag: "element";
      readonly val: {
        readonly tag: string;
        readonly key?: string | undefined;
        readonly attrs: readonly Attr[];
        readonly listeners: readonly Listener[];
        readonly childCount: number;
      };
    }
  | { readonly tag: "text"; readonly val: string }
  | {
      readonly tag: "component";
      readonly val: {
        readonly component: string;
        readonly key?: string | undefined;
        readonly props: string;
        readonly listeners: readonly Listener[];
      };
    };

/**
 * A view node as loop-host's control protocol writes the WIT `node` variant in JSON
 * (docs/control-protocol.md): the same `{ tag, val }` shape as jco's, with WIT field names
 * (`child-count`) and `null` for an absent key.
 */
export type WitJsonNode =
  | {
      readonly tag: "element";
      readonly val: {
        readonly tag: string;
        readonly key?: string | null | undefined;
        readonly attrs: readonly Attr[];
        readonly listeners: readonly Listener[];
        readonly "child-count": number;
      };
    }
  | { readonly tag: "text"; readonly val: string }
  | {
      readonly tag: "component";
      readonly val: {
        readonly component: string;
        readonly key?: string | null | undefined;
        readonly props: string;
        readonly listeners: readonly Listener[];
      };
    };

/**
 * Converts a view in jco's variant shape (`{ tag, val }`) into fx nodes; also takes the JSON
 * shape of loop-host's control protocol (`child-count`, `null` keys), so a driver can pass a
 * `render` result straight through.
 */
export function viewFromWit(nodes: readonly (WitNode | WitJsonNode)[]): View {
  const out: FxNode[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as WitNode | WitJsonNode;
    if (n.tag === "element") {
      const v = n.val as WitElementVal;
      out[i] = {
        kind: "element",
        tag: v.tag,
        key: v.key ?? null,
        attrs: v.attrs,
        listeners: v.listeners,
        childCount: v.childCount ?? (v["child-count"] as number),
      };
    } else if (n.tag === "text") {
      out[i] = { kind: "text", text: n.val };
    } else {
      const v = n.val;
      out[i] = {
        kind: "component",
        component: v.component,
        key: v.key ?? null,
        props: v.props,
        listeners: v.listeners,
      };
    }
  }
  return out;
}

// An element's fields in either shape.
interface WitElementVal {
  readonly tag: string;
  readonly key?: string | null | undefined;
  readonly attrs: readonly Attr[];
  readonly listeners: readonly Listener[];
  readonly childCount?: number;
  readonly "child-count"?: number;
}

/** The view with its nested views spliced in place: the flat form that crosses WIT. */
export function flatView(view: View): FxNode[] {
  const out: FxNode[] = [];
  const put = (v: View): void => {
    for (const e of v) {
      if (Array.isArray(e)) put(e as View);
      else out.push(e as FxNode);
    }
  };
  put(view);
  return out;
}

/** Converts fx nodes into jco's variant shape, for JS guests built with componentize-js. */
export function viewToWit(view: View): WitNode[] {
  return flatView(view).map((n): WitNode => {
    if (n.kind === "element") {
      const val = { tag: n.tag, attrs: n.attrs, listeners: n.listeners, childCount: n.childCount };
      return { tag: "element", val: n.key == null ? val : { ...val, key: n.key } };
    }
    if (n.kind === "text") return { tag: "text", val: n.text };
    const val = { component: n.component, props: n.props, listeners: n.listeners };
    return { tag: "component", val: n.key == null ? val : { ...val, key: n.key } };
  });
}
