// ControlClient against the real loop-host (`loop-host control`), with the Rust fixtures.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  ControlClient,
  type ControlClientOptions,
  ControlError,
  type ControlEvent,
  formatLogEvent,
  type Policy,
  untrustedPolicy,
} from "@loop-kit/host-client";
import { buildFixture } from "./control-helpers.js";

let library: string;
let counter: string;
let trap: string;
let hello: string;
let spin: string;
let scratch: string;
const clients: ControlClient[] = [];

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "host-client-control-"));
  [library, counter, trap, hello, spin] = await Promise.all([
    buildFixture("tests/fixtures/library"),
    buildFixture("examples/counter-rs"),
    buildFixture("tests/fixtures/trap"),
    buildFixture("examples/hello"),
    buildFixture("tests/fixtures/spin"),
  ]);
});

after(async () => {
  for (const c of clients) c.kill();
  await rm(scratch, { recursive: true, force: true });
});

/** A client with its own compile cache and stderr captured. */
function client(options: ControlClientOptions = {}): ControlClient {
  const c = new ControlClient({
    stderr: "capture",
    cacheDir: join(scratch, "cache"),
    ...options,
  });
  clients.push(c);
  return c;
}

function policy(name: string, limits: Partial<Policy["limits"]> = {}): Policy {
  const base = untrustedPolicy(name);
  return { ...base, limits: { ...base.limits, ...limits } };
}

