import type { Fiber } from "./fiber.js";
import { IdTable } from "./idtable.js";
import { lis } from "./lis.js";
import { PatchBatch } from "./patch.js";
import {
  COMPONENT,
  DEEP,
  ELEMENT,
  entries,
  firstHost,
  hostAfter,
  NESTED,
  NO_ATTRS,
  NO_CHILDREN,
  NO_LISTENERS,
  RNode,
  SPAN,
  TEXT,
} from "./rnode.js";
import type {
  Attr,
  ComponentNode,
  ElementNode,
  FxNode,
  Listener,
  TextNode,
  View,
} from "./types.js";
import { checkAttrs, checkListeners, duplicateKey, malformed, Scanner } from "./validate.js";

/** What the differ asks of the fiber layer when it meets component nodes. */
export interface ComponentHooks {
  /** A new component node rendered by `owner`: create its fiber (it renders later). */
  mount(node: RNode, v: ComponentNode, owner: Fiber): void;
  /** A component node kept its place: re-render it if its props changed or it is dirty. */
  update(node: RNode, v: ComponentNode): void;
  /** A component node is gone: dispose its fiber (its host nodes are handled by the differ). */
  unmount(node: RNode): void;
}

// `before` references while diffing a sibling list: an id, or one of these.
const APPEND = -1; // end of the host parent
const AFTER_FRAGMENT = -2; // whatever follows the component being rendered (found lazily)

const EMPTY_VIEW: View = [];

// Closures are avoided on hot paths: besides the allocation, tsx's keep-names transform turns
// each one into a defineProperty call.
function describe(o: RNode, name: string): string {
  return o.kind === ELEMENT ? `<${name}>` : `component "${name}"`;
}

function has(list: readonly Attr[], from: number, to: number, name: string): boolean {
  for (let x = from; x < to; x++) if ((list[x] as Attr).name === name) return true;
  return false;
}

// Records the only attribute of element `o` (see `RNode.an`), or that it has not exactly one.
function only(o: RNode, attrs: readonly Attr[]): void {
  if (attrs.length === 1) {
    const a = attrs[0] as Attr;
    o.an = a.name;
    o.av = a.value;
  } else o.an = null;
}

function hasEvent(list: readonly Listener[], event: string): boolean {
  for (const l of list) if (l.event === event) return true;
  return false;
}

// The node a view entry stands for: itself, or the root of the nested view it is (undefined for
// an empty one).
function nodeOf(e: FxNode | View | undefined): FxNode | undefined {
  let v = e;
  while (Array.isArray(v)) v = v[0];
  return v as FxNode | undefined;
}

function keyOf(e: FxNode | View): string | null {
  const v = nodeOf(e) as FxNode;
  return v.kind === "text" ? null : (v.key ?? null);
}

// Same slot: kind, tag or component name, and explicit key agree. Unkeyed nodes also need equal
// ordinals among their unkeyed siblings, which the callers check where those can differ. `v` may
// be anything a component returned; whatever is not a matching node simply does not match.
function same(o: RNode, e: FxNode | View | undefined): boolean {
  const v = Array.isArray(e) ? nodeOf(e) : (e as FxNode | undefined);
  switch (v?.kind) {
    case "element":
      return o.kind === ELEMENT && o.tag === v.tag && o.key === (v.key ?? null);
    case "text":
      return o.kind === TEXT;
    case "component":
      return o.kind === COMPONENT && o.tag === v.component && o.key === (v.key ?? null);
    default:
      return false;
  }
}

/**
 * Diffs a fiber's new view against what it rendered last time and appends the patches to `out`.
 * Keeps the node-id counter and the table of elements with listeners.
 *
 * Validation is part of the walk, not a separate pass: a node patched in place is checked as it
 * is read, and within a sibling list everything that will be created or patched out of place is
 * checked before the list's structure changes. So a bad view throws an `FxError` at a point
 * where every patch emitted so far is also reflected in the RNode tree: the host and the
 * reconciler never disagree, even half-way through a broken render.
 *
 * When a component hands back the very node objects it returned last time (a memoised row),
 * the subtree is known unchanged and valid: it is recognised by identity against the previous
 * view (using each RNode's recorded subtree size) and skipped without being visited. A nested
 * view (an entry that is an array holding one tree) is one entry of its list; the differ
 * switches `view` and `prev` to it while inside, so indices are always into the current array.
 */
