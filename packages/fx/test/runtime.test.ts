import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type ComponentFactory,
  comp,
  el,
  FxError,
  type FxEvent,
  flatten,
  type HostApi,
  h,
  text,
  type View,
} from "@loop-kit/fx";
import { Harness, viewHarness } from "./helpers.js";

describe("props-equal skip", () => {
  function setup() {
    const renders: string[] = [];
    let childProps = '{"n":1}';
    let label = "a";
    let parentHost: HostApi | null = null;
    const childHosts: HostApi[] = [];
    const hh = new Harness(
      {
        Parent: (host) => {
          parentHost = host;
          return {
            render: () => {
              renders.push("Parent");
              return flatten(
                h("div", null, label, { component: "Child", key: "c", props: childProps }),
              );
            },
            handle: () => {},
          };
        },
        Child: (host) => {
          childHosts.push(host);
          return {
            render: (p) => {
              renders.push(`Child ${p}`);
              return [text(p)];
            },
            handle: () => {},
          };
        },
      },
      "Parent",
    );
    hh.rt.startSync();
    return {
      hh,
      renders,
      setLabel: (l: string) => {
        label = l;
      },
      setChildProps: (p: string) => {
        childProps = p;
      },
      parent: () => parentHost as unknown as HostApi,
      child: () => childHosts[0] as HostApi,
    };
  }

  test("a parent re-render with equal child props does not re-render the child", () => {
    const s = setup();
    assert.deepEqual(s.renders, ["Parent", 'Child {"n":1}']);
    s.setLabel("b");
    // A different string object with the same text still counts as equal.
    s.setChildProps(JSON.stringify({ n: 1 }));
    s.parent().invalidate();
    s.hh.rt.flushSync();
    assert.deepEqual(s.renders, ["Parent", 'Child {"n":1}', "Parent"]);
    assert.equal(s.hh.html(), '<div>b{"n":1}</div>');
  });

  test("changed props re-render the child once", () => {
    const s = setup();
    s.setChildProps('{"n":2}');
    s.parent().invalidate();
    s.hh.rt.flushSync();
    assert.deepEqual(s.renders.slice(2), ["Parent", 'Child {"n":2}']);
    assert.equal(s.hh.html(), '<div>a{"n":2}</div>');
  });

  test("a dirty child with equal props still re-renders, once", () => {
    const s = setup();
    s.child().invalidate();
    s.parent().invalidate();
    s.hh.rt.flushSync();
    assert.deepEqual(s.renders.slice(2), ["Parent", 'Child {"n":1}']);
  });

  test("a child alone re-renders without its parent", () => {
    const s = setup();
    s.child().invalidate();
    s.hh.rt.flushSync();
    assert.deepEqual(s.renders.slice(2), ['Child {"n":1}']);
  });
});

describe("emit", () => {
  test("a child's emit calls the parent's handler named by the child node's listener", () => {
    const parentEvents: FxEvent[] = [];
    let count = 0;
    const hh = new Harness(
      {
        Parent: (host) => ({
          render: () =>
            flatten(
              h("div", null, `count=${count}`, {
                component: "Button",
                props: "{}",
                on: { pressed: "onPressed" },
              }),
            ),
          handle: (e) => {
            parentEvents.push(e);
            count += (JSON.parse(e.payload) as { by: number }).by;
            host.invalidate();
          },
        }),
        Button: (host) => ({
          render: () => flatten(h("button", { on: { click: "click" } }, "+")),
          handle: (e) => {
            if (e.handler === "click") host.emit("pressed", '{"by":2}');
            host.emit("unrouted", "{}"); // no listener: dropped
          },
        }),
      },
      "Parent",
    );
    hh.rt.startSync();
    const button = hh.dom.root.first?.children[1];
    assert.ok(button);
    assert.equal(hh.rt.dispatchSync(button.id, "click"), true);
    assert.deepEqual(parentEvents, [{ handler: "onPressed", payload: '{"by":2}' }]);
    assert.equal(hh.html(), "<div>count=2<button>+</button></div>");
  });

  test("the root's emits go to onEmit", () => {
    const hh = new Harness(
      {
        App: (host) => ({
          render: () => flatten(h("a", { on: { click: "go" } }, "x")),
          handle: (e) => host.emit("navigate", JSON.stringify(e.handler)),
        }),
      },
      "App",
    );
    hh.rt.startSync();
    const a = hh.dom.root.first;
    assert.ok(a);
    hh.rt.dispatchSync(a.id, "click");
    assert.deepEqual(hh.emitted, [["navigate", '"go"']]);
  });

  test("a listener-only change re-routes emits without re-rendering the child", () => {
    let handler = "first";
    let childRenders = 0;
    const got: string[] = [];
    let childHost: HostApi | null = null;
    let parentHost: HostApi | null = null;
    const hh = new Harness(
      {
        P: (host) => {
          parentHost = host;
          return {
            render: () => [comp("C", "{}", { on: { ping: handler } })],
            handle: (e) => {
              got.push(e.handler);
            },
          };
        },
        C: (host) => {
          childHost = host;
          return {
            render: () => {
              childRenders++;
              return [];
            },
            handle: () => {},
          };
        },
      },
      "P",
    );
    hh.rt.startSync();
    handler = "second";
    (parentHost as unknown as HostApi).invalidate();
    hh.rt.flushSync();
    (childHost as unknown as HostApi).emit("ping", "");
    hh.rt.flushSync();
    assert.equal(childRenders, 1);
    assert.deepEqual(got, ["second"]);
  });
});

