import type { Fiber } from "./fiber.js";

/** A pending virtual timer. */
export interface Timer {
  readonly id: number;
  readonly deadline: number;
  readonly fiber: Fiber;
  readonly handler: string;
}

/**
 * The virtual clock and its timers. Time moves only when the runtime advances it, so a run is a
 * pure function of its event log. Timers fire in deadline order, then id order.
 */
export class VirtualTimers {
  /** Virtual milliseconds since the runtime started. */
  now = 0;
  private seq = 0;
  private timers: Timer[] = [];

  /** Schedules `handler` on `fiber` after `delayMs` (clamped to a non-negative integer). */
  set(fiber: Fiber, delayMs: number, handler: string): number {
    const d = Number.isFinite(delayMs) && delayMs > 0 ? Math.floor(delayMs) : 0;
    const id = ++this.seq;
    this.timers.push({ id, deadline: this.now + d, fiber, handler });
    return id;
  }

  /** Cancels timer `id` if `fiber` owns it. */
  clear(fiber: Fiber, id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id || t.fiber !== fiber);
  }

  /** Cancels every timer of `fiber` (it was removed). */
  clearFiber(fiber: Fiber): void {
    if (this.timers.length > 0) this.timers = this.timers.filter((t) => t.fiber !== fiber);
  }

  /** Earliest deadline pending, or null. */
  nextDeadline(): number | null {
    let best: number | null = null;
    for (const t of this.timers) if (best === null || t.deadline < best) best = t.deadline;
    return best;
  }

  /** Removes and returns the lowest-id timer due exactly at `deadline`, or null. */
  popAt(deadline: number): Timer | null {
    let k = -1;
    for (let i = 0; i < this.timers.length; i++) {
      const t = this.timers[i] as Timer;
      if (t.deadline === deadline && (k < 0 || t.id < (this.timers[k] as Timer).id)) k = i;
    }
    if (k < 0) return null;
    return this.timers.splice(k, 1)[0] as Timer;
  }

  /** Number of pending timers. */
  get size(): number {
    return this.timers.length;
  }

  /** Drops every timer. */
  reset(): void {
    this.timers = [];
  }
}
