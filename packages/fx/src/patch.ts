import { FxError } from "./errors.js";
import type { Attr } from "./types.js";

/** Id of the root container every root-component node is inserted into. */
export const ROOT_ID = 0;

/** Creates a detached element with its initial attributes (in view order). */
export interface CreateElementPatch {
  readonly op: "create-element";
  readonly id: number;
  readonly tag: string;
  readonly attrs: readonly Attr[];
}
/** Creates a detached text node. */
export interface CreateTextPatch {
  readonly op: "create-text";
  readonly id: number;
  readonly text: string;
}
/** Sets (adds, or changes in place) an attribute. */
export interface SetAttrPatch {
  readonly op: "set-attr";
  readonly id: number;
  readonly name: string;
  readonly value: string;
}
/** Removes an attribute. */
export interface RemoveAttrPatch {
  readonly op: "remove-attr";
  readonly id: number;
  readonly name: string;
}
/** Replaces a text node's text. */
export interface SetTextPatch {
  readonly op: "set-text";
  readonly id: number;
  readonly text: string;
}
/** Inserts a detached node into `parent` before `before` (null: at the end). */
export interface InsertPatch {
  readonly op: "insert";
  readonly parent: number;
  readonly id: number;
  readonly before: number | null;
}
/** Moves a node already in `parent` to just before `before` (null: to the end). */
export interface MovePatch {
  readonly op: "move";
  readonly parent: number;
  readonly id: number;
  readonly before: number | null;
}
/** Removes a node (and its whole subtree) from `parent`; its ids are never used again. */
export interface RemovePatch {
  readonly op: "remove";
  readonly parent: number;
  readonly id: number;
}
/** Starts delivering `event` on element `id` to the reconciler (`dispatch`). */
export interface ListenPatch {
  readonly op: "listen";
  readonly id: number;
  readonly event: string;
}
/** Stops delivering `event` on element `id`. */
export interface UnlistenPatch {
  readonly op: "unlisten";
  readonly id: number;
  readonly event: string;
}

/** One host mutation; a flush produces a list of them, applied in order. */
export type Patch =
  | CreateElementPatch
  | CreateTextPatch
  | SetAttrPatch
  | RemoveAttrPatch
  | SetTextPatch
  | InsertPatch
  | MovePatch
  | RemovePatch
  | ListenPatch
  | UnlistenPatch;

/** The `op` names of all patches. */
export type PatchOp = Patch["op"];

// Op codes of the compact encoding. Integer operands go to `codes`, strings and attribute lists to
// `args`, in the order listed.
const ARG_CHUNK = 2048;
const CREATE_ELEMENT = 0; // codes: id            args: tag, attrs
const CREATE_TEXT = 1; //    codes: id            args: text
const SET_ATTR = 2; //       codes: id            args: name, value
const REMOVE_ATTR = 3; //    codes: id            args: name
const SET_TEXT = 4; //       codes: id            args: text
const INSERT = 5; //         codes: parent id before(-1: null)
const MOVE = 6; //           codes: parent id before(-1: null)
const REMOVE = 7; //         codes: parent id
const LISTEN = 8; //         codes: id            args: event
const UNLISTEN = 9; //       codes: id            args: event

/**
 * A flush's patches, encoded compactly: a flush of 10,000 rows makes over 200,000 patches, and one
 * object each would cost more than the diff. Read it as `Patch` objects with `toArray`, iteration
 * or `forEach`, or apply it directly (`HeadlessDom.apply`, or `decode` for other renderers).
 */
export class PatchBatch {
  /** Op codes and integer operands; only the first `codeLength` entries are used. */
  codes = new Int32Array(256);
  /** String and attribute-list operands, in chunks of `ARG_CHUNK`. */
  readonly argChunks: unknown[][] = [[]];
  private n = 0;
  private cur: unknown[] = this.argChunks[0] as unknown[];
  private ci = 0;

  /** Number of used entries in `codes`. */
  get codeLength(): number {
    return this.nc;
  }

