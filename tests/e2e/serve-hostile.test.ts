// Hostile requests against `loop serve` (tests/fixtures/http-hostile): an infinite loop, a
// memory bomb and a trap each end their own request with 500 and the documented message, in
// the response and in the host's log, while `/ok` requests keep answering 200 during and
// after. Limits come from flags or from loop.toml. Ctrl-C (SIGINT) lets a slow request in
// flight finish and exits 0.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildGuest,
  type HttpResponse,
  httpGet,
  type Serving,
  startServe,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let hostile: string;

before(async () => {
  scratch = await tempDir("serve-hostile");
  hostile = await buildGuest(join("tests", "fixtures", "http-hostile"));
});

after(() => scratch.cleanup());

const env = () => ({ LOOP_CACHE_DIR: join(scratch.dir, "cache") });

async function stop(serving: Serving) {
  serving.running.child.kill("SIGINT");
  const res = await serving.running.result;
  assert.equal(res.code, 0, res.stderr);
  assertNoStackTrace(res.stderr);
  return res;
}

/** The documented message of each hostile route, in the 500 body and in the log line. */
const EXPECTED: Record<string, RegExp> = {
  "/spin": /http-hostile ran longer than its time limit of 1s and was stopped \(--timeout\)/,
  "/bomb":
    /http-hostile tried to grow its memory to [\d.]+ MiB, past its limit of 64 MiB \(--max-memory\)/,
  "/trap": /http-hostile trapped: wasm trap: wasm `unreachable` instruction executed/,
};

/**
 * Sends each hostile request twice, all at once, while 4 clients keep asking for /ok (a
 * bounded number of times) until the hostile ones are answered; then checks every answer,
 * the host's log, and that /ok still works afterwards.
 */
async function hostileRound(serving: Serving): Promise<void> {
  let hostileDone = false;
  let okBeforeHostileDone = 0;
  const okFailures: string[] = [];
  const hostileRequests = Object.keys(EXPECTED).flatMap((path) => [path, path]);
  const hostileAnswers = Promise.all(
    hostileRequests.map(async (path) => ({ path, res: await httpGet(`${serving.url}${path}`) })),
  ).finally(() => {
    hostileDone = true;
  });
  const okClients = Array.from({ length: 4 }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 5_000 && !hostileDone; i++) {
        const res: HttpResponse = await httpGet(`${serving.url}/ok`, agent);
        if (res.status !== 200 || res.body !== "ok\n") okFailures.push(`${res.status} ${res.body}`);
        else if (!hostileDone) okBeforeHostileDone++;
      }
    } finally {
      agent.destroy();
    }
  });
  const answers = await hostileAnswers;
  await Promise.all(okClients);

  for (const { path, res } of answers) {
    assert.equal(res.status, 500, `${path}: ${res.body}`);
    const expected = EXPECTED[path] as RegExp;
    assert.match(res.body, new RegExp(`^500 internal error: ${expected.source}\n$`), path);
  }
  assert.deepEqual(okFailures, []);
  assert.ok(okBeforeHostileDone > 0, "no /ok request was answered while the hostile ones ran");
  // And after.
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(await httpGet(`${serving.url}/ok`), { status: 200, body: "ok\n" });
  }
  for (const path of Object.keys(EXPECTED)) {
    const expected = EXPECTED[path] as RegExp;
    const line = new RegExp(
      `^\\[http-hostile\\] error loop-host: request GET ${path} failed: ${expected.source}$`,
      "m",
    );
    assert.match(serving.running.output().stderr, line);
  }
}

describe("hostile requests", () => {
  test("limits from flags: each hostile request is 500, /ok keeps answering", async () => {
    const serving = await startServe([hostile, "--timeout", "1s", "--max-memory", "64MiB"], {
      env: env(),
    });
    try {
      await hostileRound(serving);
    } finally {
      await stop(serving);
    }
  });

  test("limits from loop.toml (memory, cpu-time) do the same", async () => {
    const dir = join(scratch.dir, "app");
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, "loop.toml"),
      `[components.http-hostile]\npath = ${JSON.stringify(hostile)}\n\n[components.http-hostile.limits]\nmemory = "64MiB"\ncpu-time = "1s"\ninstances = 16\n`,
    );
    const serving = await startServe([], { cwd: dir, env: env() });
    try {
      await hostileRound(serving);
    } finally {
      await stop(serving);
    }
  });

  test("unknown routes are the guest's own 404, not an error", async () => {
    const serving = await startServe([hostile], { env: env() });
    try {
      assert.deepEqual(await httpGet(`${serving.url}/nope`), {
        status: 404,
        body: "no such page\n",
      });
    } finally {
      await stop(serving);
    }
  });
});

describe("shutdown", () => {
  test("SIGINT lets the slow request in flight finish with 200, then exits 0", async () => {
    const serving = await startServe([hostile], { env: env() });
    const slow = httpGet(`${serving.url}/slow`);
    // The guest says when it has the request; only then is it in flight for sure.
    await serving.running.waitFor("stderr", /^slow request started$/m);
    serving.running.child.kill("SIGINT");
    await serving.running.waitFor("stderr", /shutting down; waiting for 1 in-flight request/);
    // No new connections once it is shutting down.
    await assert.rejects(httpGet(`${serving.url}/ok`), /ECONNREFUSED/);
    assert.deepEqual(await slow, { status: 200, body: "slow done\n" });
    const res = await serving.running.result;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.signal, null);
    assertNoStackTrace(res.stderr);
  });

  test("SIGTERM with nothing in flight exits 0 at once", async () => {
    const serving = await startServe([hostile], { env: env() });
    assert.deepEqual(await httpGet(`${serving.url}/ok`), { status: 200, body: "ok\n" });
    serving.running.child.kill("SIGTERM");
    const res = await serving.running.result;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /waiting for 0 in-flight request\(s\)/);
  });
});