export class Differ {
  /** Patches produced since the owner last took them. */
  out = new PatchBatch();
  /** Last host node id handed out; ids are never reused, so a log can name nodes by id. */
  lastId = 0;
  /** Elements with at least one listener, by id (for `dispatch`). */
  readonly listening = new IdTable<RNode>();

  private view: View = EMPTY_VIEW;
  // The previous view of the fiber being diffed, or null when identity cannot be trusted.
  private prev: View | null = null;
  private owner: Fiber | null = null;
  private component = "";
  private next = 0;
  // Component nodes created so far (with lastId: whether a patch created anything).
  private mounted = 0;
  private readonly hooks: ComponentHooks;
  private readonly scanner = new Scanner();

  constructor(hooks: ComponentHooks) {
    this.hooks = hooks;
  }

  /** Brings `node`'s fragment (a component's rendered roots) in line with `view`. */
  reconcile(node: RNode, hostParent: number, view: View, owner: Fiber): void {
    if (!Array.isArray(view)) throw malformed(owner.name, -1, "render must return a list of nodes");
    this.view = view;
    // A view array mutated in place and returned again says nothing about what changed.
    this.prev = owner.prevView === view ? null : owner.prevView;
    this.owner = owner;
    this.component = owner.name;
    // If this render fails half-way, node sizes mix two views: no fast path next time.
    owner.prevView = null;
    try {
      const prev = this.prev;
      this.children(
        node,
        hostParent,
        0,
        -1,
        AFTER_FRAGMENT,
        prev === null ? -1 : 0,
        prev?.length ?? 0,
      );
      owner.prevView = view;
    } finally {
      this.view = EMPTY_VIEW;
      this.prev = null;
      this.owner = null;
    }
  }

  // Whether old[i..] and the new siblings at starts[0, ne) hold equally many unkeyed nodes.
  private sameUnkeyedCount(
    old: readonly RNode[],
    i: number,
    starts: readonly number[],
    ne: number,
  ): boolean {
    let u = 0;
    for (let k = i; k < old.length; k++) if ((old[k] as RNode).key === null) u++;
    for (let p = 0; p < ne; p++) if (keyOf(this.view[starts[p] as number] as FxNode) === null) u--;
    return u === 0;
  }

  // How many entries from new index j on are the very same objects as from old index oj (at most
  // `max`): a memoising component's unchanged stretch, compared in one tight loop.
  private identicalRun(j: number, oj: number, max: number): number {
    const view = this.view;
    const prev = this.prev as View;
    let t = 0;
    while (t < max && view[j + t] === prev[oj + t]) t++;
    return t;
  }

  // Whether the subtree at new index j is the very same node objects as the old subtree of
  // `size` entries at old index oj: then nothing under it changed and it is skipped whole. This
  // is what makes a memoising component (reusing unchanged rows' nodes) cheap to re-render.
  private unchanged(j: number, oj: number, size: number): boolean {
    const view = this.view;
    const prev = this.prev as View;
    if (view[j] !== prev[oj]) return false;
    for (let k = 1; k < size; k++) if (view[j + k] !== prev[oj + k]) return false;
    return true;
  }