  // Integers live in a typed array: off the GC heap, so a big batch is not scanned or copied by
  // the collector, and growth is one memcpy.
  private room(k: number): Int32Array {
    if (this.nc + k > this.codes.length) {
      const grown = new Int32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    return this.codes;
  }

  /** Number of patches. */
  get length(): number {
    return this.n;
  }

  // Appending by index (rather than multi-argument push) keeps these on V8's fast path.
  private nc = 0;

  // Operands go into small chunks: one big array would live in large-object space, and growing
  // it there costs more than the diff itself.
  private arg(x: unknown): void {
    if (this.ci === ARG_CHUNK) {
      this.cur = [];
      this.argChunks.push(this.cur);
      this.ci = 0;
    }
    this.cur[this.ci++] = x;
  }

  /** Appends a create-element patch. */
  createElement(id: number, tag: string, attrs: readonly Attr[]): void {
    const c = this.room(2);
    c[this.nc++] = CREATE_ELEMENT;
    c[this.nc++] = id;
    this.arg(tag);
    this.arg(attrs);
    this.n++;
  }
  /** Appends a create-text patch. */
  createText(id: number, text: string): void {
    const c = this.room(2);
    c[this.nc++] = CREATE_TEXT;
    c[this.nc++] = id;
    this.arg(text);
    this.n++;
  }
  /** Appends a set-attr patch. */
  setAttr(id: number, name: string, value: string): void {
    const c = this.room(2);
    c[this.nc++] = SET_ATTR;
    c[this.nc++] = id;
    this.arg(name);
    this.arg(value);
    this.n++;
  }
  /** Appends a remove-attr patch. */
  removeAttr(id: number, name: string): void {
    const c = this.room(2);
    c[this.nc++] = REMOVE_ATTR;
    c[this.nc++] = id;
    this.arg(name);
    this.n++;
  }
  /** Appends a set-text patch. */
  setText(id: number, text: string): void {
    const c = this.room(2);
    c[this.nc++] = SET_TEXT;
    c[this.nc++] = id;
    this.arg(text);
    this.n++;
  }
  /** Appends an insert patch (`before` < 0: at the end). */
  insert(parent: number, id: number, before: number): void {
    const c = this.room(4);
    c[this.nc++] = INSERT;
    c[this.nc++] = parent;
    c[this.nc++] = id;
    c[this.nc++] = before;
    this.n++;
  }
  /** Appends a move patch (`before` < 0: to the end). */
  move(parent: number, id: number, before: number): void {
    const c = this.room(4);
    c[this.nc++] = MOVE;
    c[this.nc++] = parent;
    c[this.nc++] = id;
    c[this.nc++] = before;
    this.n++;
  }
  /** Appends a remove patch. */
  remove(parent: number, id: number): void {
    const c = this.room(3);
    c[this.nc++] = REMOVE;
    c[this.nc++] = parent;
    c[this.nc++] = id;
    this.n++;
  }
  /** Appends a listen patch. */
  listen(id: number, event: string): void {
    const c = this.room(2);
    c[this.nc++] = LISTEN;
    c[this.nc++] = id;
    this.arg(event);
    this.n++;
  }
  /** Appends an unlisten patch. */
  unlisten(id: number, event: string): void {
    const c = this.room(2);
    c[this.nc++] = UNLISTEN;
    c[this.nc++] = id;
    this.arg(event);
    this.n++;
  }

  /** Appends a patch given as an object. */
  push(p: Patch): void {
    switch (p.op) {
      case "create-element":
        this.createElement(p.id, p.tag, p.attrs);
        return;
      case "create-text":
        this.createText(p.id, p.text);
        return;
      case "set-attr":
        this.setAttr(p.id, p.name, p.value);
        return;
      case "remove-attr":
        this.removeAttr(p.id, p.name);
        return;
      case "set-text":
        this.setText(p.id, p.text);
        return;
      case "insert":
        this.insert(p.parent, p.id, p.before ?? -1);
        return;
      case "move":
        this.move(p.parent, p.id, p.before ?? -1);
        return;
      case "remove":
        this.remove(p.parent, p.id);
        return;
      case "listen":
        this.listen(p.id, p.event);
        return;
      case "unlisten":
        this.unlisten(p.id, p.event);
        return;
    }
  }

  /** A batch holding the given patches. */
  static from(patches: Iterable<Patch>): PatchBatch {
    const b = new PatchBatch();
    for (const p of patches) b.push(p);
    return b;
  }

  /** Calls `fn` with each patch as an object, in order. */
  forEach(fn: (p: Patch) => void): void {
    decode(this, {
      createElement: (id, tag, attrs) => fn({ op: "create-element", id, tag, attrs }),
      createText: (id, text) => fn({ op: "create-text", id, text }),
      setAttr: (id, name, value) => fn({ op: "set-attr", id, name, value }),
      removeAttr: (id, name) => fn({ op: "remove-attr", id, name }),
      setText: (id, text) => fn({ op: "set-text", id, text }),
      insert: (parent, id, before) =>
        fn({ op: "insert", parent, id, before: before < 0 ? null : before }),
      move: (parent, id, before) =>
        fn({ op: "move", parent, id, before: before < 0 ? null : before }),
      remove: (parent, id) => fn({ op: "remove", parent, id }),
      listen: (id, event) => fn({ op: "listen", id, event }),
      unlisten: (id, event) => fn({ op: "unlisten", id, event }),
    });
  }

  /** The patches as objects. */
  toArray(): Patch[] {
    const out: Patch[] = [];
    this.forEach((p) => {
      out.push(p);
    });
    return out;
  }

  /** Iterates the patches as objects. */
  [Symbol.iterator](): Iterator<Patch> {
    return this.toArray()[Symbol.iterator]();
  }

  /** The patches as JSON lines (see `patchToJson`). */
  toJsonLines(): string {
    let out = "";
    this.forEach((p) => {
      out += `${patchToJson(p)}\n`;
    });
    return out;
  }
}

/** Receives decoded patches; `before` is -1 for "at the end". */
export interface PatchVisitor {
  createElement(id: number, tag: string, attrs: readonly Attr[]): void;
  createText(id: number, text: string): void;
  setAttr(id: number, name: string, value: string): void;
  removeAttr(id: number, name: string): void;
  setText(id: number, text: string): void;
  insert(parent: number, id: number, before: number): void;
  move(parent: number, id: number, before: number): void;
  remove(parent: number, id: number): void;
  listen(id: number, event: string): void;
  unlisten(id: number, event: string): void;
}

/** Walks a batch in order, calling the visitor's method for each patch (no objects made). */
export function decode(batch: PatchBatch, v: PatchVisitor): void {
  const c = batch.codes;
  const chunks = batch.argChunks;
  const n = batch.codeLength;
  let ch = chunks[0] as unknown[];
  let chn = 0;
  let k = 0;
  const arg = (): unknown => {
    if (k === ARG_CHUNK) {
      ch = chunks[++chn] as unknown[];
      k = 0;
    }
    return ch[k++];
  };
  let i = 0;
  while (i < n) {
    switch (c[i]) {
      case CREATE_ELEMENT: {
        const tag = arg() as string;
        v.createElement(c[i + 1] as number, tag, arg() as readonly Attr[]);
        i += 2;
        break;
      }
      case CREATE_TEXT:
        v.createText(c[i + 1] as number, arg() as string);
        i += 2;
        break;
      case SET_ATTR: {
        const name = arg() as string;
        v.setAttr(c[i + 1] as number, name, arg() as string);
        i += 2;
        break;
      }
      case REMOVE_ATTR:
        v.removeAttr(c[i + 1] as number, arg() as string);
        i += 2;
        break;
      case SET_TEXT:
        v.setText(c[i + 1] as number, arg() as string);
        i += 2;
        break;
      case INSERT:
        v.insert(c[i + 1] as number, c[i + 2] as number, c[i + 3] as number);
        i += 4;
        break;
      case MOVE:
        v.move(c[i + 1] as number, c[i + 2] as number, c[i + 3] as number);
        i += 4;
        break;
      case REMOVE:
        v.remove(c[i + 1] as number, c[i + 2] as number);
        i += 3;
        break;
      case LISTEN:
        v.listen(c[i + 1] as number, arg() as string);
        i += 2;
        break;
      case UNLISTEN:
        v.unlisten(c[i + 1] as number, arg() as string);
        i += 2;
        break;
      default:
        throw new FxError("BAD_PATCH", `corrupt patch batch: op code ${c[i]} at ${i}`);
    }
  }
}

const q = JSON.stringify;

/**
 * Serialises a patch as one JSON line with a fixed key order, so two patch streams can be compared
 * byte for byte (extra fields a view's attribute objects may carry are not copied).
 */
export function patchToJson(p: Patch): string {
  switch (p.op) {
    case "create-element": {
      let attrs = "";
      for (let i = 0; i < p.attrs.length; i++) {
        const a = p.attrs[i] as Attr;
        attrs += `${i === 0 ? "" : ","}[${q(a.name)},${q(a.value)}]`;
      }
      return `{"op":"create-element","id":${p.id},"tag":${q(p.tag)},"attrs":[${attrs}]}`;
    }
    case "create-text":
      return `{"op":"create-text","id":${p.id},"text":${q(p.text)}}`;
    case "set-attr":
      return `{"op":"set-attr","id":${p.id},"name":${q(p.name)},"value":${q(p.value)}}`;
    case "remove-attr":
      return `{"op":"remove-attr","id":${p.id},"name":${q(p.name)}}`;
    case "set-text":
      return `{"op":"set-text","id":${p.id},"text":${q(p.text)}}`;
    case "insert":
    case "move":
      return `{"op":"${p.op}","parent":${p.parent},"id":${p.id},"before":${p.before}}`;
    case "remove":
      return `{"op":"remove","parent":${p.parent},"id":${p.id}}`;
    case "listen":
    case "unlisten":
      return `{"op":"${p.op}","id":${p.id},"event":${q(p.event)}}`;
  }
}

/** Serialises patches as JSON lines (one patch a line, each line ending in "\n"). */
export function patchesToJsonLines(patches: Iterable<Patch>): string {
  let out = "";
  for (const p of patches) out += `${patchToJson(p)}\n`;
  return out;
}

function bad(line: string, why: string): FxError {
  return new FxError("BAD_PATCH", `not a patch (${why}): ${line.slice(0, 200)}`);
}

function num(o: Record<string, unknown>, k: string, line: string): number {
  const v = o[k];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw bad(line, `"${k}" must be a non-negative integer`);
  return v;
}

function str(o: Record<string, unknown>, k: string, line: string): string {
  const v = o[k];
  if (typeof v !== "string") throw bad(line, `"${k}" must be a string`);
  return v;
}

function ref(o: Record<string, unknown>, line: string): number | null {
  return o.before === null ? null : num(o, "before", line);
}

/** Parses one line written by `patchToJson` (e.g. patches received by a DOM renderer). */
export function patchFromJson(line: string): Patch {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch (e) {
    throw bad(line, (e as Error).message);
  }
  if (typeof o !== "object" || o === null) throw bad(line, "expected an object");
  const id = num(o, "id", line);
  switch (o.op) {
    case "create-element": {
      const raw = o.attrs;
      if (!Array.isArray(raw)) throw bad(line, `"attrs" must be a list of [name, value]`);
      const attrs: Attr[] = raw.map((a: unknown) => {
        if (!Array.isArray(a) || typeof a[0] !== "string" || typeof a[1] !== "string")
          throw bad(line, `"attrs" must be a list of [name, value]`);
        return { name: a[0], value: a[1] };
      });
      return { op: "create-element", id, tag: str(o, "tag", line), attrs };
    }
    case "create-text":
      return { op: "create-text", id, text: str(o, "text", line) };
    case "set-attr":
      return { op: "set-attr", id, name: str(o, "name", line), value: str(o, "value", line) };
    case "remove-attr":
      return { op: "remove-attr", id, name: str(o, "name", line) };
    case "set-text":
      return { op: "set-text", id, text: str(o, "text", line) };
    case "insert":
    case "move":
      return { op: o.op, parent: num(o, "parent", line), id, before: ref(o, line) };
    case "remove":
      return { op: "remove", parent: num(o, "parent", line), id };
    case "listen":
    case "unlisten":
      return { op: o.op, id, event: str(o, "event", line) };
    default:
      throw bad(line, `unknown op ${q(o.op)}`);
  }
}
