import type { Fiber } from "./fiber.js";
import type { Attr, Listener } from "./types.js";

/** RNode kind: a host element. */
export const ELEMENT = 0;
/** RNode kind: a host text node. */
export const TEXT = 1;
/** RNode kind: a component; its children are the host-less fragment its fiber rendered. */
export const COMPONENT = 2;

/** RNode flag: the subtree holds a listener or a component, so removing it has work to do. */
export const DEEP = 1;
/**
 * RNode flag: the subtree holds no component and its host ids are exactly [id, id + size), as
 * when it was created in one go; removal then releases its ids as a range, without a walk.
 */
export const SPAN = 2;
/**
 * RNode flag: the node came from a nested view, so it takes one entry of the enclosing list, and
 * `size` counts the entries of its own nested view.
 */
export const NESTED = 4;

/** Entries `node` took in the view list it was rendered in. */
export function entries(node: RNode): number {
  return (node.flags & NESTED) !== 0 ? 1 : node.size;
}

/** Shared empty child list; never mutated (an empty list grows by allocating a new one). */
export const NO_CHILDREN: RNode[] = [];
/** Shared empty attribute list for text and component nodes. */
export const NO_ATTRS: readonly Attr[] = Object.freeze([]);
/** Shared empty listener list for text nodes. */
export const NO_LISTENERS: readonly Listener[] = Object.freeze([]);

/**
 * The reconciler's record of one rendered node. One monomorphic class for all kinds keeps the
 * diff's property accesses on a single hidden class.
 */
export class RNode {
  kind: number;
  /** Host node id for elements and text; -1 for components. */
  id: number;
  key: string | null;
  /** Element tag, component name, or a text node's text. */
  tag: string;
  /** `DEEP` when the subtree holds a listener or a component (removal has work to do); `SPAN`. */
  flags: number;
  /** Last attributes; an identical list next time (a memoised view) skips the comparison. */
  attrs: readonly Attr[];
  /**
   * Name and value of the only attribute when `attrs` has exactly one (`an` null otherwise):
   * the common case compares against these, without reading last render's attribute objects.
   */
  an: string | null;
  av: string;
  listeners: readonly Listener[];
  children: RNode[];
  /** Enclosing element or component node (null only for the root component's node). */
  parent: RNode | null;
  /** For components: the child fiber. */
  fiber: Fiber | null;
  /** For elements with exactly one child: that child (read without the `children` array). */
  only: RNode | null;
  /** Number of view entries this node's subtree took last render (itself included). */
  size: number;

  constructor(
    kind: number,
    id: number,
    key: string | null,
    tag: string,
    flags: number,
    attrs: readonly Attr[],
    listeners: readonly Listener[],
    parent: RNode | null,
  ) {
    this.kind = kind;
    this.id = id;
    this.key = key;
    this.tag = tag;
    this.flags = flags;
    this.attrs = attrs;
    this.an = null;
    this.av = "";
    this.listeners = listeners;
    this.children = NO_CHILDREN;
    this.parent = parent;
    this.fiber = null;
    this.only = null;
    this.size = 1;
  }
}

/** Id of the first host node at or under `node`, or -1 if it has none (an empty component). */
export function firstHost(node: RNode): number {
  if (node.kind !== COMPONENT) return node.id;
  const c = node.children;
  for (let i = 0; i < c.length; i++) {
    const f = firstHost(c[i] as RNode);
    if (f >= 0) return f;
  }
  return -1;
}

/**
 * Id of the host node that follows component `comp`'s fragment in its host parent, or -1 if the
 * fragment ends its host parent. Walks up through enclosing components, which are fragments too.
 */
export function hostAfter(comp: RNode): number {
  let n = comp;
  for (;;) {
    const p = n.parent;
    if (p === null) return -1;
    const sibs = p.children;
    for (let k = sibs.indexOf(n) + 1; k < sibs.length; k++) {
      const f = firstHost(sibs[k] as RNode);
      if (f >= 0) return f;
    }
    if (p.kind !== COMPONENT) return -1;
    n = p;
  }
}

/** Id of the host element `node` is placed in (0 for the root container). */
export function hostParentOf(node: RNode): number {
  let p = node.parent;
  while (p !== null && p.kind === COMPONENT) p = p.parent;
  return p === null ? 0 : p.id;
}

/** The fiber whose render produced `node` (the nearest enclosing component's fiber). */
export function ownerOf(node: RNode): Fiber | null {
  let p = node.parent;
  while (p !== null && p.kind !== COMPONENT) p = p.parent;
  return p === null ? null : p.fiber;
}