function isControlError(kind: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ControlError, `expected a ControlError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe("requests", () => {
  test("hello answers the protocol version and the ops", async () => {
    const c = client();
    const hello = await c.hello();
    assert.equal(hello.protocol, 1);
    assert.ok(hello.ops.includes("call"));
    assert.match(hello["loop-host"], /^\d+\.\d+\.\d+/);
    assert.deepEqual(await c.shutdown(), { code: 0, signal: null });
  });

  test("load, instantiate, call with values, drop, unload", async () => {
    const c = client();
    const loaded = await c.load(library, { name: "greeter" });
    assert.equal(loaded.name, "greeter");
    assert.ok(loaded.exports.some((e) => e.startsWith("loop-test:library/greeter")));
    const instance = await c.instantiate(loaded.component);
    assert.equal(await c.call(instance, "loop-test:library/greeter#greet", ["ada"]), "hello, ada");
    // Without the interface version, and with unicode crossing the frames intact.
    assert.equal(
      await c.call(instance, "loop-test:library/greeter#greet", ["Zoë ✓"]),
      "hello, Zoë ✓",
    );
    await c.drop(instance);
    await assert.rejects(
      c.call(instance, "loop-test:library/greeter#greet", ["x"]),
      isControlError("not-found"),
    );
    await c.unload(loaded.component);
    await assert.rejects(c.instantiate(loaded.component), isControlError("not-found"));
    await c.shutdown();
  });

  test("requests sent together are answered in order, each to its own promise", async () => {
    const c = client();
    const { component } = await c.load(library);
    const instance = await c.instantiate(component);
    const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
    const answers = await Promise.all(
      names.map((n) => c.call<string>(instance, "loop-test:library/greeter#greet", [n])),
    );
    assert.deepEqual(
      answers,
      names.map((n) => `hello, ${n}`),
    );
    // A big argument spans many pipe chunks both ways.
    const big = "x".repeat(3 << 20);
    assert.equal(await c.call(instance, "loop-test:library/greeter#greet", [big]), `hello, ${big}`);
    await c.shutdown();
  });

  test("errors are typed: bad-request, not-found, load", async () => {
    const c = client();
    const { component } = await c.load(library);
    const instance = await c.instantiate(component);
    await assert.rejects(
      c.call(instance, "loop-test:library/greeter#greet", [42]),
      isControlError("bad-request", /string/),
    );
    await assert.rejects(
      c.call(instance, "loop-test:library/greeter#greet", []),
      isControlError("bad-request", /takes 1 argument/),
    );
    await assert.rejects(
      c.call(instance, "loop-test:library/greeter#nope", []),
      isControlError("not-found", /nope/),
    );
    await assert.rejects(c.load(join(scratch, "missing.wasm")), isControlError("load"));
    await assert.rejects(c.request("frobnicate"), isControlError("bad-request", /unknown op/));
    await assert.rejects(c.request("set-time", { ms: -1 }), isControlError("bad-request"));
    // The session is still usable after errors.
    assert.equal(await c.call(instance, "loop-test:library/greeter#greet", ["ok"]), "hello, ok");
    await c.shutdown();
  });

  test("a trap is kind trap with a backtrace; the instance is then dead", async () => {
    const c = client();
    const { component } = await c.load(trap);
    const instance = await c.instantiate(component);
    await assert.rejects(c.call(instance, "wasi:cli/run#run", []), (err: unknown) => {
      assert.ok(err instanceof ControlError);
      assert.equal(err.kind, "trap");
      assert.equal(err.op, "call");
      assert.match(err.message, /trap/);
      assert.match(err.backtrace ?? "", /frame/);
      return true;
    });
    await assert.rejects(c.call(instance, "wasi:cli/run#run", []), isControlError("dead"));
    await c.shutdown();
    // Guest stdout goes to loop-host's stderr, which was captured.
    assert.match(c.stderr, /about to trap/);
  });

  test("a call over the policy's timeout is kind timeout", async () => {
    const c = client();
    const { component } = await c.load(spin, { policy: policy("spin", { timeout: "200ms" }) });
    const instance = await c.instantiate(component);
    await assert.rejects(
      c.call(instance, "wasi:cli/run#run", []),
      isControlError("timeout", /spin/),
    );
    await c.shutdown();
  });

  test("stderr can be handed to a function as it arrives", async () => {
    let seen = "";
    const c = client({
      stderr: (text) => {
        seen += text;
      },
    });
    const { component } = await c.load(hello);
    await c.call(await c.instantiate(component), "wasi:cli/run#run", []);
    await c.shutdown();
    assert.match(seen, /hello from a Rust component/);
    assert.equal(c.stderr, "");
  });
});

describe("events", () => {
  test("fx imports arrive as events before the call's answer", async () => {
    const events: ControlEvent[] = [];
    const c = client({ onEvent: (e) => events.push(e) });
    const { component, world } = await c.load(counter);
    assert.equal(world, "loop:fx/app");
    const instance = await c.instantiate(component);
    await c.call(instance, "loop:fx/component#handle", [{ handler: "inc", payload: "" }]);
    assert.deepEqual(events, [{ event: "invalidate", instance }]);
    const view = await c.call<{ tag: string }[]>(instance, "loop:fx/component#render", ["{}"]);
    assert.ok(view.some((n) => n.tag === "text"));
    await c.shutdown();
  });

  test("guest log lines are log events; subscribe and unsubscribe", async () => {
    const c = client({ log: "info" });
    const logs: string[] = [];
    const stop = c.subscribe((e) => {
      if (e.event === "log") logs.push(formatLogEvent(e));
    });
    const { component } = await c.load(hello, { name: "hi" });
    await c.call(await c.instantiate(component), "wasi:cli/run#run", []);
    assert.deepEqual(logs, ["[hi] info: greeted with 0 argument(s)\n"]);
    stop();
    await c.call(await c.instantiate(component), "wasi:cli/run#run", []);
    assert.equal(logs.length, 1);
    await c.shutdown();
  });

  test("a listener that throws fails the request its events belong to", async () => {
    const c = client({
      onEvent: () => {
        throw new Error("listener broke");
      },
    });
    const { component } = await c.load(counter);
    const instance = await c.instantiate(component);
    await assert.rejects(
      c.call(instance, "loop:fx/component#handle", [{ handler: "inc", payload: "" }]),
      /listener broke/,
    );
    // The next request is unaffected.
    assert.ok(Array.isArray(await c.call(instance, "loop:fx/component#render", ["{}"])));
    await c.shutdown();
  });
});

describe("life cycle", () => {
  test("if loop-host dies, pending and later requests reject with kind exited", async () => {
    const c = client();
    const { component } = await c.load(spin);
    const instance = await c.instantiate(component);
    const pending = c.call(instance, "wasi:cli/run#run", []);
    const queued = c.hello();
    setTimeout(() => c.kill("SIGKILL"), 100);
    await assert.rejects(pending, isControlError("exited", /killed by SIGKILL.*`call`/));
    await assert.rejects(queued, isControlError("exited", /`hello`/));
    await assert.rejects(c.hello(), isControlError("exited"));
    assert.deepEqual(c.exited, { code: null, signal: "SIGKILL" });
    assert.deepEqual(await c.shutdown(), { code: null, signal: "SIGKILL" });
  });

  test("shutdown is clean and idempotent; requests after it reject", async () => {
    const c = client();
    await c.hello();
    const [a, b] = await Promise.all([c.shutdown(), c.shutdown()]);
    assert.deepEqual(a, { code: 0, signal: null });
    assert.equal(a, b);
    await assert.rejects(c.hello(), isControlError("exited", /status 0/));
  });

  test("the exit error carries loop-host's last stderr line when captured", async () => {
    // An unknown option: loop-host prints a usage error and exits 2 at once.
    const c = client({ log: "loud" as never });
    await assert.rejects(c.hello(), (err: unknown) => {
      assert.ok(err instanceof ControlError);
      assert.equal(err.kind, "exited");
      assert.match(err.message, /exited with status 2 before answering `hello`: error: .*loud/);
      return true;
    });
  });

  test("a binary that cannot be started is LoopHostNotFoundError", async () => {
    const c = new ControlClient({ bin: join(scratch, "no-such-loop-host") });
    await assert.rejects(c.hello(), { name: "LoopHostNotFoundError" });
    await c.shutdown();
  });
});