describe("timers", () => {
  test("fire in deadline order, then id order, with the clock at their deadline", () => {
    const fired: string[] = [];
    let host: HostApi | null = null;
    const hh = new Harness(
      {
        T: (hst) => {
          host = hst;
          return {
            render: () => [text(fired.join(","))],
            handle: (e) => {
              fired.push(`${e.handler}@${hst.now()}`);
              hst.invalidate();
              if (e.handler === "b") hst.setTimeout(0, "b0"); // same instant, later id
            },
          };
        },
      },
      "T",
    );
    hh.rt.startSync();
    const t = host as unknown as HostApi;
    t.setTimeout(30, "c");
    t.setTimeout(10, "b");
    const cancelled = t.setTimeout(10, "x");
    t.setTimeout(10, "b2");
    t.setTimeout(5, "a");
    t.setTimeout(100, "late");
    t.clearTimeout(cancelled);
    const batches = hh.batches.length;
    hh.rt.advanceSync(30);
    assert.deepEqual(fired, ["a@5", "b@10", "b2@10", "b0@10", "c@30"]);
    assert.equal(hh.rt.now, 30);
    // One flush per instant: 5, 10, 30.
    assert.equal(hh.batches.length - batches, 3);
    assert.equal(hh.html(), fired.join(","));
    assert.equal(hh.rt.pendingTimers, 1);
    hh.rt.advanceSync(69);
    assert.equal(fired.length, 5);
    hh.rt.advanceSync(1);
    assert.deepEqual(fired.at(-1), "late@100");
  });

  test("timers of a removed component never fire", () => {
    let show = true;
    const fired: string[] = [];
    let rootHost: HostApi | null = null;
    const hh = new Harness(
      {
        Root: (host) => {
          rootHost = host;
          return { render: () => (show ? [comp("Ticker")] : []), handle: () => {} };
        },
        Ticker: (host) => {
          host.setTimeout(10, "tick");
          return {
            render: () => [text("tick")],
            handle: (e) => {
              fired.push(e.handler);
            },
          };
        },
      },
      "Root",
    );
    hh.rt.startSync();
    assert.equal(hh.rt.pendingTimers, 1);
    show = false;
    (rootHost as unknown as HostApi).invalidate();
    hh.rt.flushSync();
    assert.equal(hh.rt.pendingTimers, 0);
    hh.rt.advanceSync(20);
    assert.deepEqual(fired, []);
  });
});

