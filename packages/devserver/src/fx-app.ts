import {
  type ComponentDriver,
  type ComponentInstance,
  FxRuntime,
  HeadlessDom,
  type HostApi,
  type PatchBatch,
  patchesToJsonLines,
} from "@loop-kit/fx";
import type { DevDriver, DevSource, SwapResult } from "./driver.js";

// An fx app under `loop dev`: the reconciler with the dev driver, a headless copy of the tree
// (the page's current state, and the HTML `--ui headless` prints), and operations run one at a
// time (start, DOM events, swaps, timers) so a swap never interleaves with a render. Virtual
// time follows the wall clock: before each event it is moved to now, and component timers fire
// from a real timer armed for the earliest deadline.

export interface FxAppOptions {
  driver: DevDriver;
  root: string;
  props?: string;
  /** Each flush's patches, as JSON lines (docs/fx.md). */
  onPatches?: (lines: string, batch: PatchBatch) => void;
  /** What the root component emits. */
  onEmit?: (name: string, payload: string) => void;
  /** An operation that is not awaited (a timer, an idle flush) failed. */
  onError?: (err: unknown) => void;
}

export class FxApp {
  readonly dom = new HeadlessDom();
  readonly runtime: FxRuntime;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly wallBase = performance.now();
  private readonly deadlines = new Map<number, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushQueued = false;
  private disposed = false;
  private started = false;

  constructor(private readonly options: FxAppOptions) {
    const deadlines = this.deadlines;
    const inner = options.driver;
    const driver: ComponentDriver = {
      instantiate(name: string, fiberId: number, host: HostApi) {
        const tracked: HostApi = {
          invalidate: () => host.invalidate(),
          emit: (n, p) => host.emit(n, p),
          now: () => host.now(),
          setTimeout: (delayMs, handler) => {
            const id = host.setTimeout(delayMs, handler);
            deadlines.set(id, host.now() + Math.max(0, Math.floor(delayMs) || 0));
            return id;
          },
          clearTimeout: (id) => {
            deadlines.delete(id);
            host.clearTimeout(id);
          },
        };
        return inner.instantiate(name, fiberId, tracked) as Promise<ComponentInstance>;
      },
    };
    this.runtime = new FxRuntime({
      driver,
      root: options.root,
      props: options.props ?? "{}",
      onPatches: (batch) => {
        this.dom.apply(batch);
        options.onPatches?.(patchesToJsonLines(batch), batch);
      },
      ...(options.onEmit ? { onEmit: options.onEmit } : {}),
      onSchedule: () => this.scheduleFlush(),
    });
  }

  /** Virtual time: wall milliseconds since the app started (never behind the runtime's). */
  get now(): number {
    return Math.max(this.runtime.now, Math.floor(performance.now() - this.wallBase));
  }

  get isStarted(): boolean {
    return this.started;
  }

  /** The current tree as HTML. */
  html(): string {
    return this.dom.toHtml();
  }

  /** First render (rejects when it fails). */
  start(): Promise<void> {
    return this.run(async () => {
      await this.runtime.start();
      this.started = true;
    });
  }

  /** Delivers a DOM event; resolves to whether a listener took it. */
  dispatch(node: number, event: string, payload = "{}"): Promise<boolean> {
    return this.run(async () => {
      await this.catchUp();
      return this.runtime.dispatch(node, event, payload);
    });
  }

  /**
   * Swaps component `name` to a new build and re-renders its fibers: the page gets only the
   * patches between the old and the new render. Rejects (with the old version still running)
   * when the swap fails.
   */
  swap(name: string, source: DevSource): Promise<SwapResult> {
    return this.run(async () => {
      const result = await this.options.driver.swap(name, source);
      if (this.runtime.hasPendingWork) await this.runtime.flush();
      return result;
    });
  }

  /** Resolves once every operation asked for so far has finished. */
  idle(): Promise<void> {
    return this.run(async () => {});
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    try {
      this.runtime.dispose();
    } catch {
      // instances of a host that already went away
    }
  }

  private async catchUp(): Promise<void> {
    const gap = this.now - this.runtime.now;
    if (gap > 0) await this.runtime.advance(gap);
  }

  private run<T>(op: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.disposed) throw new Error("the app was stopped");
      return op();
    });
    this.queue = result.then(
      () => this.armTimer(),
      () => this.armTimer(),
    );
    return result;
  }

  private background(op: () => Promise<unknown>): void {
    this.run(op).catch((err) => {
      if (!this.disposed) this.options.onError?.(err);
    });
  }

  private scheduleFlush(): void {
    if (this.flushQueued || this.disposed) return;
    this.flushQueued = true;
    setTimeout(() => {
      this.flushQueued = false;
      if (this.started && this.runtime.hasPendingWork) this.background(() => this.runtime.flush());
    }, 0);
  }

  private armTimer(): void {
    if (this.disposed) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.runtime.pendingTimers === 0) {
      this.deadlines.clear();
      return;
    }
    let next = Number.POSITIVE_INFINITY;
    for (const [id, d] of this.deadlines) {
      if (d < this.runtime.now) this.deadlines.delete(id);
      else if (d < next) next = d;
    }
    if (next === Number.POSITIVE_INFINITY) next = this.runtime.now + 50;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.background(async () => {
          const target = Math.max(next, this.now);
          await this.runtime.advance(target - this.runtime.now);
        });
      },
      Math.max(0, next - this.now),
    );
  }
}
