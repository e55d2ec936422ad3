// loopHostDriver: fx components running in loop-host (the Rust examples), reconciled by
// @loop-kit/fx; and, with a scripted stand-in for the client, the timer and clock plumbing.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FxError, FxRuntime, HeadlessDom, patchesToJsonLines } from "@loop-kit/fx";
import {
  ControlClient,
  ControlError,
  type ControlEvent,
  type ControlEventListener,
  type FxControl,
  type LoadResult,
  loopHostDriver,
} from "@loop-kit/host-client";
import { buildFixture } from "./control-helpers.js";

let counter: string;
let todoApp: string;
let todoItem: string;
let library: string;
let scratch: string;
const clients: ControlClient[] = [];

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "host-client-driver-"));
  [counter, todoApp, todoItem, library] = await Promise.all([
    buildFixture("examples/counter-rs"),
    buildFixture("examples/todo/app"),
    buildFixture("examples/todo/item"),
    buildFixture("tests/fixtures/library"),
  ]);
});

after(async () => {
  for (const c of clients) c.kill();
  await rm(scratch, { recursive: true, force: true });
});

function client(): ControlClient {
  const c = new ControlClient({ stderr: "capture", cacheDir: join(scratch, "cache") });
  clients.push(c);
  return c;
}

/** A runtime over loop-host with `files` as its components, patches applied to a HeadlessDom. */
function app(c: ControlClient, root: string, files: Record<string, string>) {
  const dom = new HeadlessDom();
  let patches = "";
  const driver = loopHostDriver(c, (name) => {
    const path = files[name];
    if (path === undefined) throw new Error(`no component named "${name}"`);
    return { path };
  });
  const rt = new FxRuntime({
    driver,
    root,
    onPatches: (b) => {
      dom.apply(b);
      patches += patchesToJsonLines(b);
    },
  });
  return { rt, dom, driver, patches: () => patches };
}

/** The node id of the first element whose `click` goes to `handler`. */
function nodeFor(rt: FxRuntime, event: string, handler: string, from = 1): number {
  for (let id = from; id <= rt.lastNodeId; id++) {
    if (rt.handlerFor(id, event)?.handler === handler) return id;
  }
  throw new Error(`no node handles ${event} with ${handler}`);
}

describe("with loop-host", () => {
  test("the Rust counter renders and handles clicks", async () => {
    const c = client();
    const { rt, dom, driver } = app(c, "counter", { counter });
    await rt.start();
    assert.equal(
      dom.toHtml(),
      '<div class="counter"><h1>Counter</h1><button id="dec">-</button><span id="count">0</span><button id="inc">+</button></div>',
    );
    const inc = nodeFor(rt, "click", "inc");
    const dec = nodeFor(rt, "click", "dec");
    for (let i = 0; i < 3; i++) assert.equal(await rt.dispatch(inc, "click", "{}"), true);
    await rt.dispatch(dec, "click", "{}");
    assert.match(dom.toHtml(), /<span id="count">2<\/span>/);
    assert.equal(driver.loaded.get("counter")?.world, "loop:fx/app");
    assert.equal(typeof driver.instanceOf(1), "number");
    rt.dispose();
    await c.shutdown();
  });

  test("the todo app: keyed children, emits to the parent, removal drops the instance", async () => {
    const c = client();
    const { rt, dom, driver } = app(c, "todo", { todo: todoApp, "todo-item": todoItem });
    await rt.start();
    const draft = nodeFor(rt, "input", "draft");
    const add = nodeFor(rt, "click", "add");
    for (const text of ["milk", "eggs", "bread"]) {
      await rt.dispatch(draft, "input", JSON.stringify({ value: text }));
      await rt.dispatch(add, "click", "{}");
    }
    assert.equal((dom.toHtml().match(/<li /g) ?? []).length, 3);
    // Fibers: 1 the list, 2-4 the items. Item 2's toggle, then item 1's remove button.
    const toggle2 = nodeFor(rt, "click", "toggle", nodeFor(rt, "click", "toggle") + 1);
    await rt.dispatch(toggle2, "click", "{}");
    assert.match(dom.toHtml(), /<li class="item done" data-id="2">/);
    const first = driver.instanceOf(2) as number;
    await rt.dispatch(nodeFor(rt, "click", "remove"), "click", "{}");
    assert.doesNotMatch(dom.toHtml(), /data-id="1"/);
    assert.equal(driver.instanceOf(2), undefined);
    // Dropped in loop-host too.
    await assert.rejects(
      c.call(first, "loop:fx/component#render", ["{}"]),
      (e: unknown) => e instanceof ControlError && e.kind === "not-found",
    );
    await rt.dispatch(nodeFor(rt, "click", "reverse"), "click", "{}");
    assert.match(
      dom.toHtml(),
      /<ul id="items"><li class="item" data-id="3">.*<li class="item done" data-id="2">.*<\/ul><span id="left">1 left<\/span>/,
    );
    rt.dispose();
    await c.shutdown();
  });

  test("the same inputs give the same patch stream, byte for byte", async () => {
    const run = async () => {
      const c = client();
      const { rt, patches } = app(c, "todo", { todo: todoApp, "todo-item": todoItem });
      await rt.start();
      for (const text of ["a", "b", "c", "d"]) {
        await rt.dispatch(4, "input", JSON.stringify({ value: text }));
        await rt.dispatch(5, "click", "");
      }
      await rt.dispatch(7, "click", "");
      rt.dispose();
      await c.shutdown();
      return patches();
    };
    const [a, b] = [await run(), await run()];
    assert.ok(a.length > 1000);
    assert.equal(a, b);
  });

  test("an unknown component name fails to instantiate, naming it", async () => {
    const c = client();
    const { rt } = app(c, "nope", {});
    await assert.rejects(
      rt.start(),
      (e: unknown) =>
        e instanceof FxError && e.code === "INSTANTIATE_FAILED" && /"nope"/.test(e.message),
    );
    await c.shutdown();
  });

  test("a component that is not an fx component is refused", async () => {
    const c = client();
    const { rt } = app(c, "greeter", { greeter: library });
    await assert.rejects(
      rt.start(),
      (e: unknown) =>
        e instanceof FxError &&
        e.code === "INSTANTIATE_FAILED" &&
        /is not a loop:fx component/.test(e.message),
    );
    await c.shutdown();
  });
});