describe("listeners", () => {
  test("listen/unlisten patches follow the view; handler renames need no patch", () => {
    let on: Record<string, string> = { click: "a" };
    const { h: hh, invalidate } = viewHarness(() => [el("button", { key: "b", on }, 0)]);
    const id = hh.dom.root.first?.id as number;
    assert.deepEqual(hh.dom.node(id)?.events, ["click"]);
    assert.deepEqual(hh.rt.handlerFor(id, "click"), { fiber: 1, handler: "a" });

    let from = hh.patches.length;
    on = { click: "b" };
    invalidate();
    hh.rt.flushSync();
    assert.deepEqual(hh.patches.slice(from), []);
    assert.deepEqual(hh.rt.handlerFor(id, "click"), { fiber: 1, handler: "b" });

    from = hh.patches.length;
    on = { input: "i" };
    invalidate();
    hh.rt.flushSync();
    assert.deepEqual(hh.patches.slice(from), [
      { op: "unlisten", id, event: "click" },
      { op: "listen", id, event: "input" },
    ]);
    assert.equal(hh.rt.handlerFor(id, "click"), null);
    assert.equal(hh.rt.dispatchSync(id, "click"), false);

    from = hh.patches.length;
    on = {};
    invalidate();
    hh.rt.flushSync();
    assert.deepEqual(hh.patches.slice(from), [{ op: "unlisten", id, event: "input" }]);
    assert.deepEqual(hh.dom.node(id)?.events, []);
  });

  test("events on removed nodes are ignored", () => {
    let show = true;
    const { h: hh, invalidate } = viewHarness(() =>
      show ? flatten(h("button", { on: { click: "x" } })) : [],
    );
    const id = hh.dom.root.first?.id as number;
    show = false;
    invalidate();
    hh.rt.flushSync();
    assert.equal(hh.rt.dispatchSync(id, "click"), false);
  });
});

describe("errors", () => {
  test("duplicate keys name the key and the parent tag, and the last good tree stays", () => {
    let view: View = flatten(h("ul", null, h("li", { key: "a" }, "A")));
    const { h: hh, invalidate } = viewHarness(() => view);
    view = flatten(
      h("ul", null, h("li", { key: "x" }), h("li", { key: "y" }), h("li", { key: "x" })),
    );
    invalidate();
    assert.throws(
      () => hh.rt.flushSync(),
      (e: unknown) =>
        e instanceof FxError &&
        e.code === "DUPLICATE_KEY" &&
        e.message.includes('"x"') &&
        e.message.includes("<ul>"),
    );
    assert.equal(hh.html(), "<ul><li>A</li></ul>");
    view = flatten(h("ul", null, h("li", { key: "x" }, "X")));
    invalidate();
    hh.rt.flushSync();
    assert.equal(hh.html(), "<ul><li>X</li></ul>");
  });

  test("duplicate keys at the top level and among components are errors too", () => {
    const leaf = { Leaf: () => ({ render: () => [], handle: () => {} }) };
    assert.throws(
      () =>
        viewHarness(
          () => [comp("Leaf", "{}", { key: "k" }), comp("Leaf", "{}", { key: "k" })],
          leaf,
        ),
      (e: unknown) =>
        e instanceof FxError &&
        e.code === "DUPLICATE_KEY" &&
        e.message.includes('"k"') &&
        e.message.includes("top level"),
    );
  });

  test("malformed views are rejected with the component's name", () => {
    let view: View = [];
    const { h: hh, invalidate } = viewHarness(() => view);
    view = [el("div", {}, 2), text("only one child")];
    invalidate();
    assert.throws(
      () => hh.rt.flushSync(),
      (e: unknown) =>
        e instanceof FxError && e.code === "MALFORMED_VIEW" && e.message.includes('"Root"'),
    );
    view = [
      el("div", {
        attrs: [
          { name: "id", value: "1" },
          { name: "id", value: "2" },
        ],
      }),
    ];
    invalidate();
    assert.throws(
      () => hh.rt.flushSync(),
      (e: unknown) => (e as FxError).code === "DUPLICATE_ATTR",
    );
  });

  test("a render error names the component and keeps the runtime usable", () => {
    let fail = true;
    let host: HostApi | null = null;
    const hh = new Harness(
      {
        R: (hst) => {
          host = hst;
          return {
            render: () => {
              if (fail) throw new Error("boom");
              return [text("ok")];
            },
            handle: () => {},
          };
        },
      },
      "R",
    );
    assert.throws(
      () => hh.rt.startSync(),
      (e: unknown) =>
        e instanceof FxError && e.code === "RENDER_FAILED" && /"R".*boom/.test(e.message),
    );
    fail = false;
    (host as unknown as HostApi).invalidate();
    hh.rt.flushSync();
    assert.equal(hh.html(), "ok");
  });

  test("unknown components are reported with the known names", () => {
    const hh = new Harness({ A: () => ({ render: () => [comp("Nope")], handle: () => {} }) }, "A");
    assert.throws(
      () => hh.rt.startSync(),
      (e: unknown) =>
        e instanceof FxError && e.code === "UNKNOWN_COMPONENT" && e.message.includes("known: A"),
    );
  });
});

