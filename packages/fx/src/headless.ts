import { FxError } from "./errors.js";
import { IdTable } from "./idtable.js";
import { decode, type Patch, PatchBatch, type PatchVisitor, ROOT_ID } from "./patch.js";
import type { Attr } from "./types.js";

/** Tag of text nodes in the headless tree. */
export const TEXT_TAG = "#text";
/** Tag of the root container. */
export const ROOT_TAG = "#root";

const NONE: string[] = [];

/**
 * A node of an in-memory tree shaped like the DOM: linked siblings, so insert, move and remove
 * before a reference node are O(1), as with `insertBefore` in a browser.
 */
export class HNode {
  /** Patch id (-1 for nodes built without ids, e.g. by another renderer). */
  readonly id: number;
  /** Element tag, `#text`, or `#root`. */
  readonly tag: string;
  text: string;
  /** Attribute names in DOM order (an attribute set later goes last, a changed one stays put). */
  names: string[] = NONE;
  values: string[] = NONE;
  parent: HNode | null = null;
  first: HNode | null = null;
  last: HNode | null = null;
  next: HNode | null = null;
  prev: HNode | null = null;
  /** Events with a listener on this element. */
  events: string[] | null = null;
  /**
   * The subtree's ids are exactly [id, id + span), removed ones included (0: not known to be).
   * A subtree built in one go is numbered that way, so it can be forgotten without a walk.
   */
  span = 1;

  constructor(id: number, tag: string, text = "") {
    this.id = id;
    this.tag = tag;
    this.text = text;
  }

  /** Sets an attribute (in place if present, else last). */
  setAttr(name: string, value: string): void {
    // Most nodes have no attributes: share one empty list until the first is set.
    if (this.names === NONE) {
      this.names = [name];
      this.values = [value];
      return;
    }
    const i = this.names.indexOf(name);
    if (i >= 0) this.values[i] = value;
    else {
      this.names.push(name);
      this.values.push(value);
    }
  }

  /** Removes an attribute if present. */
  removeAttr(name: string): void {
    const i = this.names.indexOf(name);
    if (i >= 0) {
      this.names.splice(i, 1);
      this.values.splice(i, 1);
    }
  }

  /** Value of an attribute, or undefined. */
  getAttr(name: string): string | undefined {
    const i = this.names.indexOf(name);
    return i >= 0 ? this.values[i] : undefined;
  }

  /** Inserts detached `child` before `before` (a child of this node) or at the end. */
  insertBefore(child: HNode, before: HNode | null): void {
    child.parent = this;
    if (before === null) {
      child.prev = this.last;
      child.next = null;
      if (this.last === null) this.first = child;
      else this.last.next = child;
      this.last = child;
    } else {
      child.next = before;
      child.prev = before.prev;
      if (before.prev === null) this.first = child;
      else before.prev.next = child;
      before.prev = child;
    }
  }

  /** Unlinks `child` (a child of this node); it keeps its own subtree. */
  removeChild(child: HNode): void {
    if (child.prev === null) this.first = child.next;
    else child.prev.next = child.next;
    if (child.next === null) this.last = child.prev;
    else child.next.prev = child.prev;
    child.parent = null;
    child.next = null;
    child.prev = null;
  }

  /** Children, in order (allocates; for inspection, not hot paths). */
  get children(): HNode[] {
    const out: HNode[] = [];
    for (let c = this.first; c !== null; c = c.next) out.push(c);
    return out;
  }
}

/**
 * The headless renderer: applies a patch stream to an in-memory tree and prints it as HTML. It only
 * consumes patches (as the DOM renderer does in a browser) and checks each one against the tree,
 * so a wrong patch fails loudly instead of drifting.
 */
export class HeadlessDom {
  /** The root container (id 0). */
  readonly root = new HNode(ROOT_ID, ROOT_TAG);
  private readonly nodes = new IdTable<HNode>();

  constructor() {
    this.root.span = 0;
    this.nodes.set(ROOT_ID, this.root);
  }

  /** Applies patches in order: a batch (decoded in place) or patch objects. */
  apply(patches: PatchBatch | readonly Patch[]): void {
    if (patches instanceof PatchBatch) decode(patches, this.visitor);
    else for (let i = 0; i < patches.length; i++) this.applyOne(patches[i] as Patch);
  }

