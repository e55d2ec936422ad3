import assert from "node:assert/strict";
import { test } from "node:test";
import {
  escapeAttr,
  escapeText,
  FxError,
  flatten,
  HeadlessDom,
  h,
  type Patch,
  patchesToJsonLines,
  patchFromJson,
  patchToJson,
} from "@loop-kit/fx";
import fc from "fast-check";
import { viewHarness } from "./helpers.js";

test("text and attribute values are escaped; attribute order is the view's", () => {
  const { h: hh } = viewHarness(() =>
    flatten(
      h(
        "div",
        { title: 'say "hi" & <bye>', "data-z": "z", class: "a&b" },
        "1 < 2 && 3 > 2",
        h("br"),
        "&amp; stays literal",
      ),
    ),
  );
  assert.equal(
    hh.html(),
    '<div title="say &quot;hi&quot; &amp; &lt;bye&gt;" data-z="z" class="a&amp;b">1 &lt; 2 &amp;&amp; 3 &gt; 2<br>&amp;amp; stays literal</div>',
  );
});

test("escaping is total: no raw special characters survive", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      assert.ok(!/[<>]/.test(escapeText(s)));
      assert.ok(!/[<>"]/.test(escapeAttr(s)));
      // Every & starts an entity we wrote.
      assert.ok(!/&(?!amp;|lt;|gt;|quot;)/.test(escapeAttr(s)));
      const back = escapeAttr(s)
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&");
      assert.equal(back, s);
    }),
  );
});

test("names that cannot be printed safely are refused, not escaped", () => {
  const bad = [
    [{ op: "create-element", id: 1, tag: "x y", attrs: [] }],
    [{ op: "create-element", id: 1, tag: "p", attrs: [{ name: 'a"b', value: "" }] }],
    [{ op: "create-element", id: 1, tag: "p", attrs: [{ name: "on>", value: "" }] }],
  ] as Patch[][];
  for (const ps of bad) {
    const dom = new HeadlessDom();
    dom.apply([...ps, { op: "insert", parent: 0, id: 1, before: null }]);
    assert.throws(
      () => dom.toHtml(),
      (e: unknown) => (e as FxError).code === "INVALID_NAME",
    );
  }
});

test("inconsistent patches fail loudly", () => {
  const base: Patch[] = [
    { op: "create-element", id: 1, tag: "ul", attrs: [] },
    { op: "create-text", id: 2, text: "t" },
    { op: "insert", parent: 0, id: 1, before: null },
    { op: "insert", parent: 1, id: 2, before: null },
  ];
  const wrong: [Patch, RegExp][] = [
    [{ op: "create-text", id: 2, text: "again" }, /already in use/],
    [{ op: "insert", parent: 0, id: 2, before: null }, /already attached/],
    [{ op: "move", parent: 0, id: 2, before: null }, /not a child/],
    [{ op: "remove", parent: 1, id: 9 }, /no live node 9/],
    [{ op: "set-text", id: 1, text: "x" }, /not a text node/],
    [{ op: "set-attr", id: 2, name: "a", value: "b" }, /not an element/],
    [{ op: "unlisten", id: 1, event: "click" }, /not listening/],
  ];
  for (const [p, re] of wrong) {
    const dom = new HeadlessDom();
    dom.apply(base);
    assert.throws(
      () => dom.applyOne(p),
      (e: unknown) => e instanceof FxError && e.code === "BAD_PATCH" && re.test(e.message),
    );
  }
  const dom = new HeadlessDom();
  dom.apply(base);
  dom.applyOne({ op: "remove", parent: 0, id: 1 });
  assert.equal(dom.node(2), undefined, "removing a node forgets its subtree");
  assert.equal(dom.size, 1);
});

test("patches round-trip through JSON lines", () => {
  const ps: Patch[] = [
    { op: "create-element", id: 1, tag: "a", attrs: [{ name: "href", value: '"x"' }] },
    { op: "create-text", id: 2, text: "línea\n2" },
    { op: "set-attr", id: 1, name: "class", value: "" },
    { op: "remove-attr", id: 1, name: "class" },
    { op: "set-text", id: 2, text: "" },
    { op: "insert", parent: 1, id: 2, before: null },
    { op: "move", parent: 0, id: 1, before: 7 },
    { op: "remove", parent: 0, id: 1 },
    { op: "listen", id: 1, event: "click" },
    { op: "unlisten", id: 1, event: "click" },
  ];
  const lines = patchesToJsonLines(ps).trimEnd().split("\n");
  assert.equal(lines.length, ps.length);
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i] as Patch;
    assert.deepEqual(patchFromJson(lines[i] as string), p);
    assert.deepEqual(JSON.parse(patchToJson(p)).op, p.op);
  }
  assert.throws(() => patchFromJson('{"op":"explode","id":1}'), /unknown op/);
});