  // Diffs the sibling list of `parent` against the `count` view nodes starting at `j` (count < 0:
  // up to the end of the view). `oj` is where the old list started in the previous view (-1:
  // unknown) and `ojEnd` where it ended. Returns the view index after the list.
  //
  // Order matters for errors: the prefix and suffix are patched in place (an error inside leaves
  // this list as it was), and everything else is validated before the list's structure changes.
  private children(
    parent: RNode,
    hp: number,
    j: number,
    count: number,
    endRef: number,
    oj: number,
    ojEnd: number,
  ): number {
    const view = this.view;
    const vlen = view.length;
    const old = parent.children;
    const oldLen = old.length;
    let i = 0;
    let n = 0;
    // Length of the run of identical objects at (j, oj), found by one tight scan and spent row by
    // row; -1: not scanned yet.
    let run = -1;
    // The old list took one entry per node (nested rows): positions and identity runs then map
    // to old nodes without reading them, which keeps a long unchanged stretch off the heap.
    const oneEach = oj >= 0 && ojEnd - oj === oldLen;

    // Common prefix, patched in place: the whole list in the steady state. Keys equal to the old
    // (unique) keys position by position cannot collide, so this part needs no key set.
    while (n !== count && j < vlen && i < oldLen) {
      if (oneEach && run > 0) {
        let k = oldLen - i;
        if (run < k) k = run;
        if (count >= 0 && count - n < k) k = count - n;
        i += k;
        n += k;
        j += k;
        oj += k;
        run -= k;
        continue;
      }
      const o = old[i] as RNode;
      const size = oneEach ? 1 : entries(o);
      if (oj >= 0) {
        if (run < 0) {
          run = this.identicalRun(j, oj, ojEnd - oj);
          // The rest of the old list, object for object: those same siblings come next in the
          // new list, so step over all of them without visiting one.
          if (run === ojEnd - oj && (count < 0 || count - n >= oldLen - i)) {
            n += oldLen - i;
            i = oldLen;
            j += run;
            oj = ojEnd;
            break;
          }
          if (oneEach && run > 0) continue;
        }
        if (size <= run) {
          run -= size;
          j += size;
          oj += size;
          i++;
          n++;
          continue;
        }
        run = -1;
      }
      if (!same(o, view[j])) break;
      j = this.patchAt(o, j, oj);
      if (oj >= 0) oj += size;
      i++;
      n++;
    }
    if (n === count || (count < 0 && j >= vlen)) {
      if (i < oldLen) {
        for (let k = i; k < oldLen; k++) this.remove(old[k] as RNode, hp);
        if (i === 0) parent.children = NO_CHILDREN;
        else old.length = i;
      }
      return j;
    }

    // Where each remaining old node started in the previous view, for the identity fast path.
    let ojs: Int32Array | null = null;
    if (oj >= 0 && i < oldLen) {
      ojs = new Int32Array(oldLen - i);
      for (let k = i, at = oj; k < oldLen; k++) {
        ojs[k - i] = at;
        at += oneEach ? 1 : entries(old[k] as RNode);
      }
    }

    // Where the remaining new siblings start (a walk that checks just enough to find them).
    const parentTag = parent.kind === ELEMENT ? parent.tag : null;
    const starts: number[] = [];
    // twins[p]: the old sibling whose very objects new sibling p reuses, or -1.
    const twins: number[] = [];
    const end = this.bounds(j, count < 0 ? -1 : count - n, starts, twins, old, i, ojs, oneEach);
    let ne = starts.length;

    if (i === oldLen) {
      this.checkNew(starts, 0, ne, null, parentTag);
      this.checkKeys(starts, 0, ne, null, old, i, oldLen, parentTag);
      const ref = endRef === AFTER_FRAGMENT ? hostAfter(parent) : endRef;
      const out = oldLen === 0 ? [] : old;
      for (let p = 0; p < ne; p++) {
        const c = this.create(starts[p] as number, parent);
        this.insert(c, hp, ref);
        out.push(c);
      }
      parent.children = out;
      return end;
    }

    // Common suffix, patched in place. An unkeyed node matches the unkeyed node with the same
    // ordinal among the unkeyed siblings (keyed rows coming and going do not disturb their
    // unkeyed neighbours); from the end, ordinals agree only if both remainders hold equally
    // many unkeyed nodes.
    // (Counted only when the suffix meets an unkeyed node: keyed lists never need it.)
    let unkeyedAlign = -1;
    let oe = oldLen;
    while (oe > i && ne > 0) {
      const o = old[oe - 1] as RNode;
      const s = starts[ne - 1] as number;
      const v = view[s];
      // A twin (same objects) is skipped outright, unless unkeyed: those still obey the ordinal
      // rule, so whether a component instance survives never depends on memoisation.
      if (twins[ne - 1] !== oe - 1 || o.key === null) {
        if (!same(o, v)) break;
        if (o.key === null) {
          if (unkeyedAlign < 0) unkeyedAlign = this.sameUnkeyedCount(old, i, starts, ne) ? 1 : 0;
          if (unkeyedAlign === 0) break;
        }
        this.update(o, s, ojs === null ? -1 : (ojs[oe - 1 - i] as number));
      }
      oe--;
      ne--;
    }

    // Middle: old[i, oe) against starts[0, ne).
    const out = new Array<RNode>(i + ne + (oldLen - oe));
    for (let k = 0; k < i; k++) out[k] = old[k] as RNode;
    for (let k = oe; k < oldLen; k++) out[k - oe + i + ne] = old[k] as RNode;

    let ref = APPEND;
    let refKnown = false;
    for (let k = oe; k < oldLen && !refKnown; k++) {
      const f = firstHost(old[k] as RNode);
      if (f >= 0) {
        ref = f;
        refKnown = true;
      }
    }
    if (!refKnown && endRef !== AFTER_FRAGMENT) {
      ref = endRef;
      refKnown = true;
    }

    if (ne === 0) {
      for (let k = i; k < oe; k++) this.remove(old[k] as RNode, hp);
      parent.children = out;
      return end;
    }
    if (i === oe) {
      this.checkNew(starts, 0, ne, null, parentTag);
      this.checkKeys(starts, 0, ne, null, old, i, oe, parentTag);
      if (!refKnown) ref = hostAfter(parent);
      for (let p = ne - 1; p >= 0; p--) {
        const c = this.create(starts[p] as number, parent);
        this.insert(c, hp, ref);
        out[i + p] = c;
        const f = firstHost(c);
        if (f >= 0) ref = f;
      }
      parent.children = out;
      return end;
    }

    // General case: match by key, remove the unmatched, keep a longest increasing run of old
    // positions in place and move only the rest (moves = retained − LIS). Unkeyed nodes are keyed
    // by their ordinal among the unkeyed (a number, so it cannot collide with a string key); the
    // prefix holds equally many on both sides, so counting starts at 0.
    const map = new Map<string | number, number>();
    let u = 0;
    for (let p = 0; p < ne; p++) {
      const key = keyOf(view[starts[p] as number] as FxNode);
      if (key !== null && map.has(key)) throw duplicateKey(this.component, key, parentTag);
      map.set(key ?? u++, p);
    }
    const sources = new Int32Array(ne).fill(-1);
    const matched = new Array<RNode | undefined>(ne);
    // Old view index of each matched node when its subtree is the same objects (-1: patch it).
    const skip = new Int32Array(ne).fill(-1);
    const kept = new Uint8Array(oe - i);
    u = 0;
    for (let k = i; k < oe; k++) {
      const o = old[k] as RNode;
      const p = map.get(o.key ?? u++);
      if (p === undefined || (sources[p] as number) >= 0 || !same(o, view[starts[p] as number]))
        continue;
      sources[p] = k;
      matched[p] = o;
      kept[k - i] = 1;
      if (twins[p] === k) skip[p] = k;
      else if (ojs !== null) {
        const at = ojs[k - i] as number;
        if (this.unchanged(starts[p] as number, at, entries(o))) skip[p] = at;
      }
    }
    this.checkNew(starts, 0, ne, skip, parentTag);
    this.checkKeys(starts, 0, ne, matched, old, i, oe, parentTag);

    // Nothing below can throw: the list's structure may change now.
    for (let k = i; k < oe; k++) if (kept[k - i] === 0) this.remove(old[k] as RNode, hp);
    const stay = new Uint8Array(ne);
    for (const p of lis(sources)) stay[p] = 1;

    for (let p = ne - 1; p >= 0; p--) {
      const s = starts[p] as number;
      let c = matched[p];
      if (c === undefined) {
        c = this.create(s, parent);
        if (!refKnown) {
          ref = hostAfter(parent);
          refKnown = true;
        }
        this.insert(c, hp, ref);
      } else {
        if ((skip[p] as number) < 0) this.patchAt(c, s, -1);
        if (stay[p] === 0) {
          if (!refKnown) {
            ref = hostAfter(parent);
            refKnown = true;
          }
          this.move(c, hp, ref);
        }
      }
      out[i + p] = c;
      const f = firstHost(c);
      if (f >= 0) {
        ref = f;
        refKnown = true;
      }
    }
    parent.children = out;
    return end;
  }

