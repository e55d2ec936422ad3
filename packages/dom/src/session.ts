import {
  type ComponentDriver,
  type ComponentInstance,
  FxRuntime,
  type HostApi,
  type LogEntry,
  type PatchBatch,
} from "@loop-kit/fx";

// An fx app running against real time, as the live server (Node) and the in-browser host both
// run one. The reconciler's clock is virtual and moves only when told (docs/fx.md); a session
// moves it with the wall clock:
// - before a DOM event is dispatched, the virtual clock is advanced to "now" (so a recorded log
//   carries the real timing, and replays the same anywhere);
// - a component's timers fire when their deadline comes, as a real `setTimeout` of the host;
// - idle work the runtime reports (`onSchedule`) is flushed on the next turn.
// Operations run one at a time in arrival order; an error in one is reported (`onError`) and
// the session goes on: a component that failed keeps its last good tree.
//
// No DOM here: this module is shared by Node and the browser.

export interface FxSessionOptions {
  /** Creates component instances (loop-host's driver, the browser's jco driver, plain JS). */
  driver: ComponentDriver;
  /** The root component's name. */
  root: string;
  /** Root props, JSON text (default `{}`). */
  props?: string;
  /** Each flush's patches. */
  onPatches?: (batch: PatchBatch) => void;
  /** What the root component emits. */
  onEmit?: (name: string, payload: string) => void;
  /** Every input, as an event-log entry (docs/fx.md). */
  onRecord?: (entry: LogEntry) => void;
  /** An operation failed (the session stays usable). */
  onError?: (err: unknown) => void;
  /** Milliseconds of a monotonic wall clock (default `performance.now`). */
  clock?: () => number;
}

type Timer = ReturnType<typeof setTimeout>;

/** A started fx app driven by DOM events and the wall clock. */
export class FxSession {
  readonly runtime: FxRuntime;
  private readonly clock: () => number;
  private readonly onError: (err: unknown) => void;
  private queue: Promise<unknown> = Promise.resolve();
  // Virtual time `base` corresponds to wall time `wallBase`; virtual time follows the wall
  // clock from there (re-anchored after a replay, which may run ahead of it).
  private base = 0;
  private wallBase: number;
  // Deadlines (virtual ms) of the timers components set, by the runtime's timer id.
  private readonly deadlines = new Map<number, number>();
  private timer: Timer | null = null;
  private flushQueued = false;
  private pending = 0;
  private idleWaiters: (() => void)[] = [];
  private disposed = false;

  constructor(options: FxSessionOptions) {
    this.clock = options.clock ?? (() => performance.now());
    this.wallBase = this.clock();
    this.onError = options.onError ?? ((err) => console.error(err));
    const inner = options.driver;
    const deadlines = this.deadlines;
    // The driver's HostApi is wrapped to learn the timers' deadlines (the runtime keeps its
    // timers to itself): a real timer is set for the earliest.
    const driver: ComponentDriver = {
      instantiate(name: string, fiberId: number, host: HostApi) {
        const tracked: HostApi = {
          invalidate: () => host.invalidate(),
          emit: (n, p) => host.emit(n, p),
          now: () => host.now(),
          setTimeout: (delayMs, handler) => {
            const id = host.setTimeout(delayMs, handler);
            const d = Number.isFinite(delayMs) && delayMs > 0 ? Math.floor(delayMs) : 0;
            deadlines.set(id, host.now() + d);
            return id;
          },
          clearTimeout: (id) => {
            deadlines.delete(id);
            host.clearTimeout(id);
          },
        };
        return inner.instantiate(name, fiberId, tracked) as
          | ComponentInstance
          | Promise<ComponentInstance>;
      },
    };
    this.runtime = new FxRuntime({
      driver,
      root: options.root,
      ...(options.props !== undefined ? { props: options.props } : {}),
      ...(options.onPatches ? { onPatches: options.onPatches } : {}),
      ...(options.onEmit ? { onEmit: options.onEmit } : {}),
      ...(options.onRecord ? { onRecord: options.onRecord } : {}),
      onSchedule: () => this.scheduleFlush(),
    });
  }

