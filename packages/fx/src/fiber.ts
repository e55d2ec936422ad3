import { COMPONENT, type RNode } from "./rnode.js";
import type { ComponentInstance, HostApi, View } from "./types.js";

/** One component instance in the tree, with what the scheduler needs to know about it. */
export class Fiber {
  /** Deterministic id: fibers are numbered in creation order from 1 (the root). */
  readonly id: number;
  readonly name: string;
  readonly parent: Fiber | null;
  /** This fiber's component node in the parent's tree; its children are what this fiber rendered. */
  readonly node: RNode;
  /** Host element its fragment lives in (0: the root container). */
  readonly hostParent: number;
  props: string;
  instance: ComponentInstance | null = null;
  host: HostApi | null = null;
  /** Dirty lane (0: clean). */
  lane = 0;
  /** Whether the dirty set's queue holds this fiber. */
  queued = false;
  /** Lane of a `handle` call still running asynchronously (0: none). */
  asyncLane = 0;
  disposed = false;
  /**
   * An asynchronous `render` is in flight (e.g. a call into a wasm instance): what it
   * invalidates counts from the next operation, as for a synchronous render.
   */
  renderPending = false;
  /** A view an async render resolved to, waiting for the flush to resume. */
  readyView: View | null = null;
  /** The view last reconciled, for the differ's identity fast path (null: do not trust it). */
  prevView: View | null = null;
  /** Position among the parent's child fibers in tree order (valid when the parent's cache is). */
  order = 0;
  childOrderStale = true;

  constructor(
    id: number,
    name: string,
    parent: Fiber | null,
    node: RNode,
    hostParent: number,
    props: string,
  ) {
    this.id = id;
    this.name = name;
    this.parent = parent;
    this.node = node;
    this.hostParent = hostParent;
    this.props = props;
  }
}

// Numbers `p`'s child fibers in pre-order of p's rendered tree (the order their nodes appear).
function refreshOrder(p: Fiber): void {
  if (!p.childOrderStale) return;
  let k = 0;
  const walk = (n: RNode): void => {
    for (const c of n.children) {
      if (c.kind === COMPONENT) {
        if (c.fiber !== null) c.fiber.order = k++;
      } else if (c.children.length > 0) walk(c);
    }
  };
  walk(p.node);
  p.childOrderStale = false;
}

/** The fiber's position in tree order: child positions from the root down. */
export function treePath(f: Fiber): number[] {
  const path: number[] = [];
  for (let x = f; x.parent !== null; x = x.parent) {
    refreshOrder(x.parent);
    path.push(x.order);
  }
  return path.reverse();
}

/** Orders tree paths in pre-order (an ancestor before its descendants). */
export function compareTreePaths(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