  // Finds where each of `count` siblings starting at j begins (count < 0: up to the end of the
  // view), pushing the indices to `starts`; returns the index after them. Checks only what the
  // walk relies on (node objects, kinds, child counts, key types); the rest is checked before use.
  // A sibling that is the very same objects as an old one (tried in order, allowing for one
  // removed in between) is stepped over whole: it was valid last time.
  private bounds(
    j: number,
    count: number,
    starts: number[],
    twins: number[],
    old: readonly RNode[],
    i: number,
    ojs: Int32Array | null,
    oneEach: boolean,
  ): number {
    const view = this.view;
    const vlen = view.length;
    const oldLen = old.length;
    let k = i; // next old sibling to try
    let n = 0;
    while (n !== count && j < vlen) {
      starts.push(j);
      n++;
      if (ojs !== null && k < oldLen) {
        const size = oneEach ? 1 : entries(old[k] as RNode);
        if (this.unchanged(j, ojs[k - i] as number, size)) {
          twins.push(k);
          j += size;
          k++;
          continue;
        }
        if (k + 1 < oldLen) {
          const size1 = oneEach ? 1 : entries(old[k + 1] as RNode);
          if (this.unchanged(j, ojs[k + 1 - i] as number, size1)) {
            twins.push(k + 1);
            j += size1;
            k += 2;
            continue;
          }
        }
      }
      twins.push(-1);
      j = this.walk(j);
    }
    if (count >= 0 && n !== count)
      throw malformed(this.component, j, "the view ends before all declared children");
    return j;
  }

