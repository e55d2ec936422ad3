import { FxError } from "./errors.js";
import type { Attr, FxNode, Listener, View } from "./types.js";

// The differ checks a view as it goes: nodes patched in place get cheap per-node checks, and any
// other stretch of a sibling list is scanned here in full before that list is touched, so a bad
// view throws before the reconciler's record and the host disagree.

function where(parentTag: string | null): string {
  return parentTag === null ? "the top level of the view" : `the children of <${parentTag}>`;
}

/** Error for a structurally broken view. */
export function malformed(component: string, index: number, why: string): FxError {
  return new FxError(
    "MALFORMED_VIEW",
    `component "${component}" rendered a malformed view: node ${index}: ${why}`,
  );
}

/** Error for two siblings with one key. */
export function duplicateKey(component: string, key: string, parentTag: string | null): FxError {
  return new FxError(
    "DUPLICATE_KEY",
    `component "${component}": duplicate key "${key}" among ${where(parentTag)}; keys must be unique among siblings`,
  );
}

/** Checks an element's attribute list: strings, each name once. */
export function checkAttrs(component: string, tag: string, attrs: readonly Attr[]): void {
  if (!Array.isArray(attrs)) throw malformed(component, -1, `<${tag}> attrs must be a list`);
  const n = attrs.length;
  for (let i = 0; i < n; i++) {
    const a = attrs[i] as Attr;
    if (typeof a?.name !== "string" || typeof a.value !== "string")
      throw malformed(component, -1, `<${tag}> attributes must be { name, value } strings`);
    for (let k = 0; k < i; k++) {
      if ((attrs[k] as Attr).name === a.name)
        throw new FxError(
          "DUPLICATE_ATTR",
          `component "${component}": attribute "${a.name}" appears twice on <${tag}>; give each attribute once`,
        );
    }
  }
}

/** Checks a listener list: strings, each event once. */
export function checkListeners(
  component: string,
  what: string,
  listeners: readonly Listener[],
): void {
  if (!Array.isArray(listeners)) throw malformed(component, -1, `${what} listeners must be a list`);
  const n = listeners.length;
  for (let i = 0; i < n; i++) {
    const l = listeners[i] as Listener;
    if (typeof l?.event !== "string" || typeof l.handler !== "string")
      throw malformed(component, -1, `${what} listeners must be { event, handler } strings`);
    for (let k = 0; k < i; k++) {
      if ((listeners[k] as Listener).event === l.event)
        throw new FxError(
          "DUPLICATE_LISTENER",
          `component "${component}": two listeners for "${l.event}" on ${what}; one handler per event`,
        );
    }
  }
}

/**
 * Scans `count` siblings starting at view index `j` (count < 0: up to the end of the view) and all
 * their subtrees. Fills `starts` with each sibling's index (if given) and returns the index after
 * the list.
 */
export class Scanner {
  scan(
    view: View,
    j: number,
    count: number,
    parentTag: string | null,
    component: string,
    starts: number[] | null,
  ): number {
    const end = this.list(view, j, count, parentTag, component, starts);
    if (end < 0) throw malformed(component, j, `${where(parentTag)} end before all children`);
    return end;
  }

  private list(
    view: View,
    j: number,
    count: number,
    parentTag: string | null,
    component: string,
    starts: number[] | null,
  ): number {
    const len = view.length;
    // The first key needs no set: most lists scanned here are a single keyed row.
    let first: string | null = null;
    let keys: Set<string> | null = null;
    let n = 0;
    while (n !== count && j < len) {
      let v = view[j] as FxNode;
      if (typeof v !== "object" || v === null) throw malformed(component, j, "not a node object");
      if (starts !== null) starts.push(j);
      let key: string | null | undefined = null;
      if (Array.isArray(v)) {
        // A nested view: one node tree in its own index space, standing in this list's place.
        const inner = v as View;
        if (this.list(inner, 0, 1, parentTag, component, null) !== inner.length)
          throw malformed(component, j, "a nested view must hold exactly one node tree");
        while (Array.isArray(v)) v = (v as View)[0] as FxNode;
        key = v.kind === "text" ? null : v.key;
        j++;
      } else
        switch (v.kind) {
          case "element": {
            if (typeof v.tag !== "string" || v.tag === "")
              throw malformed(component, j, "element tag must be a non-empty string");
            const c = v.childCount;
            if (c !== c >>> 0)
              throw malformed(
                component,
                j,
                `<${v.tag}> child count must be a non-negative integer`,
              );
            checkAttrs(component, v.tag, v.attrs);
            checkListeners(component, `<${v.tag}>`, v.listeners);
            key = v.key;
            const end = c === 0 ? j + 1 : this.list(view, j + 1, c, v.tag, component, null);
            if (end < 0)
              throw malformed(
                component,
                j,
                `<${v.tag}> declares ${c} children but the view ends first`,
              );
            j = end;
            break;
          }
          case "text":
            if (typeof v.text !== "string") throw malformed(component, j, "text must be a string");
            j++;
            break;
          case "component":
            if (typeof v.component !== "string" || v.component === "")
              throw malformed(component, j, "component name must be a non-empty string");
            if (typeof v.props !== "string")
              throw malformed(component, j, `props of "${v.component}" must be JSON text`);
            checkListeners(component, `component "${v.component}"`, v.listeners);
            key = v.key;
            j++;
            break;
          default:
            throw malformed(
              component,
              j,
              `unknown node kind ${JSON.stringify((v as { kind?: unknown }).kind)}`,
            );
        }
      if (key !== null && key !== undefined) {
        if (typeof key !== "string") throw malformed(component, j, "key must be a string");
        if (first === null) first = key;
        else {
          if (keys === null) keys = new Set([first]);
          else if (keys.has(key)) throw duplicateKey(component, key, parentTag);
          if (key === first) throw duplicateKey(component, key, parentTag);
          keys.add(key);
        }
      }
      n++;
    }
    if (count >= 0 && n !== count) return -1;
    return j;
  }
}

/** Checks a whole view's structure, keys and names; throws an `FxError` naming the problem. */
export function validateView(view: View, component: string): void {
  if (!Array.isArray(view)) throw malformed(component, -1, "a view must be a list of nodes");
  new Scanner().scan(view, 0, -1, null, component, null);
}