  // Applies decoded patches without making patch objects; errors rebuild the object to report it.
  private readonly visitor: PatchVisitor = {
    createElement: (id, tag, attrs) => {
      if (this.nodes.has(id)) this.applyOne({ op: "create-element", id, tag, attrs });
      const n = new HNode(id, tag);
      for (let i = 0; i < attrs.length; i++) {
        const a = attrs[i] as Attr;
        n.setAttr(a.name, a.value);
      }
      this.nodes.set(id, n);
    },
    createText: (id, text) => {
      if (this.nodes.has(id)) this.applyOne({ op: "create-text", id, text });
      this.nodes.set(id, new HNode(id, TEXT_TAG, text));
    },
    setAttr: (id, name, value) => {
      const n = this.nodes.get(id);
      if (n === undefined || n.tag === TEXT_TAG || n.tag === ROOT_TAG)
        this.applyOne({ op: "set-attr", id, name, value });
      else n.setAttr(name, value);
    },
    removeAttr: (id, name) => this.applyOne({ op: "remove-attr", id, name }),
    setText: (id, text) => {
      const n = this.nodes.get(id);
      if (n === undefined || n.tag !== TEXT_TAG) this.applyOne({ op: "set-text", id, text });
      else n.text = text;
    },
    insert: (parentId, id, before) => {
      const parent = this.nodes.get(parentId);
      const n = this.nodes.get(id);
      const b = before < 0 ? null : this.nodes.get(before);
      if (
        parent === undefined ||
        n === undefined ||
        n.parent !== null ||
        b === undefined ||
        (b !== null && b.parent !== parent)
      ) {
        this.applyOne({
          op: "insert",
          parent: parentId,
          id,
          before: before < 0 ? null : before,
        });
        return;
      }
      parent.insertBefore(n, b);
      this.adopted(parent, n);
    },
    move: (parent, id, before) =>
      this.applyOne({ op: "move", parent, id, before: before < 0 ? null : before }),
    remove: (parentId, id) => {
      const parent = this.nodes.get(parentId);
      const n = this.nodes.get(id);
      if (parent === undefined || n === undefined || n.parent !== parent) {
        this.applyOne({ op: "remove", parent: parentId, id });
        return;
      }
      parent.removeChild(n);
      this.forget(n);
    },
    listen: (id, event) => {
      const n = this.nodes.get(id);
      if (n === undefined || n.tag === TEXT_TAG || n.tag === ROOT_TAG || n.events !== null)
        this.applyOne({ op: "listen", id, event });
      else n.events = [event];
    },
    unlisten: (id, event) => this.applyOne({ op: "unlisten", id, event }),
  };

  /** Applies one patch. */
  applyOne(p: Patch): void {
    switch (p.op) {
      case "create-element": {
        if (this.nodes.has(p.id)) throw this.bad(p, "id already in use");
        const n = new HNode(p.id, p.tag);
        const attrs = p.attrs;
        for (let i = 0; i < attrs.length; i++) {
          const a = attrs[i] as Attr;
          n.setAttr(a.name, a.value);
        }
        this.nodes.set(p.id, n);
        return;
      }
      case "create-text":
        if (this.nodes.has(p.id)) throw this.bad(p, "id already in use");
        this.nodes.set(p.id, new HNode(p.id, TEXT_TAG, p.text));
        return;
      case "set-attr":
        this.element(p, p.id).setAttr(p.name, p.value);
        return;
      case "remove-attr":
        this.element(p, p.id).removeAttr(p.name);
        return;
      case "set-text": {
        const n = this.get(p, p.id);
        if (n.tag !== TEXT_TAG) throw this.bad(p, "not a text node");
        n.text = p.text;
        return;
      }
      case "insert": {
        const parent = this.get(p, p.parent);
        const n = this.get(p, p.id);
        if (n.parent !== null) throw this.bad(p, "node is already attached; use move");
        parent.insertBefore(n, this.ref(p, parent, p.before));
        this.adopted(parent, n);
        return;
      }
      case "move": {
        const parent = this.get(p, p.parent);
        const n = this.get(p, p.id);
        if (n.parent !== parent) throw this.bad(p, "node is not a child of parent");
        const before = this.ref(p, parent, p.before);
        if (before === n) throw this.bad(p, "cannot move a node before itself");
        parent.removeChild(n);
        parent.insertBefore(n, before);
        return;
      }
      case "remove": {
        const parent = this.get(p, p.parent);
        const n = this.get(p, p.id);
        if (n.parent !== parent) throw this.bad(p, "node is not a child of parent");
        parent.removeChild(n);
        this.forget(n);
        return;
      }
      case "listen": {
        const n = this.element(p, p.id);
        if (n.events === null) n.events = [p.event];
        else if (!n.events.includes(p.event)) n.events.push(p.event);
        else throw this.bad(p, "already listening");
        return;
      }
      case "unlisten": {
        const n = this.element(p, p.id);
        const i = n.events === null ? -1 : n.events.indexOf(p.event);
        if (i < 0 || n.events === null) throw this.bad(p, "not listening");
        n.events.splice(i, 1);
        return;
      }
    }
  }

