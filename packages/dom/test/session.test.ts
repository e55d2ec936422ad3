// FxSession: an fx app against real time (no DOM needed). Events move the virtual clock to the
// wall clock first, components' timers fire as real timers, replays run in virtual time and the
// wall clock goes on from their end, and a failing operation is reported without stopping the
// session.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EventRecorder,
  type FxNode,
  formatEventLog,
  HeadlessDom,
  type HostApi,
  jsDriver,
  patchesToJsonLines,
} from "@loop-kit/fx";
import { FxSession } from "../src/session.js";

const el = (tag: string, childCount: number, handler?: string): FxNode => ({
  kind: "element",
  tag,
  key: null,
  attrs: [],
  listeners: handler ? [{ event: "click", handler }] : [],
  childCount,
});
const text = (t: string): FxNode => ({ kind: "text", text: t });

/** A counter whose `tick` timer re-arms itself `ticks` times; `boom` throws. */
function counter(ticks = 0) {
  return jsDriver({
    counter: (host: HostApi) => {
      let n = 0;
      let left = ticks;
      if (left > 0) host.setTimeout(20, "tick");
      return {
        // button 1 (text 2) counts clicks; i 3 throws.
        render: () => [el("button", 1, "inc"), text(String(n)), el("i", 0, "boom")],
        handle(e) {
          if (e.handler === "boom") throw new Error("boom");
          n++;
          if (e.handler === "tick" && --left > 0) host.setTimeout(20, "tick");
          host.invalidate();
        },
      };
    },
  });
}

function session(options: { ticks?: number; clock?: () => number; errors?: unknown[] } = {}) {
  const dom = new HeadlessDom();
  const recorder = new EventRecorder();
  let patches = "";
  const s = new FxSession({
    driver: counter(options.ticks),
    root: "counter",
    onPatches: (b) => {
      dom.apply(b);
      patches += patchesToJsonLines(b);
    },
    onRecord: recorder.record,
    ...(options.clock ? { clock: options.clock } : {}),
    onError: (err) => options.errors?.push(err),
  });
  return { s, dom, recorder, patches: () => patches };
}

test("an event first moves the virtual clock to the wall clock", async () => {
  let wall = 1000;
  const { s, dom, recorder } = session({ clock: () => wall });
  await s.start();
  wall = 1250;
  assert.equal(await s.dispatch(1, "click", "{}"), true);
  wall = 1260.7;
  await s.dispatch(1, "click", "{}");
  assert.equal(dom.toHtml(), "<button>2</button><i></i>");
  assert.equal(
    recorder.toJsonLines(),
    formatEventLog([
      { t: 250, type: "advance" },
      { t: 250, type: "event", node: 1, event: "click", payload: "{}" },
      { t: 260, type: "advance" },
      { t: 260, type: "event", node: 1, event: "click", payload: "{}" },
    ]),
  );
  s.dispose();
});

test("timers fire on time, as real timers", async () => {
  const { s, dom, recorder } = session({ ticks: 3 });
  await s.start();
  await new Promise((r) => setTimeout(r, 150));
  await s.whenIdle();
  assert.equal(dom.toHtml(), "<button>3</button><i></i>");
  const advances = recorder.entries.filter((e) => e.type === "advance").map((e) => e.t);
  // The clock is advanced to the wall clock's now once a deadline (20, 40, 60 virtual ms) has
  // come, so never before one; a stalled machine may let two come in one advance.
  assert.ok(advances.length >= 1 && advances.length <= 3, `${advances}`);
  assert.ok((advances[0] as number) >= 20, `${advances}`);
  assert.ok((advances.at(-1) as number) >= 60, `${advances}`);
  s.dispose();
});

test("a replay runs in virtual time; the wall clock goes on from its end", async () => {
  let wall = 0;
  const { s, recorder } = session({ clock: () => wall });
  await s.start();
  await s.replay([
    { t: 5000, type: "event", node: 1, event: "click", payload: "{}" },
    { t: 9000, type: "event", node: 1, event: "click", payload: "{}" },
  ]);
  assert.equal(s.runtime.now, 9000);
  wall = 30;
  await s.dispatch(1, "click", "{}");
  assert.equal(recorder.entries.at(-1)?.t, 9030);
  await assert.rejects(
    s.replay([{ t: 10, type: "flush" }]),
    /before the app's clock \(9030\): replay a log into a freshly started app/,
  );
  s.dispose();
});

test("a failing handler is reported; the session goes on", async () => {
  const errors: unknown[] = [];
  const { s, dom } = session({ errors });
  await s.start();
  assert.equal(await s.dispatch(3, "click", "{}"), false);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /boom/);
  assert.equal(await s.dispatch(1, "click", "{}"), true);
  assert.equal(dom.toHtml(), "<button>1</button><i></i>");
  // An event for a node without that listener is not an error: it is not handled.
  assert.equal(await s.dispatch(99, "click", "{}"), false);
  assert.equal(errors.length, 1);
  s.dispose();
  assert.equal(await s.dispatch(1, "click", "{}"), false);
  assert.match(String(errors[1]), /the app was stopped/);
});
