// `loop dev` on an HTTP component (examples/http, prebuilt, named by a loop.toml in a scratch
// app): it is served on loopback through `loop-host serve --control`, and under a steady,
// bounded load (four clients, one request in flight each) the component is replaced on disk ten
// times; each replacement is swapped in without a restart (generation 1..10, the same server
// process) and every request gets its answer.
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  type HttpResponse,
  httpGet,
  tempDir,
  withCustomSection,
} from "../helpers.js";
import { type Dev, eventsOf, startDev } from "./dev-helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let wasm: string;

before(async () => {
  scratch = await tempDir("dev-serve");
  wasm = await buildExample("http");
});

after(() => scratch?.cleanup());

/** One GET through `agent`; a transport error becomes status 0 with the error's message. */
function get(url: string, agent: http.Agent): Promise<HttpResponse> {
  return httpGet(url, agent).catch((e: Error) => ({ status: 0, body: e.message }));
}

test("10 swaps under a steady load on loopback: every request is answered", {
  timeout: 600_000,
}, async () => {
  const app = join(scratch.dir, "app");
  await mkdir(app);
  await copyFile(wasm, join(app, "http.wasm"));
  await writeFile(join(app, "loop.toml"), '[components.http]\npath = "http.wasm"\n');
  const original = await readFile(wasm);

  const dev: Dev = startDev(["--listen", "127.0.0.1:0"], {
    cwd: app,
    env: { LOOP_CACHE_DIR: join(scratch.dir, "cache") },
  });
  try {
    const ready = await dev.next((e) => e.event === "ready");
    assert.equal(ready.world, "http");
    const url = `${String(ready.url)}/health`;

    // The load: four clients, each sending its next request when the last one is answered.
    const answers: HttpResponse[] = [];
    let stopping = false;
    const client = async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (!stopping) answers.push(await get(url, agent));
      agent.destroy();
    };
    const clients = [client(), client(), client(), client()];
    const answered = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => (answers.length >= n ? resolve() : setTimeout(check, 5));
        check();
      });

    let lastSwap: Record<string, unknown> | undefined;
    for (let i = 1; i <= 10; i++) {
      await answered(answers.length + 20);
      const from = dev.events.length;
      const next = join(app, "http.wasm.next");
      await writeFile(next, withCustomSection(original, "loop-dev-test", `version ${i}`));
      await rename(next, join(app, "http.wasm"));
      const swap = await dev.next((e) => e.event === "swap" || e.event === "error", from);
      assert.equal(swap.event, "swap", JSON.stringify(swap));
      assert.equal(swap.generation, i);
      lastSwap = swap;
    }
    // New bytes, the same code: the last swap (the background warm-up long done) compiled
    // nothing; all its functions' code came from the earlier versions (before the Cranelift
    // patch in patches/, 25-60 functions of a component this size missed at random). Its
    // wasm functions came from Wasmtime's function memo, without being translated again (only
    // trampolines go through Cranelift's cache).
    const functions = lastSwap?.functions as
      | { reused: number; untranslated: number; compiled: number }
      | undefined;
    assert.ok(functions !== undefined, JSON.stringify(lastSwap));
    assert.ok(functions.reused > 100, JSON.stringify(functions));
    assert.ok(functions.untranslated > 100, JSON.stringify(functions));
    assert.ok(functions.untranslated <= functions.reused, JSON.stringify(functions));
    assert.equal(functions.compiled, 0, JSON.stringify(functions));
    await answered(answers.length + 20);
    stopping = true;
    await Promise.all(clients);

    const bad = answers.filter((a) => a.status !== 200 || a.body !== "ok\n");
    assert.deepEqual(bad, [], `${bad.length} of ${answers.length} requests failed`);
    assert.ok(answers.length >= 220, `${answers.length} requests`);
    assert.equal(eventsOf(dev, "ready").length, 1, "served by one loop-host all along");
    assert.equal(eventsOf(dev, "exit").length, 0);
    assert.equal(eventsOf(dev, "error").length, 0);
  } finally {
    assert.equal(await dev.stop(), 0);
  }
  assertNoStackTrace(dev.stderr());
});
