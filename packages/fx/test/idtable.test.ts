import assert from "node:assert/strict";
import { test } from "node:test";
import { IdTable, type Patch, PatchBatch } from "@loop-kit/fx";
import fc from "fast-check";

test("IdTable behaves like a Map under increasing ids, deletes, range deletes and stragglers", () => {
  // Ops: add the next id (ids grow, sometimes jumping far), delete a random live id, or look one
  // up. Long runs of deletes leave sparse chunks, which must keep working via the overflow map.
  const op = fc.oneof(
    fc.record({ t: fc.constant("add" as const), jump: fc.oneof(fc.constant(1), fc.nat(3000)) }),
    fc.record({ t: fc.constant("del" as const), pick: fc.nat() }),
    fc.record({ t: fc.constant("get" as const), pick: fc.nat() }),
    fc.record({ t: fc.constant("range" as const), pick: fc.nat(), len: fc.nat(2500) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
      const table = new IdTable<string>();
      const ref = new Map<number, string>();
      let next = 0;
      for (const o of ops) {
        if (o.t === "add") {
          next += o.jump;
          table.set(next, `v${next}`);
          ref.set(next, `v${next}`);
        } else {
          const keys = [...ref.keys()];
          if (keys.length === 0) continue;
          const id = keys[o.pick % keys.length] as number;
          if (o.t === "range") {
            // From a live id: within one chunk, across chunks, over evicted ones.
            table.deleteRange(id, id + o.len);
            for (const k of keys) if (k >= id && k < id + o.len) ref.delete(k);
            continue;
          }
          if (o.t === "del") {
            table.delete(id);
            ref.delete(id);
          } else assert.equal(table.get(id), ref.get(id));
        }
      }
      assert.equal(table.size, ref.size);
      for (const [id, v] of ref) assert.equal(table.get(id), v);
      for (let id = 0; id <= next; id += 97) assert.equal(table.get(id), ref.get(id));
    }),
    { numRuns: 60 },
  );
});

test("PatchBatch round-trips patch objects, across operand chunk boundaries", () => {
  const ps: Patch[] = [];
  for (let i = 1; i <= 5000; i++) {
    ps.push({ op: "create-element", id: i, tag: "li", attrs: [{ name: "n", value: String(i) }] });
    ps.push({ op: "insert", parent: 0, id: i, before: i % 3 === 0 ? null : i - 1 });
    if (i % 7 === 0) ps.push({ op: "listen", id: i, event: "click" });
  }
  const b = PatchBatch.from(ps);
  assert.equal(b.length, ps.length);
  assert.deepEqual(b.toArray(), ps);
  assert.deepEqual([...b], ps);
  assert.equal(b.toJsonLines().split("\n").length, ps.length + 1);
});
