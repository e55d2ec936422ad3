import assert from "node:assert/strict";
import { test } from "node:test";
import { lis } from "@loop-kit/fx";
import fc from "fast-check";
import { naiveLisLength } from "./helpers.js";

test("lis returns a longest strictly increasing subsequence, skipping negatives", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -1, max: 50 }), { maxLength: 60 }), (seq) => {
      const pos = lis(seq);
      const vals = pos.map((p) => seq[p] as number);
      for (let i = 1; i < pos.length; i++) {
        assert.ok((pos[i] as number) > (pos[i - 1] as number));
        assert.ok((vals[i] as number) > (vals[i - 1] as number));
      }
      assert.ok(vals.every((v) => v >= 0));
      assert.equal(pos.length, naiveLisLength(seq.filter((v) => v >= 0)));
    }),
    { numRuns: 500 },
  );
});

test("lis examples", () => {
  assert.deepEqual(lis([]), []);
  assert.deepEqual(lis([-1, -1]), []);
  assert.deepEqual(lis([0, 1, 2]), [0, 1, 2]);
  assert.equal(lis([3, 2, 1, 0]).length, 1);
  // Swapping two rows of 1,000 leaves 998 in place.
  const swap = Array.from({ length: 1000 }, (_, i) => i);
  swap[1] = 998;
  swap[998] = 1;
  assert.equal(lis(swap).length, 998);
});