  /** Virtual milliseconds now, following the wall clock. */
  get now(): number {
    return Math.max(this.runtime.now, Math.floor(this.base + this.clock() - this.wallBase));
  }

  /** Whether every operation asked for has finished. */
  get idle(): boolean {
    return this.pending === 0;
  }

  /** Renders the root (rejects if that fails: there is no app to show then). */
  start(): Promise<void> {
    return this.run(() => this.runtime.start(), true);
  }

  /**
   * Delivers a DOM event (after moving the clock to now). Resolves to whether a listener took
   * it; errors go to `onError` (and resolve to false).
   */
  dispatch(nodeId: number, event: string, payload: string): Promise<boolean> {
    return this.run(async () => {
      await this.catchUp();
      return this.runtime.dispatch(nodeId, event, payload);
    }).then(
      (handled) => handled,
      () => false,
    );
  }

  /** Replaces the root props. */
  setProps(props: string): Promise<void> {
    return this.run(async () => {
      await this.catchUp();
      this.runtime.setRootProps(props);
      await this.runtime.flush();
    }).catch(() => {});
  }

  /**
   * Replays event-log entries (docs/fx.md) as they were recorded, in virtual time (no waiting);
   * the wall clock then goes on from the log's last instant. Rejects on the first failure.
   */
  replay(
    entries: readonly LogEntry[],
    each?: (entry: LogEntry, index: number) => void | Promise<void>,
  ): Promise<void> {
    return this.run(async () => {
      const rt = this.runtime;
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i] as LogEntry;
        if (e.t < rt.now) {
          throw new Error(
            `event log entry ${i + 1} is at t=${e.t}, before the app's clock (${rt.now}): replay a log into a freshly started app`,
          );
        }
        const gap = e.t - rt.now;
        if (gap > 0 || e.type === "advance") await rt.advance(gap);
        if (e.type === "event") await rt.dispatch(e.node, e.event, e.payload);
        else if (e.type === "flush") await rt.flush();
        else if (e.type === "props") rt.setRootProps(e.props);
        await each?.(e, i);
      }
      this.base = rt.now;
      this.wallBase = this.clock();
    }, true);
  }

  /** Resolves once every operation asked for so far has finished. */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the timers and disposes every component instance. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.runtime.dispose();
  }

  // Advances the virtual clock to the wall clock's now (fires due timers on the way).
  private async catchUp(): Promise<void> {
    const gap = this.now - this.runtime.now;
    if (gap > 0) await this.runtime.advance(gap);
  }

  private run<T>(op: () => Promise<T>, rethrow = false): Promise<T> {
    this.pending++;
    const result = this.queue.then(() => {
      if (this.disposed) throw new Error("the app was stopped");
      return op();
    });
    this.queue = result.then(
      () => this.settled(),
      (err) => {
        this.settled();
        if (!rethrow) this.onError(err);
      },
    );
    return result;
  }

  private settled(): void {
    this.pending--;
    if (!this.disposed) this.armTimer();
    if (this.pending === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.disposed) return;
    this.flushQueued = true;
    setTimeout(() => {
      this.flushQueued = false;
      if (this.runtime.hasPendingWork) this.run(() => this.runtime.flush()).catch(() => {});
    }, 0);
  }

  // Sets one real timer for the earliest pending deadline.
  private armTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const rt = this.runtime;
    if (rt.pendingTimers === 0) {
      this.deadlines.clear();
      return;
    }
    let next = Number.POSITIVE_INFINITY;
    for (const [id, d] of this.deadlines) {
      if (d < rt.now) this.deadlines.delete(id);
      else if (d < next) next = d;
    }
    if (next === Number.POSITIVE_INFINITY) {
      // Timers we did not see set (cannot happen through the wrapped driver): poll.
      next = rt.now + 50;
    }
    const delay = Math.max(0, next - this.now);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run(async () => {
        const target = Math.max(next, this.now);
        await rt.advance(target - rt.now);
        for (const [id, d] of this.deadlines) if (d <= rt.now) this.deadlines.delete(id);
      }).catch(() => {});
    }, delay);
  }
}
