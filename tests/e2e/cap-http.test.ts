// Outgoing HTTP and config, through examples/http served from a loop.toml (no FILE): the
// manifest allows one upstream (a Node server on loopback) and serves its URL as a config
// value. `/` reaches it; `/forbidden` names a second live server that the manifest does not
// allow: the guest gets wasi:http's own error (502 from the example), the host logs one line
// naming the component, "outgoing HTTP" and the `hosts = [...]` grant, and the second server
// never sees a request.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  httpGet,
  lines,
  repoRoot,
  type Serving,
  startServe,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let upstream: http.Server;
let forbidden: http.Server;
let forbiddenHits = 0;
let upstreamPort: number;
let forbiddenPort: number;

async function listen(server: http.Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

before(async () => {
  scratch = await tempDir("cap-http");
  await buildExample("http");
  upstream = http.createServer((_req, res) => res.end("hello from upstream\n"));
  forbidden = http.createServer((_req, res) => {
    forbiddenHits++;
    res.end("this should never be seen\n");
  });
  upstreamPort = await listen(upstream);
  forbiddenPort = await listen(forbidden);
});

after(async () => {
  upstream.close();
  forbidden.close();
  await scratch.cleanup();
});

let folders = 0;
/** A folder with a loop.toml serving examples/http from source with these grants. */
async function httpApp(grants: string): Promise<string> {
  const dir = join(scratch.dir, `app-${++folders}`);
  await mkdir(dir, { recursive: true });
  const source = JSON.stringify(join(repoRoot, "examples", "http"));
  await writeFile(
    join(dir, "loop.toml"),
    `[components.http]\nsource = ${source}\n\n[components.http.grants]\n${grants}\n`,
  );
  return dir;
}

async function serveIn(dir: string): Promise<Serving> {
  return startServe([], { cwd: dir, env: { LOOP_CACHE_DIR: join(scratch.dir, "cache") } });
}

async function stop(serving: Serving) {
  serving.running.child.kill("SIGINT");
  const res = await serving.running.result;
  assert.equal(res.code, 0, res.stderr);
  assertNoStackTrace(res.stderr);
  return res;
}

describe("loop serve with loop.toml grants", () => {
  test("an allowed host is reached; one not on the list is denied and logged", async () => {
    const dir = await httpApp(
      `hosts = ["127.0.0.1:${upstreamPort}"]\nconfig = { upstream = "http://127.0.0.1:${upstreamPort}/", forbidden = "http://127.0.0.1:${forbiddenPort}/" }`,
    );
    const serving = await serveIn(dir);
    try {
      const ok = await httpGet(`${serving.url}/`);
      assert.equal(ok.status, 200, ok.body);
      assert.equal(ok.body, "upstream said: hello from upstream\n");

      const denied = await httpGet(`${serving.url}/forbidden`);
      assert.equal(denied.status, 502, denied.body);
      // The guest's error is wasi:http's own (which one wstd reports first varies: the denied
      // response, or the request body's stream closing because of it).
      assert.ok(
        denied.body.startsWith(`request to http://127.0.0.1:${forbiddenPort}/ failed: `),
        denied.body,
      );
      await serving.running.waitFor("stderr", /denied outgoing HTTP/);
      assert.equal(forbiddenHits, 0, "the forbidden server was reached");

      // The server is still fine.
      const again = await httpGet(`${serving.url}/`);
      assert.equal(again.status, 200);
    } finally {
      const res = await stop(serving);
      const denials = lines(res.stderr).filter((l) => l.includes("loop-host: denied"));
      assert.deepEqual(denials, [
        `[http] warn loop-host: denied outgoing HTTP: request to 127.0.0.1:${forbiddenPort}; to allow it, grant hosts = ["127.0.0.1:${forbiddenPort}"] under [components.http.grants]`,
      ]);
    }
  });

  test("no hosts granted: even the upstream is denied", async () => {
    const dir = await httpApp(`config = { upstream = "http://127.0.0.1:${upstreamPort}/" }`);
    const serving = await serveIn(dir);
    try {
      const res = await httpGet(`${serving.url}/`);
      assert.equal(res.status, 502, res.body);
      await serving.running.waitFor(
        "stderr",
        new RegExp(`grant hosts = \\["127\\.0\\.0\\.1:${upstreamPort}"\\]`),
      );
    } finally {
      await stop(serving);
    }
  });

  test("config values are what the guest sees; an ungranted one is simply not there", async () => {
    const dir = await httpApp(`hosts = ["127.0.0.1"]`);
    const serving = await serveIn(dir);
    try {
      const res = await httpGet(`${serving.url}/`);
      assert.equal(res.status, 500, res.body);
      assert.equal(res.body, "config value `upstream` is not set\n");
    } finally {
      await stop(serving);
    }
    // A host without a port allows every port of it.
    const withConfig = await httpApp(
      `hosts = ["127.0.0.1"]\nconfig = { upstream = "http://127.0.0.1:${upstreamPort}/" }`,
    );
    const again = await serveIn(withConfig);
    try {
      const res = await httpGet(`${again.url}/`);
      assert.equal(res.status, 200, res.body);
      assert.equal(res.body, "upstream said: hello from upstream\n");
    } finally {
      await stop(again);
    }
  });
});
