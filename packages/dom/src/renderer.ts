/// <reference lib="dom" />
import {
  type Attr,
  decode,
  FxError,
  IdTable,
  type Patch,
  type PatchBatch,
  type PatchVisitor,
  patchFromJson,
  ROOT_ID,
} from "@loop-kit/fx";
import { eventPayload } from "./payload.js";

// The DOM renderer of loop:fx: applies the reconciler's patch stream (a `PatchBatch`, patch
// objects or their JSON lines: docs/fx.md) to real DOM nodes under a container, keeps the
// id → node table, and delegates events at the container: one listener per event type, however
// many elements listen. The same class serves the live page (patches over a WebSocket) and the
// in-browser host (patches from the reconciler in the page).

/** Receives a DOM event on an element that listens for it: the node id, event name, JSON payload. */
export type DomEventHandler = (nodeId: number, event: string, payload: string) => void;

export interface DomRendererOptions {
  /** Called for each delegated event (see `eventPayload` for the payloads). */
  onEvent?: DomEventHandler;
  /** Told about content the renderer refused (script-like tags, `on*` attributes, `javascript:` URLs). */
  onWarning?: (message: string) => void;
}

/** The node id of a DOM node this renderer created. */
const ID = Symbol("loop.id");
/** Events an element listens for. */
const EVENTS = Symbol("loop.events");

interface Tagged {
  [ID]?: number;
  [EVENTS]?: string[];
}

const SVG_NS = "http://www.w3.org/2000/svg";
const MATHML_NS = "http://www.w3.org/1998/Math/MathML";
/** A namespace no browser gives behaviour to: elements in it are inert. */
const INERT_NS = "urn:loop-kit:inert";

/**
 * Tags created in the SVG namespace. Patches create nodes detached, before their parent is
 * known, so the namespace is chosen by tag (as in JSX runtimes without a parent context).
 */
const SVG_TAGS = new Set([
  "svg",
  "g",
  "path",
  "circle",
  "ellipse",
  "line",
  "polyline",
  "polygon",
  "rect",
  "defs",
  "use",
  "symbol",
  "clipPath",
  "mask",
  "pattern",
  "marker",
  "linearGradient",
  "radialGradient",
  "stop",
  "tspan",
  "textPath",
  "foreignObject",
  "filter",
  "feGaussianBlur",
  "feOffset",
  "feBlend",
  "feColorMatrix",
]);

/**
 * Tags that would run code, load a document or redirect the page if they were real: a component
 * gets an inert element instead (DESIGN.md: no raw DOM for untrusted components).
 */
const INERT_TAGS = new Set([
  "script",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "base",
  "meta",
  "portal",
]);

/** Attributes holding a URL that a `javascript:` value would turn into code. */
const URL_ATTRS = new Set([
  "href",
  "src",
  "action",
  "formaction",
  "xlink:href",
  "data",
  "poster",
  "background",
  "cite",
  "ping",
]);

/** Events that do not bubble: delivered to the target element only. */
const NO_BUBBLE = new Set([
  "focus",
  "blur",
  "mouseenter",
  "mouseleave",
  "pointerenter",
  "pointerleave",
  "load",
  "error",
  "scroll",
  "toggle",
]);

