import assert from "node:assert/strict";
import { test } from "node:test";
import {
  comp,
  el,
  FxError,
  flatten,
  h,
  text,
  type View,
  validateView,
  viewFromWit,
  viewToWit,
} from "@loop-kit/fx";

test("flatten writes nested trees as a pre-order list with child counts", () => {
  const v = flatten(
    h("ul", { key: "l", class: "c" }, h("li", null, "a"), "b", {
      component: "C",
      key: "k",
      props: "1",
    }),
  );
  assert.deepEqual(v, [
    el("ul", { key: "l", attrs: { class: "c" } }, 3),
    el("li", {}, 1),
    text("a"),
    text("b"),
    comp("C", "1", { key: "k" }),
  ]);
});

test("h treats true as an empty attribute and drops false/null", () => {
  const [n] = flatten(h("input", { disabled: true, hidden: false, value: null, name: "x" }));
  assert.deepEqual(n?.kind === "element" ? n.attrs : null, [
    { name: "disabled", value: "" },
    { name: "name", value: "x" },
  ]);
});

test("views round-trip through jco's variant shape", () => {
  const v: View = flatten(
    h("a", { key: "1", href: "/", on: { click: "go" } }, "x", { component: "C", props: "{}" }),
  );
  assert.deepEqual(viewFromWit(viewToWit(v)), v);
  assert.deepEqual(viewToWit([text("t")]), [{ tag: "text", val: "t" }]);
});

test("validateView accepts well-formed views and names what is wrong otherwise", () => {
  validateView([el("p", {}, 1), text("x"), el("p", { key: "a" }), el("p", { key: "b" })], "A");
  // Nested views: one tree each, keys counted among the siblings where they stand.
  validateView([el("ul", {}, 2), [el("li", { key: "a" }, 1), [text("A")]], [[el("li")]]], "A");
  const bad: [View, string][] = [
    [[el("ul", {}, 1), []], "MALFORMED_VIEW"],
    [[el("ul", {}, 1), [el("li"), el("li")]], "MALFORMED_VIEW"],
    [[el("ul", {}, 1), [el("li", {}, 1)]], "MALFORMED_VIEW"],
    [[el("ul", {}, 2), [el("li", { key: "a" })], el("li", { key: "a" })], "DUPLICATE_KEY"],
    [[el("p", {}, 1)], "MALFORMED_VIEW"],
    [[{ kind: "nope" } as unknown as View[number]], "MALFORMED_VIEW"],
    [[el("p", {}, -1)], "MALFORMED_VIEW"],
    [[el("p", { key: "a" }), el("p", { key: "a" })], "DUPLICATE_KEY"],
    [
      [
        el("p", {
          on: [
            { event: "click", handler: "a" },
            { event: "click", handler: "b" },
          ],
        }),
      ],
      "DUPLICATE_LISTENER",
    ],
    [
      [{ kind: "component", component: "C", props: 1, listeners: [] } as unknown as View[number]],
      "MALFORMED_VIEW",
    ],
  ];
  for (const [v, code] of bad)
    assert.throws(
      () => validateView(v, "A"),
      (e: unknown) => e instanceof FxError && e.code === code,
      JSON.stringify(v),
    );
});