  // Steps over one subtree starting at j, checking what finding its end relies on.
  private walk(j: number): number {
    const view = this.view;
    const vlen = view.length;
    let pending = 1;
    while (pending > 0) {
      if (j >= vlen)
        throw malformed(this.component, j, "the view ends before all declared children");
      const v = view[j] as FxNode;
      if (typeof v !== "object" || v === null)
        throw malformed(this.component, j, "not a node object");
      if (Array.isArray(v)) {
        // A nested view is one node tree, whatever it holds; its root's key is used before
        // its contents are checked, so check that much now.
        this.nestedKey(v as View, j);
        pending--;
        j++;
        continue;
      }
      const kind = v.kind;
      if (kind === "element") {
        const c = v.childCount;
        if (c !== c >>> 0)
          throw malformed(
            this.component,
            j,
            `<${v.tag}> child count must be a non-negative integer`,
          );
        pending += c;
      } else if (kind !== "text" && kind !== "component") {
        throw malformed(this.component, j, `unknown node kind ${JSON.stringify(kind)}`);
      }
      if (kind !== "text") {
        const key = v.key;
        if (key !== null && key !== undefined && typeof key !== "string")
          throw malformed(this.component, j, "key must be a string");
      }
      pending--;
      j++;
    }
    return j;
  }

  // Checks the root of nested view `a` (entry j) far enough to use its key.
  private nestedKey(a: View, j: number): void {
    const v = nodeOf(a);
    if (typeof v !== "object" || v === null)
      throw malformed(this.component, j, "a nested view must hold exactly one node tree");
    if (v.kind !== "text") {
      const key = v.key;
      if (key !== null && key !== undefined && typeof key !== "string")
        throw malformed(this.component, j, "key must be a string");
    }
  }

  // Fully validates the new subtrees at starts[from, to), except those marked in `skip` (the same
  // objects as last time, so already valid).
  private checkNew(
    starts: readonly number[],
    from: number,
    to: number,
    skip: Int32Array | null,
    parentTag: string | null,
  ): void {
    for (let p = from; p < to; p++) {
      if (skip !== null && (skip[p] as number) >= 0) continue;
      this.scanner.scan(this.view, starts[p] as number, 1, parentTag, this.component, null);
    }
  }

  // Keys of the siblings at starts[from, to) that did not match an old node must not repeat each
  // other or the keys of the old nodes kept in place, old[0, i) and old[oe, oldLen).
  private checkKeys(
    starts: readonly number[],
    from: number,
    to: number,
    matched: readonly (RNode | undefined)[] | null,
    old: readonly RNode[],
    i: number,
    oe: number,
    parentTag: string | null,
  ): void {
    let fresh: Set<string> | null = null;
    for (let p = from; p < to; p++) {
      if (matched !== null && matched[p] !== undefined) continue;
      const key = keyOf(this.view[starts[p] as number] as FxNode);
      if (key === null) continue;
      if (fresh === null) fresh = new Set();
      else if (fresh.has(key)) throw duplicateKey(this.component, key, parentTag);
      fresh.add(key);
    }
    if (fresh === null) return;
    for (let k = 0; k < old.length; k++) {
      if (k === i) k = oe;
      if (k >= old.length) break;
      const key = (old[k] as RNode).key;
      if (key !== null && fresh.has(key)) throw duplicateKey(this.component, key, parentTag);
    }
  }

