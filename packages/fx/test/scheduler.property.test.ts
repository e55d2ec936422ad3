// Scheduler determinism: the patch stream depends on which fibers were invalidated (and at which
// lane), never on the order the invalidations arrived in.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ComponentFactory, flatten, type HostApi, h, patchToJson } from "@loop-kit/fx";
import fc from "fast-check";
import { Harness } from "./helpers.js";

interface Props {
  readonly depth: number;
  readonly path: string;
  readonly parity: number;
}

const FANOUT = 3;
const DEPTH = 2;

// All component paths of the tree: "r", "r.0", "r.0.1", ...
const PATHS: string[] = [];
(function walk(path: string, depth: number) {
  PATHS.push(path);
  if (depth < DEPTH) for (let i = 0; i < FANOUT; i++) walk(`${path}.${i}`, depth + 1);
})("r", 0);

interface World {
  readonly h: Harness;
  readonly renders: string[];
  bump(path: string): void;
}

// Builds a runtime whose components are a tree of counters. `inputOrder` is what the root's click
// handler bumps (input lane); `timerOrder` are components that each set a 5 ms timer, in that
// order, whose firing bumps them (timer lane).
function world(inputOrder: readonly string[], timerOrder: readonly string[]): World {
  const hosts = new Map<string, HostApi>();
  const counts = new Map<string, number>();
  const renders: string[] = [];
  const bump = (path: string): void => {
    counts.set(path, (counts.get(path) ?? 0) + 1);
    (hosts.get(path) as HostApi).invalidate();
  };
  const Counter: ComponentFactory = (host) => {
    let path = "";
    return {
      render(props) {
        const p = JSON.parse(props) as Props;
        path = p.path;
        hosts.set(path, host);
        const c = counts.get(path) ?? 0;
        renders.push(path);
        const kids =
          p.depth < DEPTH
            ? Array.from({ length: FANOUT }, (_, i) => ({
                component: "Counter",
                key: String(i),
                // Children see only the parity of their parent's count: some parent renders
                // change child props (cascade), some do not (props-equal skip).
                props: JSON.stringify({ depth: p.depth + 1, path: `${path}.${i}`, parity: c % 2 }),
              }))
            : [];
        return flatten(
          h(
            "div",
            { "data-path": path, class: c % 3 === 0 ? "a" : "b" },
            h("button", { on: { click: "click" } }, "go"),
            `${path}=${c}/${p.parity}`,
            ...kids,
          ),
        );
      },
      handle(e) {
        if (e.handler === "click") for (const q of inputOrder) bump(q);
        else if (e.handler === "tick") bump(path);
      },
    };
  };
  const hh = new Harness({ Counter }, "Counter", {
    props: JSON.stringify({ depth: 0, path: "r", parity: 0 }),
  });
  hh.rt.startSync();
  // Timers are armed through each component's host API, in the given order (ids follow it).
  for (const q of timerOrder) (hosts.get(q) as HostApi).setTimeout(5, "tick");
  return { h: hh, renders, bump };
}

function run(
  idle: readonly string[],
  input: readonly string[],
  timers: readonly string[],
): { patches: string; renders: string[]; batches: string[][] } {
  const w = world(input, timers);
  const start = w.h.patches.length;
  const renderStart = w.renders.length;
  const batchStart = w.h.batches.length;
  for (const q of idle) w.bump(q);
  // Click the root's button: its handler bumps `input` at input priority.
  const button = w.h.dom.root.first?.first;
  assert.ok(button);
  assert.equal(w.h.rt.dispatchSync(button.id, "click"), true);
  w.h.rt.advanceSync(10);
  w.h.rt.flushSync();
  return {
    patches: w.h.json(start),
    renders: w.renders.slice(renderStart),
    batches: w.h.batches.slice(batchStart).map((b) => b.map(patchToJson)),
  };
}

// A set of paths and two independent orderings of it.
const twoOrders = fc
  .subarray(PATHS)
  .chain((s) =>
    fc.tuple(
      fc.shuffledSubarray(s, { minLength: s.length }),
      fc.shuffledSubarray(s, { minLength: s.length }),
    ),
  );

test("same invalidations in any order give the same patch stream, byte for byte", () => {
  fc.assert(
    fc.property(twoOrders, twoOrders, twoOrders, ([i1, i2], [n1, n2], [t1, t2]) => {
      const a = run(i1, n1, t1);
      const b = run(i2, n2, t2);
      assert.equal(a.patches, b.patches);
      assert.deepEqual(a.renders, b.renders);
      assert.deepEqual(a.batches, b.batches);
    }),
    { numRuns: 150 },
  );
});

test("each flush renders a fiber at most once, and dirty fibers in tree order within a lane", () => {
  fc.assert(
    fc.property(fc.subarray(PATHS), (input) => {
      const shuffled = [...input].reverse();
      const w = world(shuffled, []);
      const from = w.renders.length;
      const button = w.h.dom.root.first?.first;
      assert.ok(button);
      w.h.rt.dispatchSync(button.id, "click");
      const rendered = w.renders.slice(from);
      assert.equal(new Set(rendered).size, rendered.length, `rendered twice: ${rendered}`);
      // Every bumped component re-rendered (its count is visible), in pre-order.
      for (const q of input) assert.ok(rendered.includes(q), `${q} not rendered`);
      const pre = rendered.map((q) => PATHS.indexOf(q));
      assert.deepEqual(
        pre,
        [...pre].sort((x, y) => x - y),
      );
    }),
    { numRuns: 100 },
  );
});

test("an input flush leaves idle work for a later flush; priority beats tree order", () => {
  const w = world(["r.2.2"], []);
  const from = w.renders.length;
  w.bump("r.0.0"); // idle lane, earlier in tree order than r.2.2
  const button = w.h.dom.root.first?.first;
  assert.ok(button);
  w.h.rt.dispatchSync(button.id, "click"); // the root handler bumps r.2.2 at input lane
  assert.deepEqual(w.renders.slice(from), ["r.2.2"]);
  assert.equal(w.h.rt.hasPendingWork, true);
  assert.match(w.h.html(), /r\.0\.0=0\/0/);
  w.h.rt.flushSync();
  assert.deepEqual(w.renders.slice(from), ["r.2.2", "r.0.0"]);
  assert.match(w.h.html(), /r\.0\.0=1\/0/);
  assert.match(w.h.html(), /r\.2\.2=1\/0/);
});

test("a parent re-render that re-renders a dirty child takes it out of the dirty set", () => {
  const w = world([], []);
  const from = w.renders.length;
  w.bump("r.1"); // child dirty
  w.bump("r"); // parent dirty: count 1 → children get parity 1 → all re-render once
  w.h.rt.flushSync();
  const rendered = w.renders.slice(from);
  assert.equal(rendered.filter((q) => q === "r.1").length, 1);
  assert.equal(rendered[0], "r");
  assert.equal(w.h.rt.hasPendingWork, false);
});
