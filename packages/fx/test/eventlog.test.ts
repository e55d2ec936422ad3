import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ComponentFactory,
  EventRecorder,
  FxError,
  flatten,
  formatEventLog,
  h,
  parseEventLog,
  replay,
  replaySync,
} from "@loop-kit/fx";
import { Harness } from "./helpers.js";

// A small app with input, timers and emits: a list with add/remove buttons, an auto-add timer,
// and a child counter that emits to the list.
function app(): Record<string, ComponentFactory> {
  return {
    List: (host) => {
      let items: string[] = ["x"];
      let next = 0;
      let ticks = 0;
      host.setTimeout(50, "auto");
      return {
        render: () =>
          flatten(
            h(
              "main",
              null,
              h("button", { on: { click: "add" } }, "add"),
              h(
                "ul",
                null,
                ...items.map((it) => h("li", { key: it, on: { click: `del:${it}` } }, it)),
              ),
              { component: "Counter", props: JSON.stringify({ ticks }), on: { bump: "bumped" } },
            ),
          ),
        handle: (e) => {
          if (e.handler === "add") items = [`n${next++}`, ...items];
          else if (e.handler.startsWith("del:"))
            items = items.filter((i) => `del:${i}` !== e.handler);
          else if (e.handler === "auto") {
            items = [...items, `t${host.now()}`];
            host.setTimeout(30, "auto");
          } else if (e.handler === "bumped") ticks += (JSON.parse(e.payload) as { by: number }).by;
          host.invalidate();
        },
      };
    },
    Counter: (host) => ({
      render: (p) => flatten(h("p", { on: { click: "inc" } }, p)),
      handle: () => host.emit("bump", JSON.stringify({ by: 1 })),
    }),
  };
}

function findByText(hh: Harness, tag: string, txt: string): number {
  const walk = (n: NonNullable<ReturnType<typeof hh.dom.node>>): number | null => {
    if (n.tag === tag && n.first?.text === txt) return n.id;
    for (const c of n.children) {
      const r = walk(c);
      if (r !== null) return r;
    }
    return null;
  };
  const id = walk(hh.dom.root);
  assert.ok(id !== null, `no <${tag}>${txt}`);
  return id;
}

test("replaying a recorded log gives the same patch stream, byte for byte", async () => {
  const rec = new EventRecorder();
  const a = new Harness(app(), "List", { onRecord: rec.record });
  a.rt.startSync();
  const add = findByText(a, "button", "add");
  a.rt.dispatchSync(add, "click");
  a.rt.advanceSync(60);
  a.rt.dispatchSync(findByText(a, "li", "x"), "click");
  a.rt.dispatchSync(add, "click");
  a.rt.dispatchSync(findByText(a, "p", '{"ticks":0}'), "click", '{"ignored":true}');
  a.rt.advanceSync(100);
  a.rt.flushSync();
  a.rt.dispatchSync(findByText(a, "li", "n0"), "click");
  const log = rec.toJsonLines();
  assert.equal(log.trim().split("\n").length, 8);

  for (const mode of ["sync", "async"] as const) {
    const rec2 = new EventRecorder();
    const b = new Harness(app(), "List", { onRecord: rec2.record });
    b.rt.startSync();
    if (mode === "sync") replaySync(b.rt, parseEventLog(log));
    else await replay(b.rt, parseEventLog(log));
    assert.equal(b.json(), a.json());
    assert.equal(b.html(), a.html());
    // Replaying records the same log again.
    assert.equal(rec2.toJsonLines(), log);
  }
  assert.match(a.html(), /\{"ticks":1\}/);
  assert.match(a.html(), /<li>t50<\/li>/);
});

test("log lines round-trip and hand-written payloads may be JSON values", () => {
  const text = [
    '{"t":0,"type":"event","node":4,"event":"click","payload":{"a":[1,2]}}',
    "",
    '{"t":5,"type":"advance"}',
    '{"t":5,"type":"flush"}',
    '{"t":7,"type":"props","props":"{\\"x\\":1}"}',
    '{"t":9,"type":"event","node":1,"event":"input"}',
  ].join("\n");
  const entries = parseEventLog(text);
  assert.deepEqual(entries, [
    { t: 0, type: "event", node: 4, event: "click", payload: '{"a":[1,2]}' },
    { t: 5, type: "advance" },
    { t: 5, type: "flush" },
    { t: 7, type: "props", props: '{"x":1}' },
    { t: 9, type: "event", node: 1, event: "input", payload: "" },
  ]);
  assert.deepEqual(parseEventLog(formatEventLog(entries)), entries);
});

test("bad log lines are reported with their line number", () => {
  const cases: [string, RegExp][] = [
    ['{"t":0,"type":"advance"}\nnot json', /line 2: not JSON/],
    ['{"t":5,"type":"advance"}\n{"t":4,"type":"advance"}', /line 2: "t" goes back/],
    ['{"t":0,"type":"event","event":"click"}', /line 1: "node"/],
    ['{"t":0,"type":"jump"}', /line 1: unknown "type"/],
    ['{"type":"flush"}', /line 1: "t"/],
  ];
  for (const [input, re] of cases)
    assert.throws(
      () => parseEventLog(input),
      (e: unknown) => e instanceof FxError && e.code === "BAD_EVENT_LOG" && re.test(e.message),
      input,
    );
});

test("replaying into a runtime whose clock is past the log is refused", () => {
  const b = new Harness(app(), "List");
  b.rt.startSync();
  b.rt.advanceSync(10);
  assert.throws(
    () => replaySync(b.rt, [{ t: 5, type: "flush" }]),
    (e: unknown) => (e as FxError).code === "BAD_EVENT_LOG",
  );
});