  /** The live node with this id, or undefined. */
  node(id: number): HNode | undefined {
    return this.nodes.get(id);
  }

  /** Number of live nodes (root included; detached but not removed nodes count too). */
  get size(): number {
    return this.nodes.size;
  }

  /** The tree's HTML (the root container's children). */
  toHtml(): string {
    return innerHtml(this.root);
  }

  private get(p: Patch, id: number): HNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw this.bad(p, `no live node ${id}`);
    return n;
  }

  private element(p: Patch, id: number): HNode {
    const n = this.get(p, id);
    if (n.tag === TEXT_TAG || n.tag === ROOT_TAG) throw this.bad(p, "not an element");
    return n;
  }

  private ref(p: Patch, parent: HNode, before: number | null): HNode | null {
    if (before === null) return null;
    const b = this.get(p, before);
    if (b.parent !== parent) throw this.bad(p, `reference node ${before} is not a child of parent`);
    return b;
  }

  // Keeps `span` true after `n` joined `parent`'s subtree: a node numbered right after the
  // parent's run extends it; anything else ends it there and in every enclosing subtree.
  // (Once a subtree's run is broken, so are all runs above it: the walk stops at the first.)
  private adopted(parent: HNode, n: HNode): void {
    if (parent.span > 0 && n.span > 0 && n.id === parent.id + parent.span) {
      parent.span += n.span;
      // Enclosing runs do not include the new ids.
      for (let a = parent.parent; a !== null && a.span > 0; a = a.parent) a.span = 0;
      return;
    }
    for (let a: HNode | null = parent; a !== null && a.span > 0; a = a.parent) a.span = 0;
  }

  // Removed ids are dead for good: drop the whole subtree from the id table (by id range when
  // it is one run; ids are never reused, so the run holds nothing else).
  private forget(n: HNode): void {
    if (n.span > 0) {
      this.nodes.deleteRange(n.id, n.id + n.span);
      return;
    }
    this.nodes.delete(n.id);
    for (let c = n.first; c !== null; c = c.next) this.forget(c);
  }

  private bad(p: Patch, why: string): FxError {
    return new FxError("BAD_PATCH", `cannot apply ${JSON.stringify(p)}: ${why}`);
  }
}

const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

const TEXT_SPECIAL = /[&<>]/;
const ATTR_SPECIAL = /[&"<>]/;

/** Escapes text content for HTML (`&`, `<`, `>`). */
export function escapeText(s: string): string {
  if (!TEXT_SPECIAL.test(s)) return s;
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes a double-quoted attribute value (`&`, `"`, `<`, `>`). */
export function escapeAttr(s: string): string {
  if (!ATTR_SPECIAL.test(s)) return s;
  return s
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9._:-]*$/;

// Attribute names may hold almost anything except what would end or break the attribute.
function validAttrName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x22 || c === 0x27 || c === 0x2f || c === 0x3c)
      return false;
    if (c === 0x3d || c === 0x3e) return false;
  }
  return true;
}

/** HTML of a node and its subtree. Names that cannot be printed safely are an error, not escaped. */
export function outerHtml(n: HNode): string {
  if (n.tag === TEXT_TAG) return escapeText(n.text);
  if (n.tag === ROOT_TAG) return innerHtml(n);
  if (!TAG_NAME.test(n.tag))
    throw new FxError("INVALID_NAME", `cannot print element <${n.tag}>: not a valid tag name`);
  let s = `<${n.tag}`;
  for (let i = 0; i < n.names.length; i++) {
    const name = n.names[i] as string;
    if (!validAttrName(name))
      throw new FxError(
        "INVALID_NAME",
        `cannot print attribute ${JSON.stringify(name)} on <${n.tag}>: not a valid attribute name`,
      );
    s += ` ${name}="${escapeAttr(n.values[i] as string)}"`;
  }
  s += ">";
  if (VOID.has(n.tag) && n.first === null) return s;
  return `${s}${innerHtml(n)}</${n.tag}>`;
}

/** HTML of a node's children. */
export function innerHtml(n: HNode): string {
  let s = "";
  for (let c = n.first; c !== null; c = c.next) s += outerHtml(c);
  return s;
}
