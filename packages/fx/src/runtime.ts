import { Differ } from "./diff.js";
import { FxError } from "./errors.js";
import type { LogEntry } from "./eventlog.js";
import { Fiber } from "./fiber.js";
import { PatchBatch } from "./patch.js";
import { COMPONENT, DEEP, hostParentOf, NO_ATTRS, NO_LISTENERS, ownerOf, RNode } from "./rnode.js";
import { DirtySet, IDLE, INPUT, laneNumber, TIMER } from "./scheduler.js";
import { VirtualTimers } from "./timers.js";
import type {
  ComponentDriver,
  ComponentInstance,
  ComponentNode,
  FxEvent,
  HostApi,
  Lane,
  Listener,
  View,
} from "./types.js";

/** How to build an `FxRuntime`. */
export interface RuntimeOptions {
  /** Creates component instances by name. */
  readonly driver: ComponentDriver;
  /** Name of the root component. */
  readonly root: string;
  /** Root props as JSON text (default `"{}"`). */
  readonly props?: string;
  /** Receives each flush's patches, in order, once the flush is complete. */
  readonly onPatches?: (patches: PatchBatch) => void;
  /** Receives what the root component emits (it has no parent to route to). */
  readonly onEmit?: (name: string, payload: string) => void;
  /** Called when work is pending that no running operation will flush: call `flush()` soon. */
  readonly onSchedule?: () => void;
  /** Receives an event-log entry for every input the runtime is given (see `EventRecorder`). */
  readonly onRecord?: (entry: LogEntry) => void;
}

interface PendingEmit {
  readonly from: Fiber;
  readonly name: string;
  readonly payload: string;
  readonly lane: number;
}

type Step<T> = Generator<Promise<unknown>, T, unknown>;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    x !== null &&
    (typeof x === "object" || typeof x === "function") &&
    typeof (x as { then?: unknown }).then === "function"
  );
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The host side of `loop:fx`: owns the fibers, the dirty set, the virtual clock and the differ, and
 * turns inputs (start, events, clock advances, flushes) into patch batches. No I/O: components come
 * from the driver and patches go to `onPatches`.
 *
 * Every operation has an async form, which awaits components that answer with promises, and a
 * `…Sync` form, which throws `ASYNC_IN_SYNC` if one does; with synchronous components the async
 * form also finishes its work synchronously, only the returned promise settles later.
 */
export class FxRuntime {
  private readonly opts: RuntimeOptions;
  private readonly differ: Differ;
  private readonly dirty = new DirtySet();
  private readonly timers = new VirtualTimers();
  private root: Fiber | null = null;
  private fiberSeq = 0;
  private stack: Fiber[] = [];
  private batch: Fiber[] = [];
  private batchPos = 0;
  private readonly toRender: Fiber[] = [];
  private emits: PendingEmit[] = [];
  private pendingHandles: Promise<void>[] = [];
  private deferred: Fiber[] = [];
  private current: Fiber | null = null;
  private lane = 0;
  private rendering = false;
  private busy = false;
  private scheduled = false;
  private disposed = false;
  private disposeErrors: unknown[] = [];
  private waiters: (() => void)[] = [];
  private locked = false;

  constructor(options: RuntimeOptions) {
    this.opts = options;
    this.differ = new Differ({
      mount: (node, v, owner) => this.mount(node, v, owner),
      update: (node, v) => this.update(node, v),
      unmount: (node) => this.unmount(node),
    });
  }

  /** Virtual milliseconds since start. */
  get now(): number {
    return this.timers.now;
  }

  /** Whether `start` has run. */
  get started(): boolean {
    return this.root !== null;
  }

  /** Whether dirty fibers or undelivered emits are waiting for an operation. */
  get hasPendingWork(): boolean {
    return this.dirty.size > 0 || this.emits.length > 0 || this.deferred.length > 0;
  }

  /** Number of pending virtual timers. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Id of the last host node created (ids start at 1; 0 is the root container). */
  get lastNodeId(): number {
    return this.differ.lastId;
  }

  /** The handler `event` on element `nodeId` is routed to, with its fiber id, or null. */
  handlerFor(nodeId: number, event: string): { fiber: number; handler: string } | null {
    const el = this.differ.listening.get(nodeId);
    const l = el?.listeners.find((x) => x.event === event);
    const owner = el === undefined ? null : ownerOf(el);
    if (l === undefined || owner === null) return null;
    return { fiber: owner.id, handler: l.handler };
  }