  // Patches a matched node unless its subtree is unchanged (old index oj; -1: unknown).
  private update(o: RNode, j: number, oj: number): void {
    if (oj >= 0 && this.unchanged(j, oj, entries(o))) return;
    this.patchAt(o, j, oj);
  }

  // Patches matched node `o` from the view entry at j (old entry at oj; -1: unknown); returns
  // the index after the entry.
  private patchAt(o: RNode, j: number, oj: number): number {
    const e = this.view[j] as FxNode | View;
    if (!Array.isArray(e)) {
      o.flags &= ~NESTED;
      return this.patch(o, e as FxNode, j, oj);
    }
    // A nested view: diffed in its own index space, against the nested view this node came
    // from last time if there was one (identity inside it works as at the top level).
    const view = this.view;
    const prev = this.prev;
    const was = oj >= 0 && prev !== null && (o.flags & NESTED) !== 0 ? prev[oj] : undefined;
    this.view = e;
    this.prev = Array.isArray(was) ? was : null;
    try {
      if (e.length === 0) throw malformed(this.component, j, "a nested view must not be empty");
      const end = this.patchAt(o, 0, this.prev === null ? -1 : 0);
      if (end !== e.length)
        throw malformed(this.component, j, "a nested view must hold exactly one node tree");
    } finally {
      this.view = view;
      this.prev = prev;
    }
    o.flags |= NESTED;
    return j + 1;
  }

  // Updates a matched node in place; returns the view index after its subtree. Checks what it
  // reads before emitting anything for this node.
  private patch(o: RNode, v: FxNode, j: number, oj: number): number {
    if (o.kind === ELEMENT) {
      const e = v as ElementNode;
      const c = e.childCount;
      if (c !== c >>> 0)
        throw malformed(this.component, j, `<${e.tag}> child count must be a non-negative integer`);
      if (o.attrs !== e.attrs) this.attrs(o, e.attrs, e.tag, j);
      if (o.listeners !== e.listeners) this.listeners(o, e.listeners, e.tag, j);
      // (An element's size is 1 exactly when it has no children.)
      const size = o.size;
      if (c === 0 && size === 1) {
        o.flags = (o.listeners.length > 0 ? DEEP : 0) | (o.flags & SPAN);
        return j + 1;
      }
      const ids = this.lastId;
      const mounted = this.mounted;
      const span = o.flags & SPAN;
      // Until the children are done, assume the worst: a render failing below leaves this
      // subtree half changed, and its removal must then visit it.
      o.flags = DEEP;
      let end: number;
      let flags = o.listeners.length > 0 ? DEEP : 0;
      const one = o.only;
      if (c === 1 && one !== null && same(one, this.view[j + 1])) {
        // One child before and after, matching (an unkeyed one has ordinal 0 on both sides):
        // patched without the sibling-list machinery or reading the `children` array.
        const at = oj < 0 ? -1 : oj + 1;
        if (at >= 0 && this.unchanged(j + 1, at, entries(one))) end = j + 1 + entries(one);
        else end = this.patchAt(one, j + 1, at);
        if (flags === 0) flags = one.flags & DEEP;
      } else {
        end = this.children(o, o.id, j + 1, c, APPEND, oj < 0 ? -1 : oj + 1, oj + size);
        const kids = o.children;
        o.only = kids.length === 1 ? (kids[0] as RNode) : null;
        for (let k = 0; k < kids.length && flags === 0; k++)
          flags = (kids[k] as RNode).flags & DEEP;
      }
      o.size = end - j;
      // Nothing created and nothing removed (moves keep the set): the id run still holds.
      if (o.size === size && this.lastId === ids && this.mounted === mounted) flags |= span;
      o.flags = flags;
      return end;
    }
    if (o.kind === TEXT) {
      const t = (v as TextNode).text;
      if (o.tag !== t) {
        if (typeof t !== "string") throw malformed(this.component, j, "text must be a string");
        o.tag = t;
        this.out.setText(o.id, t);
      }
      return j + 1;
    }
    const c = v as ComponentNode;
    // Listeners on a component only route its emits; the child cannot observe them, so a
    // listener-only change updates the routing without re-rendering it.
    if (o.listeners !== c.listeners) this.listeners(o, c.listeners, c.component, j);
    if (typeof c.props !== "string")
      throw malformed(this.component, j, `props of "${c.component}" must be JSON text`);
    this.hooks.update(o, c);
    return j + 1;
  }

