// Key-value durability: a process writing keys (examples/kv `fill`, which prints `ack I` only
// after write I is committed) is killed with SIGKILL mid-stream, three times at different
// points, on the same store. Each time the store must reopen without error and hold every
// acknowledged key with its value.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  loopHostBin,
  type RunOptions,
  runCommand,
  runLoop,
  startCommand,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let kv: string;
let data: string;

before(async () => {
  scratch = await tempDir("kv-durability");
  kv = await buildExample("kv");
  data = join(scratch.dir, "data");
});

after(() => scratch.cleanup());

function withCache(): RunOptions {
  return { env: { LOOP_CACHE_DIR: join(scratch.dir, "cache") } };
}

/** How many writes `fill`'s complete output lines acknowledge (checked to be 0, 1, 2, ...). */
function acks(stdout: string): number {
  let count = 0;
  for (const line of stdout.split("\n")) {
    const match = /^ack (\d+)$/.exec(line);
    if (!match) continue;
    assert.equal(Number(match[1]), count, `acks out of order at ${line}`);
    count++;
  }
  return count;
}

// The writer is loop-host itself, so SIGKILL hits the process that holds the store (killing
// `loop`, a Node parent, would leave its loop-host child running).
for (const [round, killAfter] of [
  [1, 200],
  [2, 750],
  [3, 1500],
] as const) {
  test(`round ${round}: SIGKILL after ${killAfter} acks keeps every acknowledged write`, async () => {
    const writer = startCommand(
      loopHostBin,
      ["run", "--kv", "default", "--data-dir", data, kv, "fill", "100000"],
      { ...withCache(), timeoutMs: 300_000 },
    );
    await writer.waitFor("stdout", new RegExp(`^ack ${killAfter - 1}$`, "m"));
    writer.child.kill("SIGKILL");
    const killed = await writer.result;
    assert.equal(killed.signal, "SIGKILL", "the writer finished before it was killed");
    // Only lines that ended with a newline were acknowledged in full.
    const complete = killed.stdout.slice(0, killed.stdout.lastIndexOf("\n") + 1);
    const acked = acks(complete);
    assert.ok(acked >= killAfter, `only ${acked} acks`);
    assert.ok(existsSync(join(data, "kv.redb")));

    // The store reopens cleanly (through `loop run` this time) and lists every acked key.
    const list = await runLoop(
      ["run", "--kv", "default", "--data-dir", data, kv, "list"],
      withCache(),
    );
    assertNoStackTrace(list.stderr);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stderr, "", "reopening the store logged something");
    const keys = new Set(list.stdout.split("\n").filter((k) => k !== ""));
    const missing: string[] = [];
    for (let i = 0; i < acked; i++) {
      const key = `key-${String(i).padStart(6, "0")}`;
      if (!keys.has(key)) missing.push(key);
    }
    assert.deepEqual(missing, [], `${missing.length} acknowledged key(s) lost`);

    // And the values are whole: the last acknowledged one reads back.
    const last = acked - 1;
    const get = await runCommand(
      loopHostBin,
      [
        "run",
        "--kv",
        "default",
        "--data-dir",
        data,
        kv,
        "get",
        `key-${String(last).padStart(6, "0")}`,
      ],
      withCache(),
    );
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.stdout, `value-${last}\n`);
  });
}