  /** Instantiates and renders the root component (and everything under it). */
  start(): Promise<void> {
    return this.runAsync(() => this.startStep());
  }

  /** `start`, for synchronous components. */
  startSync(): void {
    this.runSync(this.startStep());
  }

  /** Re-renders dirty fibers at `lane` or more urgent (default: all), then delivers patches. */
  flush(lane: Lane = "idle"): Promise<void> {
    const min = laneNumber(lane);
    return this.runAsync(() => this.flushOp(min));
  }

  /** `flush`, for synchronous components. */
  flushSync(lane: Lane = "idle"): void {
    this.runSync(this.flushOp(laneNumber(lane)));
  }

  /**
   * Delivers DOM event `event` on element `nodeId`: calls the owning component's handler, then
   * flushes at input priority. Resolves to false if no listener for it exists (node gone).
   */
  dispatch(nodeId: number, event: string, payload = ""): Promise<boolean> {
    return this.runAsync(() => this.dispatchOp(nodeId, event, payload));
  }

  /** `dispatch`, for synchronous components. */
  dispatchSync(nodeId: number, event: string, payload = ""): boolean {
    return this.runSync(this.dispatchOp(nodeId, event, payload));
  }

  /** Moves the virtual clock forward `ms`, firing due timers in order, flushing after each instant. */
  advance(ms: number): Promise<void> {
    return this.runAsync(() => this.advanceOp(ms));
  }

  /** `advance`, for synchronous components. */
  advanceSync(ms: number): void {
    this.runSync(this.advanceOp(ms));
  }

  /** Replaces the root props (JSON text); the root re-renders at the next flush if they changed. */
  setRootProps(props: string): void {
    this.checkUsable();
    const root = this.requireRoot();
    this.record({ t: this.timers.now, type: "props", props });
    if (root.props === props) return;
    root.props = props;
    root.readyView = null;
    this.dirty.mark(root, this.lane || IDLE);
    if (!this.busy) this.schedule();
  }

