// Renderers look up every patch's node ids, so the id table is on the hot path. Ids are handed out
// in increasing order and never reused, so a table of fixed-size chunks indexed by id is dense
// where nodes are young; a chunk whose ids are all dead is dropped, and a sealed chunk with only a
// few survivors left moves them to a Map, so long-lived stragglers cannot pin many chunks. That
// move waits until the next chunk is opened: a big removal (a cleared list) usually empties the
// chunk completely first, and an empty chunk is dropped without moving anything.

const BITS = 10;
const SIZE = 1 << BITS;
const MASK = SIZE - 1;
// A sealed chunk with at most this many live entries is evicted to the overflow map.
const SPARSE = SIZE >> 5;

/** A map from node ids (non-negative integers, allocated increasingly) to values. */
export class IdTable<T> {
  private chunks: ((T | undefined)[] | null | undefined)[] = [];
  private live: number[] = [];
  private overflow = new Map<number, T>();
  private maxChunk = -1;
  private count = 0;
  // Sealed chunks that fell to a few live entries, to move to the overflow map later.
  private sparse: number[] = [];

  /** The value for `id`, or undefined. */
  get(id: number): T | undefined {
    const ch = this.chunks[id >>> BITS];
    if (ch) return ch[id & MASK];
    return this.overflow.size === 0 ? undefined : this.overflow.get(id);
  }

  /** Whether `id` has a value. */
  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Sets the value for `id` (`undefined` is not a storable value). */
  set(id: number, value: T): void {
    const c = id >>> BITS;
    let ch = this.chunks[c];
    if (ch === undefined) {
      if (c < this.maxChunk) {
        // An old id arriving late (ids out of order): keep it out of the chunks.
        if (!this.overflow.has(id)) this.count++;
        this.overflow.set(id, value);
        return;
      }
      if (this.maxChunk >= 0) this.sparse.push(this.maxChunk);
      ch = new Array<T | undefined>(SIZE);
      this.chunks[c] = ch;
      this.live[c] = 0;
      this.maxChunk = c;
      this.evictSparse();
    } else if (ch === null) {
      if (!this.overflow.has(id)) this.count++;
      this.overflow.set(id, value);
      return;
    }
    const i = id & MASK;
    if (ch[i] === undefined) {
      this.live[c] = (this.live[c] as number) + 1;
      this.count++;
    }
    ch[i] = value;
  }

  /** Removes `id`. */
  delete(id: number): void {
    const c = id >>> BITS;
    const ch = this.chunks[c];
    if (!ch) {
      if (this.overflow.delete(id)) this.count--;
      return;
    }
    const i = id & MASK;
    if (ch[i] === undefined) return;
    ch[i] = undefined;
    this.count--;
    const left = (this.live[c] as number) - 1;
    this.live[c] = left;
    this.shrunk(c, left, 1);
  }

  // Chunk c lost `gone` entries: an empty sealed one is dropped now, one that just became
  // sparse is noted for later.
  private shrunk(c: number, left: number, gone: number): void {
    if (c === this.maxChunk) return;
    if (left === 0) this.chunks[c] = null;
    else if (left <= SPARSE && left + gone > SPARSE) this.sparse.push(c);
  }

  // Moves the survivors of the noted chunks that are still sparse to the overflow map.
  private evictSparse(): void {
    for (const c of this.sparse) {
      const ch = this.chunks[c];
      if (!ch || c === this.maxChunk) continue;
      const left = this.live[c] as number;
      if (left > SPARSE) continue;
      if (left > 0)
        for (let k = 0; k < SIZE; k++)
          if (ch[k] !== undefined) this.overflow.set((c << BITS) | k, ch[k] as T);
      this.chunks[c] = null;
    }
    this.sparse = [];
  }

  /** Removes every id in [from, to): a subtree whose ids were handed out in one run. */
  deleteRange(from: number, to: number): void {
    let id = from;
    while (id < to) {
      const c = id >>> BITS;
      const ch = this.chunks[c];
      const stop = Math.min(to, (c + 1) << BITS);
      if (!ch) {
        if (this.overflow.size > 0) for (; id < stop; id++) this.delete(id);
        id = stop;
        continue;
      }
      let gone = 0;
      for (let i = id & MASK, e = i + (stop - id); i < e; i++) {
        if (ch[i] !== undefined) {
          ch[i] = undefined;
          gone++;
        }
      }
      id = stop;
      if (gone === 0) continue;
      this.count -= gone;
      const left = (this.live[c] as number) - gone;
      this.live[c] = left;
      this.shrunk(c, left, gone);
    }
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }
}
