import { compareTreePaths, type Fiber, treePath } from "./fiber.js";
import type { Lane } from "./types.js";

/** Lane numbers: higher is more urgent. 0 means clean. */
export const IDLE = 1;
/** Timer lane. */
export const TIMER = 2;
/** Input lane. */
export const INPUT = 3;

/** Converts a public lane name to its number. */
export function laneNumber(lane: Lane): number {
  switch (lane) {
    case "input":
      return INPUT;
    case "timer":
      return TIMER;
    case "idle":
      return IDLE;
  }
}

/**
 * The dirty set. A fiber is in it at most once, at the highest lane it was invalidated with, so
 * the order invalidations arrived in cannot matter: `take` sorts by lane, then tree order.
 */
export class DirtySet {
  private queue: Fiber[] = [];

  /** Marks `f` dirty at `lane` (keeping a higher lane it already has). */
  mark(f: Fiber, lane: number): void {
    if (lane > f.lane) f.lane = lane;
    if (!f.queued) {
      f.queued = true;
      this.queue.push(f);
    }
  }

  /** Whether any live fiber is dirty at `min` or above. */
  has(min: number): boolean {
    for (const f of this.queue) if (f.lane >= min && !f.disposed) return true;
    return false;
  }

  /** Number of live dirty fibers waiting. */
  get size(): number {
    let n = 0;
    for (const f of this.queue) if (f.lane > 0 && !f.disposed) n++;
    return n;
  }

  /**
   * Removes and returns the fibers dirty at `min` or above, most urgent lane first, then in tree
   * order. They stay marked (lane > 0) until rendered, so a repeat invalidation is coalesced.
   */
  take(min: number): Fiber[] {
    const out: Fiber[] = [];
    const keep: Fiber[] = [];
    for (const f of this.queue) {
      if (f.lane === 0 || f.disposed) f.queued = false;
      else if (f.lane >= min) {
        f.queued = false;
        out.push(f);
      } else keep.push(f);
    }
    this.queue = keep;
    if (out.length > 1) {
      const keyed = out.map((f) => ({ f, path: treePath(f) }));
      keyed.sort((a, b) => b.f.lane - a.f.lane || compareTreePaths(a.path, b.path));
      for (let i = 0; i < keyed.length; i++) out[i] = (keyed[i] as { f: Fiber }).f;
    }
    return out;
  }

  /** Forgets everything (runtime teardown). */
  clear(): void {
    for (const f of this.queue) f.queued = false;
    this.queue = [];
  }
}