  /**
   * Disposes every component instance and drops all timers; the runtime cannot be used after.
   * Throws `DISPOSE_FAILED` (after disposing everything) if an instance's `dispose` threw.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.root !== null) this.disposeTree(this.root.node);
    this.dirty.clear();
    this.timers.reset();
    this.stack = [];
    this.emits = [];
    this.throwDisposeErrors();
  }

  // ---- operations (generators yield promises to await; the sync runner refuses them) ----

  private *startStep(): Step<void> {
    if (this.root !== null) throw new FxError("INVALID_ARGUMENT", "start() was already called");
    const node = new RNode(COMPONENT, -1, null, this.opts.root, DEEP, NO_ATTRS, NO_LISTENERS, null);
    const root = this.newFiber(this.opts.root, null, node, 0, this.opts.props ?? "{}");
    node.fiber = root;
    this.root = root;
    this.stack.push(root);
    yield* this.flushLanes(IDLE);
  }

  private *flushOp(min: number): Step<void> {
    this.requireRoot();
    this.record({ t: this.timers.now, type: "flush" });
    yield* this.settle();
    yield* this.flushLanes(min);
  }

  private *dispatchOp(nodeId: number, event: string, payload: string): Step<boolean> {
    this.requireRoot();
    this.record({ t: this.timers.now, type: "event", node: nodeId, event, payload });
    yield* this.settle();
    const el = this.differ.listening.get(nodeId);
    const l = el?.listeners.find((x) => x.event === event);
    const owner = el === undefined ? null : ownerOf(el);
    if (l === undefined || owner === null) return false;
    this.callHandle(owner, { handler: l.handler, payload }, INPUT);
    yield* this.settle();
    yield* this.flushLanes(INPUT);
    return true;
  }

  private *advanceOp(ms: number): Step<void> {
    this.requireRoot();
    if (!Number.isFinite(ms) || ms < 0)
      throw new FxError("INVALID_ARGUMENT", `advance(ms) needs a non-negative number, got ${ms}`);
    const target = this.timers.now + Math.floor(ms);
    this.record({ t: target, type: "advance" });
    yield* this.settle();
    for (;;) {
      const d = this.timers.nextDeadline();
      if (d === null || d > target) break;
      this.timers.now = d;
      // All timers due at one instant fire before one flush: one frame per instant.
      for (let t = this.timers.popAt(d); t !== null; t = this.timers.popAt(d)) {
        this.callHandle(t.fiber, { handler: t.handler, payload: "" }, TIMER);
        yield* this.settle();
      }
      yield* this.flushLanes(TIMER);
    }
    this.timers.now = target;
  }

  // Renders until no fiber at lane >= min is dirty, then delivers the patches.
  private *flushLanes(min: number): Step<void> {
    for (let p = this.pump(min); p !== null; p = this.pump(min)) yield p;
    this.commit();
  }

  // Delivers queued emits to parents and waits for async handlers, until quiet.
  private *settle(): Step<void> {
    for (;;) {
      this.drainEmits();
      if (this.pendingHandles.length === 0) return;
      const ps = this.pendingHandles;
      this.pendingHandles = [];
      yield Promise.all(ps);
    }
  }

  // ---- the render loop ----

  // Renders fibers, depth first from the work stack, then batch by batch from the dirty set.
  // Returns a promise when a component answered asynchronously (the caller awaits it and calls
  // pump again, which resumes with the resolved value), or null when done.
  private pump(min: number): Promise<unknown> | null {
    const stack = this.stack;
    for (;;) {
      const f = stack.pop();
      if (f !== undefined) {
        if (f.disposed) continue;
        this.current = f;
        if (f.instance === null) {
          const p = this.instantiate(f);
          if (p !== null) {
            stack.push(f);
            return p;
          }
        }
        let view = f.readyView;
        if (view !== null) f.readyView = null;
        else {
          const r = this.callRender(f);
          if (isThenable(r)) {
            stack.push(f);
            f.renderPending = true;
            return Promise.resolve(r).then(
              (v) => {
                f.renderPending = false;
                f.readyView = v;
              },
              (e) => {
                f.renderPending = false;
                throw this.renderError(f, e);
              },
            );
          }
          view = r;
        }
        this.reconcile(f, view);
        continue;
      }
      const batch = this.batch;
      if (this.batchPos < batch.length) {
        const b = batch[this.batchPos++] as Fiber;
        if (b.lane > 0 && !b.disposed) stack.push(b);
        continue;
      }
      this.batch = this.dirty.take(min);
      this.batchPos = 0;
      if (this.batch.length === 0) return null;
    }
  }

  private instantiate(f: Fiber): Promise<unknown> | null {
    let r: ComponentInstance | Promise<ComponentInstance>;
    try {
      r = this.opts.driver.instantiate(f.name, f.id, f.host as HostApi);
    } catch (e) {
      throw this.instantiateError(f, e);
    }
    if (isThenable(r)) {
      return Promise.resolve(r).then(
        (inst) => {
          if (f.disposed) this.disposeInstance(inst);
          else f.instance = inst;
        },
        (e) => {
          throw this.instantiateError(f, e);
        },
      );
    }
    f.instance = r;
    return null;
  }

  private callRender(f: Fiber): View | Promise<View> {
    f.lane = 0;
    this.current = f;
    this.rendering = true;
    try {
      return (f.instance as ComponentInstance).render(f.props);
    } catch (e) {
      throw this.renderError(f, e);
    } finally {
      this.rendering = false;
    }
  }

  private reconcile(f: Fiber, view: View): void {
    this.current = f;
    f.childOrderStale = true;
    this.differ.reconcile(f.node, f.hostParent, view, f);
    this.current = null;
    // Child fibers to render, in the order the diff met them; the stack makes it depth first.
    const kids = this.toRender;
    for (let k = kids.length - 1; k >= 0; k--) this.stack.push(kids[k] as Fiber);
    kids.length = 0;
  }

  // ---- differ hooks ----

  private mount(node: RNode, v: ComponentNode, owner: Fiber): void {
    const f = this.newFiber(v.component, owner, node, hostParentOf(node), v.props);
    node.fiber = f;
    this.toRender.push(f);
  }

  private update(node: RNode, v: ComponentNode): void {
    const f = node.fiber as Fiber;
    // Props-equal skip: same JSON text and not dirty ⇒ the child's last render still stands.
    if (f.props !== v.props) {
      f.props = v.props;
      f.readyView = null;
      this.toRender.push(f);
    } else if (f.lane > 0) {
      this.toRender.push(f);
    }
  }

  private unmount(node: RNode): void {
    const f = node.fiber;
    if (f === null) return;
    f.disposed = true;
    f.lane = 0;
    this.timers.clearFiber(f);
    if (f.instance !== null) this.disposeInstance(f.instance);
  }

  // ---- component-facing host API ----

  private newFiber(
    name: string,
    parent: Fiber | null,
    node: RNode,
    hostParent: number,
    props: string,
  ): Fiber {
    const f = new Fiber(++this.fiberSeq, name, parent, node, hostParent, props);
    f.host = {
      invalidate: () => this.invalidate(f),
      emit: (n: string, payload: string) => this.emit(f, n, payload),
      now: () => this.timers.now,
      setTimeout: (delayMs: number, handler: string) =>
        f.disposed ? 0 : this.timers.set(f, delayMs, handler),
      clearTimeout: (id: number) => this.timers.clear(f, id),
    };
    return f;
  }

  private invalidate(f: Fiber): void {
    if (f.disposed || this.disposed) return;
    // A render must not schedule itself into the flush it is part of (that can loop forever):
    // invalidations raised while rendering count from the next operation on.
    if (this.rendering || f.renderPending) {
      this.deferred.push(f);
      return;
    }
    this.dirty.mark(f, this.lane || f.asyncLane || IDLE);
    if (!this.busy) this.schedule();
  }

  private emit(f: Fiber, name: string, payload: string): void {
    if (f.disposed || this.disposed) return;
    this.emits.push({ from: f, name, payload, lane: this.lane || f.asyncLane || IDLE });
    if (!this.busy) this.schedule();
  }

  private drainEmits(): void {
    // Emits are queued, not delivered inside the child's handle, so no component is re-entered
    // while it runs (a wasm instance behind a protocol cannot be); FIFO keeps the order.
    for (let k = 0; k < this.emits.length; k++) {
      const e = this.emits[k] as PendingEmit;
      const f = e.from;
      if (f.disposed) continue;
      if (f.parent === null) {
        this.opts.onEmit?.(e.name, e.payload);
        continue;
      }
      const l = f.node.listeners.find((x: Listener) => x.event === e.name);
      if (l !== undefined)
        this.callHandle(f.parent, { handler: l.handler, payload: e.payload }, e.lane);
    }
    this.emits = [];
  }

  private callHandle(f: Fiber, event: FxEvent, lane: number): void {
    if (f.disposed || f.instance === null) return;
    const prev = this.lane;
    this.lane = lane;
    let r: void | Promise<void>;
    try {
      r = f.instance.handle(event);
    } catch (e) {
      throw this.handleError(f, event, e);
    } finally {
      this.lane = prev;
    }
    if (isThenable(r)) {
      f.asyncLane = lane;
      this.pendingHandles.push(
        Promise.resolve(r).then(
          () => {
            f.asyncLane = 0;
          },
          (e) => {
            f.asyncLane = 0;
            throw this.handleError(f, event, e);
          },
        ),
      );
    }
  }

  // ---- running operations ----

  private enter(): void {
    this.checkUsable();
    this.busy = true;
    this.scheduled = false;
  }

  private leave(): void {
    this.busy = false;
    this.current = null;
    if (this.deferred.length > 0) {
      const d = this.deferred;
      this.deferred = [];
      for (const f of d) if (!f.disposed) this.dirty.mark(f, IDLE);
    }
    if (this.dirty.size > 0 || this.emits.length > 0) this.schedule();
    this.throwDisposeErrors();
  }

  private throwDisposeErrors(): void {
    if (this.disposeErrors.length === 0) return;
    const errs = this.disposeErrors;
    this.disposeErrors = [];
    throw new FxError(
      "DISPOSE_FAILED",
      `${errs.length} component(s) failed in dispose(): ${errs.map(describe).join("; ")}`,
      { cause: errs[0] },
    );
  }

  // Leaves the runtime consistent after an error: the patches already made describe the host
  // exactly, so they are delivered; fibers that were due to render are marked dirty again
  // (except the one that failed, which keeps its last good tree until invalidated).
  private abort(): void {
    const failed = this.current;
    for (const f of this.stack) if (!f.disposed && f !== failed) this.dirty.mark(f, IDLE);
    for (let k = this.batchPos; k < this.batch.length; k++) {
      const f = this.batch[k] as Fiber;
      if (f.lane > 0 && !f.disposed && f !== failed) this.dirty.mark(f, f.lane);
    }
    // Children the failed render already gave new props have not rendered them: they must still
    // do, even if the next render passes the same props again.
    for (const f of this.toRender) if (!f.disposed && f !== failed) this.dirty.mark(f, IDLE);
    this.stack = [];
    this.batch = [];
    this.batchPos = 0;
    this.toRender.length = 0;
    this.commit();
  }

  private runSync<T>(step: Step<T>): T {
    if (this.busy || this.locked)
      throw new FxError(
        "BUSY",
        "an async operation is still running; await it before calling a …Sync method",
      );
    this.enter();
    let value: T;
    try {
      const r = step.next();
      if (!r.done)
        throw new FxError(
          "ASYNC_IN_SYNC",
          "a component answered with a promise; use the async method (flush, dispatch, advance, start)",
        );
      value = r.value;
    } catch (e) {
      this.fail();
      throw e;
    }
    this.leave();
    return value;
  }

  private async runAsync<T>(make: () => Step<T>): Promise<T> {
    // Operations run one at a time, in call order. An idle runtime starts at once, so with
    // synchronous components all the work is done before this returns its promise.
    if (this.locked)
      await new Promise<void>((r) => {
        this.waiters.push(r);
      });
    // The lock passes straight from one operation to the next waiting one.
    this.locked = true;
    try {
      this.enter();
      let value: T;
      try {
        const step = make();
        let r = step.next();
        while (!r.done) {
          await r.value;
          r = step.next();
        }
        value = r.value;
      } catch (e) {
        this.fail();
        throw e;
      }
      this.leave();
      return value;
    } finally {
      const next = this.waiters.shift();
      if (next !== undefined) next();
      else this.locked = false;
    }
  }

  // Aborts the running operation; a dispose failure must not hide the error that caused it.
  private fail(): void {
    this.abort();
    try {
      this.leave();
    } catch {
      // The original error is the one worth reporting.
    }
  }

  private commit(): void {
    const p = this.differ.out;
    if (p.length === 0) return;
    this.differ.out = new PatchBatch();
    this.opts.onPatches?.(p);
  }

  private schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    this.opts.onSchedule?.();
  }

  private record(entry: LogEntry): void {
    this.opts.onRecord?.(entry);
  }

  private checkUsable(): void {
    if (this.disposed) throw new FxError("DISPOSED", "this runtime was disposed; create a new one");
  }

  private requireRoot(): Fiber {
    if (this.root === null)
      throw new FxError("NOT_STARTED", "call start() (or startSync()) before using the runtime");
    return this.root;
  }

  private disposeTree(node: RNode): void {
    if (node.kind === COMPONENT) this.unmount(node);
    for (const c of node.children) this.disposeTree(c);
  }

  private disposeInstance(inst: ComponentInstance): void {
    try {
      const r = inst.dispose?.();
      if (isThenable(r)) Promise.resolve(r).catch((e) => this.disposeErrors.push(e));
    } catch (e) {
      this.disposeErrors.push(e);
    }
  }

  private renderError(f: Fiber, e: unknown): FxError {
    if (e instanceof FxError) return e;
    return new FxError(
      "RENDER_FAILED",
      `component "${f.name}" (fiber ${f.id}) failed to render: ${describe(e)}`,
      { cause: e },
    );
  }

  private handleError(f: Fiber, event: FxEvent, e: unknown): FxError {
    if (e instanceof FxError) return e;
    return new FxError(
      "HANDLE_FAILED",
      `component "${f.name}" (fiber ${f.id}) failed handling "${event.handler}": ${describe(e)}`,
      { cause: e },
    );
  }

  private instantiateError(f: Fiber, e: unknown): FxError {
    if (e instanceof FxError) return e;
    return new FxError(
      "INSTANTIATE_FAILED",
      `could not instantiate component "${f.name}" (fiber ${f.id}): ${describe(e)}`,
      { cause: e },
    );
  }
}