/** Whether `s` has an ASCII capital (names are nearly always lower case: no allocation then). */
function hasUpper(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** `set` has `name`, in any case. */
function hasName(set: ReadonlySet<string>, name: string): boolean {
  return set.has(name) || (hasUpper(name) && set.has(name.toLowerCase()));
}

/** Why an attribute is refused, or null when it is fine. */
export function unsafeAttr(name: string, value: string): string | null {
  // "on…" in any case: an inline event handler.
  if ((name.charCodeAt(0) | 32) === 111 && (name.charCodeAt(1) | 32) === 110)
    return `event-handler attribute "${name}"`;
  if (hasName(URL_ATTRS, name)) {
    // URL parsing drops ASCII whitespace and control characters inside the scheme.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
    const scheme = value.replace(/[\u0000-\u0020]/g, "").toLowerCase();
    if (scheme.startsWith("javascript:") || scheme.startsWith("vbscript:"))
      return `a script URL in "${name}"`;
  }
  if (name.length === 6 && name.toLowerCase() === "srcdoc") return `attribute "${name}"`;
  return null;
}

/**
 * Applies loop:fx patches to the DOM under `container` (node id 0) and reports the events the
 * patches ask for (`listen`) through `onEvent`.
 */
export class DomRenderer {
  /** The root container: node id 0. */
  readonly container: Element;
  /**
   * While true, a `value` / `checked` patch on the focused control sets the attribute but
   * leaves its live value alone. The live page sets it while its events are in flight, so a
   * server's answer to an older keystroke does not undo newer ones.
   */
  holdFocusedValue = false;
  private readonly doc: Document;
  private nodes = new IdTable<Node>();
  private readonly delegated = new Set<string>();
  private readonly onEvent: DomEventHandler;
  private readonly onWarning: (message: string) => void;

  constructor(container: Element, options: DomRendererOptions = {}) {
    this.container = container;
    this.doc = container.ownerDocument;
    this.onEvent = options.onEvent ?? (() => {});
    this.onWarning = options.onWarning ?? ((m) => console.warn(`loop:fx: ${m}`));
    this.nodes.set(ROOT_ID, container);
  }

  /** Applies patches in order: a batch (decoded in place) or patch objects. */
  apply(patches: PatchBatch | readonly Patch[]): void {
    // Not `instanceof PatchBatch`: a page may bundle two copies of @loop-kit/fx.
    if (Array.isArray(patches))
      for (let i = 0; i < patches.length; i++) this.applyOne(patches[i] as Patch);
    else decode(patches as PatchBatch, this.visitor);
  }

  /** Applies patches written as JSON lines (`patchToJson`), e.g. received over a WebSocket. */
  applyJsonLines(text: string): void {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      if (end > start) this.applyOne(patchFromJson(text.slice(start, end)));
      start = end + 1;
    }
  }

  /** Empties the container and forgets every node (before applying a snapshot of a new tree). */
  reset(): void {
    this.container.replaceChildren();
    this.nodes = new IdTable<Node>();
    this.nodes.set(ROOT_ID, this.container);
  }

  /** The DOM node with this id, if live. */
  node(id: number): Node | undefined {
    return this.nodes.get(id);
  }

  /** The id of a node this renderer created (0 for the container), or undefined. */
  idOf(node: Node): number | undefined {
    if (node === this.container) return ROOT_ID;
    return (node as Tagged)[ID];
  }

  /** Applies one patch. */
  applyOne(p: Patch): void {
    const v = this.visitor;
    switch (p.op) {
      case "create-element":
        v.createElement(p.id, p.tag, p.attrs);
        return;
      case "create-text":
        v.createText(p.id, p.text);
        return;
      case "set-attr":
        v.setAttr(p.id, p.name, p.value);
        return;
      case "remove-attr":
        v.removeAttr(p.id, p.name);
        return;
      case "set-text":
        v.setText(p.id, p.text);
        return;
      case "insert":
        v.insert(p.parent, p.id, p.before ?? -1);
        return;
      case "move":
        v.move(p.parent, p.id, p.before ?? -1);
        return;
      case "remove":
        v.remove(p.parent, p.id);
        return;
      case "listen":
        v.listen(p.id, p.event);
        return;
      case "unlisten":
        v.unlisten(p.id, p.event);
        return;
    }
  }

  private bad(what: string): FxError {
    return new FxError("BAD_PATCH", `cannot apply patch: ${what}`);
  }

  private get(id: number, op: string): Node {
    const n = this.nodes.get(id);
    if (n === undefined) throw this.bad(`${op}: no live node ${id}`);
    return n;
  }

  private element(id: number, op: string): Element {
    const n = this.get(id, op);
    if (n.nodeType !== 1) throw this.bad(`${op}: node ${id} is not an element`);
    return n as Element;
  }

  private setAttr(el: Element, name: string, value: string): void {
    const why = unsafeAttr(name, value);
    if (why !== null) {
      this.onWarning(`refused ${why} on <${el.localName}>`);
      return;
    }
    el.setAttribute(name, value);
    // Form controls keep a live value apart from the attribute once edited: a controlled
    // input (the component renders its state as `value`) needs the property set too.
    if (name === "value" || name === "checked") this.setLive(el, name, value);
  }

  private setLive(el: Element, name: string, value: string | null): void {
    if (!(name in el)) return;
    if (this.holdFocusedValue && el === this.doc.activeElement) return;
    const control = el as HTMLInputElement;
    if (name === "value") {
      const v = value ?? "";
      if (control.value !== v) control.value = v;
    } else {
      control.checked = value !== null;
    }
  }

  private readonly visitor: PatchVisitor = {
    createElement: (id, tag, attrs) => {
      if (this.nodes.has(id)) throw this.bad(`create-element: id ${id} already in use`);
      let el: Element;
      if (hasName(INERT_TAGS, tag)) {
        this.onWarning(`made <${tag}> inert`);
        el = this.doc.createElementNS(INERT_NS, tag);
      } else if (SVG_TAGS.has(tag)) el = this.doc.createElementNS(SVG_NS, tag);
      else if (tag === "math") el = this.doc.createElementNS(MATHML_NS, tag);
      else el = this.doc.createElement(tag);
      (el as Tagged)[ID] = id;
      for (let i = 0; i < attrs.length; i++) {
        const a = attrs[i] as Attr;
        this.setAttr(el, a.name, a.value);
      }
      this.nodes.set(id, el);
    },
    createText: (id, text) => {
      if (this.nodes.has(id)) throw this.bad(`create-text: id ${id} already in use`);
      const t = this.doc.createTextNode(text);
      (t as Tagged)[ID] = id;
      this.nodes.set(id, t);
    },
    setAttr: (id, name, value) => this.setAttr(this.element(id, "set-attr"), name, value),
    removeAttr: (id, name) => {
      const el = this.element(id, "remove-attr");
      el.removeAttribute(name);
      if (name === "value" || name === "checked") this.setLive(el, name, null);
    },
    setText: (id, text) => {
      const n = this.get(id, "set-text");
      if (n.nodeType !== 3) throw this.bad(`set-text: node ${id} is not a text node`);
      (n as Text).data = text;
    },
    insert: (parentId, id, before) => {
      const parent = this.get(parentId, "insert");
      const n = this.get(id, "insert");
      if (n.parentNode !== null) throw this.bad(`insert: node ${id} is already attached`);
      parent.insertBefore(n, this.ref(parent, before, "insert"));
    },
    move: (parentId, id, before) => {
      const parent = this.get(parentId, "move");
      const n = this.get(id, "move");
      if (n.parentNode !== parent) throw this.bad(`move: node ${id} is not a child of ${parentId}`);
      const ref = this.ref(parent, before, "move");
      if (ref === n) throw this.bad(`move: node ${id} before itself`);
      parent.insertBefore(n, ref);
    },
    remove: (parentId, id) => {
      const parent = this.get(parentId, "remove");
      const n = this.get(id, "remove");
      if (n.parentNode !== parent)
        throw this.bad(`remove: node ${id} is not a child of ${parentId}`);
      parent.removeChild(n);
      this.forget(n);
    },
    listen: (id, event) => {
      const el = this.element(id, "listen") as Tagged;
      const events = el[EVENTS];
      if (events === undefined) el[EVENTS] = [event];
      else if (!events.includes(event)) events.push(event);
      else throw this.bad(`listen: node ${id} already listens for ${event}`);
      this.delegate(event);
    },
    unlisten: (id, event) => {
      const el = this.element(id, "unlisten") as Tagged;
      const events = el[EVENTS];
      const i = events === undefined ? -1 : events.indexOf(event);
      if (events === undefined || i < 0)
        throw this.bad(`unlisten: node ${id} is not listening for ${event}`);
      events.splice(i, 1);
    },
  };

  private ref(parent: Node, before: number, op: string): Node | null {
    if (before < 0) return null;
    const b = this.get(before, op);
    if (b.parentNode !== parent)
      throw this.bad(`${op}: node ${before} is not a child of the parent`);
    return b;
  }

  // A removed subtree's ids are dead (never reused): drop them from the table.
  private forget(n: Node): void {
    const id = (n as Tagged)[ID];
    if (id !== undefined) this.nodes.delete(id);
    for (let c = n.firstChild; c !== null; c = c.nextSibling) this.forget(c);
  }

  // One capturing listener per event type on the container (capture also sees events that do
  // not bubble). It walks from the target up to the container and reports every element that
  // listens for the event, innermost first, as the event would bubble.
  private delegate(type: string): void {
    if (this.delegated.has(type)) return;
    this.delegated.add(type);
    this.container.addEventListener(type, this.handleEvent, { capture: true });
  }

  private readonly handleEvent = (e: Event): void => {
    const target = e.target as Node | null;
    if (target === null) return;
    // A submit listener means "the app handles the form": never navigate away.
    if (e.type === "submit") e.preventDefault();
    const bubbles = !NO_BUBBLE.has(e.type);
    let payload: string | null = null;
    for (let n: Node | null = target; n !== null && n !== this.container; n = n.parentNode) {
      const t = n as Tagged;
      const events = t[EVENTS];
      if (events?.includes(e.type) && t[ID] !== undefined) {
        payload ??= eventPayload(e);
        this.onEvent(t[ID], e.type, payload);
      }
      if (!bubbles) break;
    }
  };
}