describe("async components", () => {
  const slow: Record<string, ComponentFactory> = {
    Slow: () => ({
      render: async (p) => {
        await new Promise((r) => setTimeout(r, 1));
        return flatten(h("p", null, p, { component: "Inner", props: p }));
      },
      handle: async () => {},
    }),
    Inner: () => ({ render: (p) => [text(`/${p}`)], handle: () => {} }),
  };

  test("renders that return promises are awaited by the async methods", async () => {
    const hh = new Harness(
      {
        ...slow,
        Lazy: async () => {
          await new Promise((r) => setTimeout(r, 1));
          return { render: () => [comp("Slow", '"x"')], handle: () => {} };
        },
      } as unknown as Record<string, ComponentFactory>,
      "Lazy",
    );
    await hh.rt.start();
    assert.equal(hh.html(), '<p>"x"/"x"</p>');
  });

  test("the sync methods refuse them", () => {
    const hh = new Harness(slow, "Slow", { props: '"y"' });
    assert.throws(
      () => hh.rt.startSync(),
      (e: unknown) => (e as FxError).code === "ASYNC_IN_SYNC",
    );
  });

  test("async operations run one at a time, in call order", async () => {
    let n = 0;
    let host: HostApi | null = null;
    const hh = new Harness(
      {
        C: (hst) => {
          host = hst;
          return {
            render: async () => {
              await new Promise((r) => setTimeout(r, 1));
              return [text(String(n))];
            },
            handle: () => {},
          };
        },
      },
      "C",
    );
    const started = hh.rt.start();
    const h1 = (async () => {
      await started;
      n = 1;
      (host as unknown as HostApi).invalidate();
      return hh.rt.flush();
    })();
    await Promise.all([started, h1]);
    assert.equal(hh.html(), "1");
    n = 2;
    (host as unknown as HostApi).invalidate();
    const pending = hh.rt.flush();
    assert.throws(
      () => hh.rt.flushSync(),
      (e: unknown) => (e as FxError).code === "BUSY",
    );
    await pending;
    assert.equal(hh.html(), "2");
  });
});

test("node ids and fiber ids are deterministic across runs", () => {
  const make = () =>
    viewHarness(
      () => flatten(h("div", null, h("span", null, "a"), { component: "L", props: "1" })),
      {
        L: (_host, fiberId) => ({ render: () => [text(`fiber ${fiberId}`)], handle: () => {} }),
      },
    ).h;
  const a = make();
  const b = make();
  assert.equal(a.json(), b.json());
  assert.match(a.html(), /fiber 2/);
});

test("an unkeyed sibling after a keyed list keeps its component instance", () => {
  let keys = ["a"];
  let instances = 0;
  const { h: hh, invalidate } = viewHarness(
    () =>
      flatten(
        h("div", null, ...keys.map((k) => h("i", { key: k }, k)), {
          component: "Tail",
          props: "{}",
        }),
      ),
    {
      Tail: () => {
        instances++;
        return { render: () => [text("tail")], handle: () => {} };
      },
    },
  );
  keys = ["b", "a", "c"];
  invalidate();
  hh.rt.flushSync();
  assert.equal(hh.html(), "<div><i>b</i><i>a</i><i>c</i>tail</div>");
  assert.equal(instances, 1);
});

test("removed components are disposed; a failing dispose is reported after the flush", () => {
  let show = ["a", "b"];
  const disposed: string[] = [];
  let root: HostApi | null = null;
  const hh = new Harness(
    {
      Root: (host) => {
        root = host;
        return {
          render: () => show.map((k) => comp("Item", JSON.stringify(k), { key: k })),
          handle: () => {},
        };
      },
      Item: () => {
        let name = "";
        return {
          render: (p) => {
            name = JSON.parse(p) as string;
            return [text(name)];
          },
          handle: () => {},
          dispose: () => {
            disposed.push(name);
            if (name === "b") throw new Error("b would not go");
          },
        };
      },
    },
    "Root",
  );
  hh.rt.startSync();
  show = ["a"];
  (root as unknown as HostApi).invalidate();
  assert.throws(
    () => hh.rt.flushSync(),
    (e: unknown) =>
      e instanceof FxError && e.code === "DISPOSE_FAILED" && /b would not go/.test(e.message),
  );
  // The flush itself completed: the patches were delivered.
  assert.equal(hh.html(), "a");
  assert.deepEqual(disposed, ["b"]);
  hh.rt.dispose();
  assert.deepEqual(disposed, ["b", "a"]);
  assert.throws(
    () => hh.rt.flushSync(),
    (e: unknown) => (e as FxError).code === "DISPOSED",
  );
});
