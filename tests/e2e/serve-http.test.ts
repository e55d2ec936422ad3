// `loop serve FILE` with flags alone: examples/http against a Node upstream on loopback, a
// bounded load run from several keep-alive clients with zero failures, and the one-line error
// for a component that is not an HTTP handler.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  assertNoStackTrace,
  buildExample,
  httpGet,
  lines,
  runLoop,
  type Serving,
  startServe,
  tempDir,
} from "../helpers.js";

let scratch: { dir: string; cleanup: () => Promise<void> };
let httpWasm: string;
let hello: string;
let upstream: http.Server;
let upstreamPort: number;
let closedPort: number;
let upstreamHits = 0;

before(async () => {
  scratch = await tempDir("serve-http");
  httpWasm = await buildExample("http");
  hello = await buildExample("hello");
  upstream = http.createServer((_req, res) => {
    upstreamHits++;
    res.end("hello from upstream\n");
  });
  upstream.listen(0, "127.0.0.1");
  await once(upstream, "listening");
  upstreamPort = (upstream.address() as AddressInfo).port;
  // A port with nothing behind it: the forbidden URL never gets as far as connecting anyway.
  const probe = http.createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  closedPort = (probe.address() as AddressInfo).port;
  probe.close();
});

after(async () => {
  upstream.close();
  await scratch.cleanup();
});

const env = () => ({ LOOP_CACHE_DIR: join(scratch.dir, "cache") });

async function serveHttp(): Promise<Serving> {
  return startServe(
    [
      httpWasm,
      "--allow-host",
      `127.0.0.1:${upstreamPort}`,
      "--config",
      `upstream=http://127.0.0.1:${upstreamPort}/`,
      "--config",
      `forbidden=http://127.0.0.1:${closedPort}/`,
    ],
    { env: env() },
  );
}

async function stop(serving: Serving) {
  serving.running.child.kill("SIGINT");
  const res = await serving.running.result;
  assert.equal(res.code, 0, res.stderr);
  assertNoStackTrace(res.stderr);
  return res;
}

describe("loop serve FILE", () => {
  test("relays the upstream; /forbidden is 502 with the denial logged", async () => {
    const serving = await serveHttp();
    let res: Awaited<ReturnType<typeof stop>> | undefined;
    try {
      const health = await httpGet(`${serving.url}/health`);
      assert.deepEqual(health, { status: 200, body: "ok\n" });
      const relayed = await httpGet(`${serving.url}/`);
      assert.deepEqual(relayed, { status: 200, body: "upstream said: hello from upstream\n" });
      const denied = await httpGet(`${serving.url}/forbidden`);
      assert.equal(denied.status, 502, denied.body);
      assert.ok(denied.body.startsWith(`request to http://127.0.0.1:${closedPort}/ failed: `));
      await serving.running.waitFor("stderr", /denied outgoing HTTP/);
    } finally {
      res = await stop(serving);
    }
    // The component is named after its file; the line says which grant would allow it.
    assert.deepEqual(
      lines(res.stderr).filter((l) => l.includes("loop-host: denied")),
      [
        `[http-example] warn loop-host: denied outgoing HTTP: request to 127.0.0.1:${closedPort}; to allow it, grant hosts = ["127.0.0.1:${closedPort}"] under [components.http-example.grants]`,
      ],
    );
    assert.match(res.stderr, /^loop-host: shutting down; waiting for 0 in-flight request\(s\)$/m);
  });

  test("load: 1,200 requests from 8 keep-alive clients, zero failures", async () => {
    const serving = await serveHttp();
    const clients = 8;
    const perClient = 150;
    const failures: string[] = [];
    let ok = 0;
    const hitsBefore = upstreamHits;
    try {
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
          try {
            for (let i = 0; i < perClient; i++) {
              // Every other request goes through to the upstream.
              const path = i % 2 === 0 ? "/health" : "/";
              const want = path === "/" ? "upstream said: hello from upstream\n" : "ok\n";
              try {
                const res = await httpGet(`${serving.url}${path}`, agent);
                if (res.status === 200 && res.body === want) ok++;
                else failures.push(`client ${c} #${i} ${path}: ${res.status} ${res.body}`);
              } catch (err) {
                failures.push(`client ${c} #${i} ${path}: ${String(err)}`);
              }
            }
          } finally {
            agent.destroy();
          }
        }),
      );
    } finally {
      await stop(serving);
    }
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} failure(s)`);
    assert.equal(ok, clients * perClient);
    assert.equal(upstreamHits - hitsBefore, (clients * perClient) / 2);
  });

  test("a command component cannot be served: one clear line, exit 1", async () => {
    const res = await runLoop(["serve", hello, "--listen", "127.0.0.1:0"], { env: env() });
    assertNoStackTrace(res.stderr);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stdout, "");
    assert.equal(lines(res.stderr).length, 1, res.stderr);
    assert.match(
      res.stderr,
      /^error: hello does not export wasi:http\/incoming-handler, so it cannot be served: it is a command \(it exports wasi:cli\/run\); run it with `loop run`\n$/,
    );
  });

  test("bad --listen values and missing files are one usage line", async () => {
    const bad = await runLoop(["serve", httpWasm, "--listen", "localhost"]);
    assert.equal(bad.code, 2);
    assert.equal(lines(bad.stderr).length, 1, bad.stderr);
    assert.match(bad.stderr, /^loop: option '--listen <ADDR>' argument 'localhost' is invalid/);
    const missing = await runLoop(["serve", "missing.wasm"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^loop: no such file: missing\.wasm$/m);
  });
});