/** A stand-in client: components are scripted functions of (instance, fn, args, emit). */
function fakeClient(
  script: (
    instance: number,
    fn: string,
    args: readonly unknown[],
    emit: (e: ControlEvent) => void,
  ) => unknown,
) {
  const listeners: ControlEventListener[] = [];
  const log: string[] = [];
  let ids = 0;
  const emit = (e: ControlEvent) => {
    for (const l of listeners) l(e);
  };
  const fake: FxControl = {
    subscribe(l) {
      listeners.push(l);
      return () => listeners.splice(listeners.indexOf(l), 1);
    },
    async load(path) {
      log.push(`load ${path}`);
      return {
        component: ++ids,
        name: path,
        world: "loop:fx/app",
        exports: ["loop:fx/component@0.1.0"],
        compiled: false,
      } satisfies LoadResult;
    },
    async instantiate() {
      log.push("instantiate");
      return ++ids;
    },
    async call<T>(instance: number, fn: string, args: readonly unknown[] = []): Promise<T> {
      log.push(`call ${instance} ${fn.split("#")[1]} ${JSON.stringify(args)}`);
      return script(instance, fn, args, emit) as T;
    },
    async drop(instance) {
      log.push(`drop ${instance}`);
    },
    async setTime(ms) {
      log.push(`set-time ${ms}`);
    },
  };
  return { fake, log };
}

const TEXT = (s: string) => [{ tag: "text", val: s }];

describe("events and the clock (scripted client)", () => {
  test("set-timeout and clear-timeout map loop-host's ids to the runtime's timers", async () => {
    let fired = 0;
    const { fake, log } = fakeClient((instance, fn, args, emit) => {
      if (fn.endsWith("#render")) return TEXT(`fired ${fired}`);
      const e = args[0] as { handler: string };
      if (e.handler === "start") {
        // loop-host numbers timers per instance from 1; the runtime has its own ids.
        emit({ event: "set-timeout", instance, id: 1, delayMs: 100, handler: "tick" });
        emit({ event: "set-timeout", instance, id: 2, delayMs: 50, handler: "never" });
        emit({ event: "clear-timeout", instance, id: 2 });
      } else if (e.handler === "tick") {
        fired++;
        emit({ event: "invalidate", instance });
      }
      return null;
    });
    const dom = new HeadlessDom();
    const rt = new FxRuntime({
      driver: loopHostDriver(fake, (name) => ({ path: `${name}.wasm` })),
      root: "clock",
      onPatches: (b) => dom.apply(b),
    });
    await rt.start();
    // Handing an event straight to the instance, as an embedder may.
    await rt.flush();
    const instance = 2;
    await fake.call(instance, "loop:fx/component#handle", [{ handler: "start", payload: "" }]);
    assert.equal(rt.pendingTimers, 1);
    await rt.advance(99);
    assert.equal(dom.toHtml(), "fired 0");
    await rt.advance(1);
    assert.equal(dom.toHtml(), "fired 1");
    assert.equal(rt.pendingTimers, 0);
    // The clock was set before the timer's handle and the render after it, once.
    const tail = log.slice(log.indexOf("set-time 100"));
    assert.deepEqual(tail, [
      "set-time 100",
      `call 2 handle [{"handler":"tick","payload":""}]`,
      `call 2 render ["{}"]`,
    ]);
    rt.dispose();
    assert.equal(log.at(-1), "drop 2");
  });

  test("an invalidation raised while rendering counts from the next operation", async () => {
    let renders = 0;
    const { fake } = fakeClient((instance, fn, _args, emit) => {
      if (!fn.endsWith("#render")) return null;
      renders++;
      emit({ event: "invalidate", instance });
      return TEXT(`render ${renders}`);
    });
    const rt = new FxRuntime({
      driver: loopHostDriver(fake, (name) => ({ path: name })),
      root: "loop",
    });
    await rt.start();
    assert.equal(renders, 1);
    assert.equal(rt.hasPendingWork, true);
    await rt.flush();
    assert.equal(renders, 2);
  });

  test("emits reach the parent's handler through its listener", async () => {
    const { fake, log } = fakeClient((instance, fn, args, emit) => {
      if (fn.endsWith("#render")) {
        if (instance === 2) {
          return [
            {
              tag: "component",
              val: {
                component: "child",
                key: null,
                props: "{}",
                listeners: [{ event: "done", handler: "child-done" }],
              },
            },
          ];
        }
        return [
          {
            tag: "element",
            val: {
              tag: "b",
              key: null,
              attrs: [],
              listeners: [{ event: "click", handler: "go" }],
              "child-count": 0,
            },
          },
        ];
      }
      if ((args[0] as { handler: string }).handler === "go")
        emit({ event: "emit", instance, name: "done", payload: '{"ok":true}' });
      return null;
    });
    const rt = new FxRuntime({
      driver: loopHostDriver(fake, (name) => ({ path: name })),
      root: "parent",
    });
    await rt.start();
    await rt.dispatch(1, "click", "");
    assert.ok(log.includes(`call 2 handle [{"handler":"child-done","payload":"{\\"ok\\":true}"}]`));
  });
});