  // Diffs attributes. Validation is folded in: names equal to the old names in order are known
  // to be unique, so the common case only checks that values are strings.
  private attrs(o: RNode, next: readonly Attr[], tag: string, j: number): void {
    if (!Array.isArray(next)) throw malformed(this.component, j, `<${tag}> attrs must be a list`);
    const nl = next.length;
    const id = o.id;
    const out = this.out;
    const an = o.an;
    if (an !== null && nl === 1) {
      // One attribute before and after, same name: compare with the recorded value (last
      // render's list is cold memory by now; the new one was just built).
      const b = next[0] as Attr;
      if (b !== null && typeof b === "object" && b.name === an) {
        const value = b.value;
        if (typeof value !== "string")
          throw malformed(this.component, j, `<${tag}> attribute values must be strings`);
        if (value !== o.av) {
          out.setAttr(id, an, value);
          o.av = value;
        }
        o.attrs = next;
        return;
      }
    }
    const prev = o.attrs;
    const pl = prev.length;
    if (pl === nl) {
      let k = 0;
      for (; k < nl; k++) {
        const b = next[k] as Attr;
        if (b === null || typeof b !== "object" || (prev[k] as Attr).name !== b.name) break;
        if (typeof b.value !== "string")
          throw malformed(this.component, j, `<${tag}> attribute values must be strings`);
      }
      if (k === nl) {
        for (k = 0; k < nl; k++) {
          const b = next[k] as Attr;
          if ((prev[k] as Attr).value !== b.value) out.setAttr(id, b.name, b.value);
        }
        o.attrs = next;
        return;
      }
    }
    checkAttrs(this.component, tag, next);
    o.attrs = next;
    only(o, next);
    const m = Math.min(pl, nl);
    let k = 0;
    for (; k < m; k++) {
      const a = prev[k] as Attr;
      const b = next[k] as Attr;
      if (a.name !== b.name) break;
      if (a.value !== b.value) out.setAttr(id, b.name, b.value);
    }
    // Names changed (rare). set-attr on an existing name keeps its place and a new name goes last,
    // as in the DOM; to end in view order, keep the longest run of old names already in order
    // and re-add everything after it.
    const kept: Attr[] = [];
    for (let x = k; x < pl; x++)
      if (has(next, k, nl, (prev[x] as Attr).name)) kept.push(prev[x] as Attr);
    let r = 0;
    while (r < kept.length && k + r < nl && (kept[r] as Attr).name === (next[k + r] as Attr).name)
      r++;
    for (let x = k; x < pl; x++) {
      const name = (prev[x] as Attr).name;
      if (!has(kept, 0, r, name)) out.removeAttr(id, name);
    }
    for (let x = k; x < nl; x++) {
      const b = next[x] as Attr;
      if (x >= k + r || (kept[x - k] as Attr).value !== b.value) out.setAttr(id, b.name, b.value);
    }
  }

  // Diffs listeners; same events in the same order need no patch (and are known unique).
  // `name` is the element tag, or the component name for a component node.
  private listeners(o: RNode, next: readonly Listener[], name: string, j: number): void {
    const prev = o.listeners;
    const pl = prev.length;
    if (!Array.isArray(next))
      throw malformed(this.component, j, `${describe(o, name)} listeners must be a list`);
    const nl = next.length;
    if (pl === nl) {
      let k = 0;
      for (; k < nl; k++) {
        const b = next[k] as Listener;
        if (b === null || typeof b !== "object" || (prev[k] as Listener).event !== b.event) break;
        if (typeof b.handler !== "string")
          throw malformed(this.component, j, `${describe(o, name)} handler names must be strings`);
      }
      // Same events: only handler names may differ, and those live here, not in the host.
      if (k === nl) {
        o.listeners = next;
        return;
      }
    }
    checkListeners(this.component, describe(o, name), next);
    o.listeners = next;
    if (o.kind !== ELEMENT) return;
    const id = o.id;
    for (const l of prev) if (!hasEvent(next, l.event)) this.out.unlisten(id, l.event);
    for (const l of next) if (!hasEvent(prev, l.event)) this.out.listen(id, l.event);
    if (nl === 0) this.listening.delete(id);
    else if (pl === 0) this.listening.set(id, o);
  }

  // Creates the (already validated) subtree at view index s, detached, and returns its node;
  // sets this.next to the index after it.
  private create(s: number, parent: RNode): RNode {
    const e = this.view[s] as FxNode | View;
    if (Array.isArray(e)) {
      // Created from the nested view, in its own index space (checked before: one tree).
      const view = this.view;
      this.view = e;
      let node: RNode;
      try {
        node = this.create(0, parent);
      } finally {
        this.view = view;
      }
      node.flags |= NESTED;
      this.next = s + 1;
      return node;
    }
    const v = e as FxNode;
    const out = this.out;
    if (v.kind === "element") {
      const id = ++this.lastId;
      const node = new RNode(ELEMENT, id, v.key ?? null, v.tag, 0, v.attrs, v.listeners, parent);
      only(node, v.attrs);
      out.createElement(id, v.tag, v.attrs);
      const ls = v.listeners;
      if (ls.length > 0) {
        for (let k = 0; k < ls.length; k++) out.listen(id, (ls[k] as Listener).event);
        this.listening.set(id, node);
        node.flags = DEEP;
      }
      const count = v.childCount;
      const mounted = this.mounted;
      let j = s + 1;
      if (count > 0) {
        const kids = new Array<RNode>(count);
        for (let k = 0; k < count; k++) {
          const c = this.create(j, node);
          j = this.next;
          kids[k] = c;
          node.flags |= c.flags & DEEP;
          // Children go into the still-detached element; a component child has no host nodes
          // yet and places its own when it renders.
          if (c.kind !== COMPONENT) out.insert(id, c.id, APPEND);
        }
        node.children = kids;
        if (count === 1) node.only = kids[0] as RNode;
        node.size = j - s;
      }
      // Numbered depth first in one go: ids [id, id + size), unless a component sits inside
      // (or a nested view, which takes one entry for many ids).
      if (this.mounted === mounted && this.lastId - id + 1 === node.size) node.flags |= SPAN;
      this.next = j;
      return node;
    }
    if (v.kind === "text") {
      const id = ++this.lastId;
      out.createText(id, v.text);
      this.next = s + 1;
      return new RNode(TEXT, id, null, v.text, SPAN, NO_ATTRS, NO_LISTENERS, parent);
    }
    const node = new RNode(
      COMPONENT,
      -1,
      v.key ?? null,
      v.component,
      DEEP,
      NO_ATTRS,
      v.listeners,
      parent,
    );
    this.next = s + 1;
    this.mounted++;
    this.hooks.mount(node, v, this.owner as Fiber);
    return node;
  }

  private insert(c: RNode, hp: number, ref: number): void {
    // A new component is empty until its fiber renders; it then places itself via hostAfter.
    if (c.kind !== COMPONENT) this.out.insert(hp, c.id, ref);
  }

  private move(c: RNode, hp: number, ref: number): void {
    if (c.kind !== COMPONENT) this.out.move(hp, c.id, ref);
    else for (const k of c.children) this.move(k, hp, ref);
  }

  /** Removes `c`'s host nodes from host parent `hp` and releases its subtree. */
  remove(c: RNode, hp: number): void {
    if (c.kind !== COMPONENT) this.out.remove(hp, c.id);
    else for (const k of c.children) this.removeHost(k, hp);
    this.release(c);
  }

  private removeHost(c: RNode, hp: number): void {
    if (c.kind !== COMPONENT) this.out.remove(hp, c.id);
    else for (const k of c.children) this.removeHost(k, hp);
  }

  // Forgets a removed subtree: listener table entries and component fibers. Subtrees with
  // neither (most of a typical tree) are not visited.
  private release(c: RNode): void {
    if ((c.flags & DEEP) === 0) return;
    if ((c.flags & SPAN) !== 0) {
      this.listening.deleteRange(c.id, c.id + c.size);
      return;
    }
    if (c.kind === ELEMENT) {
      if (c.listeners.length > 0) this.listening.delete(c.id);
    } else if (c.kind === COMPONENT) {
      this.hooks.unmount(c);
    }
    const kids = c.children;
    for (let k = 0; k < kids.length; k++) this.release(kids[k] as RNode);
  }
}
