import { closeSync, openSync, writeSync } from "node:fs";
import { FxSession } from "@loop-kit/dom/session";
import {
  HeadlessDom,
  type HNode,
  type LogEntry,
  logEntryToJson,
  patchesToJsonLines,
  patchToJson,
  ROOT_ID,
  TEXT_TAG,
} from "@loop-kit/fx";
import {
  ControlClient,
  ControlError,
  type ControlLogLevel,
  type FxComponentResolver,
  formatLogEvent,
  loopHostDriver,
} from "@loop-kit/host-client";
import { CliError } from "./errors.js";
import {
  type FxApp,
  type FxRunOptions,
  fileResolver,
  fxFailure,
  manifestResolver,
  readEventLog,
} from "./fx-run.js";
import { policyArgs } from "./policy.js";
import { type Peer, parseListen, startLiveServer } from "./web-server.js";

// Live mode: `loop run --ui web`. The components run in `loop-host control` and the reconciler
// here, exactly as headless (fx-run.ts); the patches go to a page over a WebSocket instead of
// (as well as) a headless tree, and DOM events come back from it. The headless tree is kept as
// the current state: a page that connects (or reconnects, or reloads) is sent it as patches, so
// it shows the app as it is now. Time is the wall clock (FxSession): a recorded log carries it,
// and replays the same anywhere (headless, in-browser, here with --events).

/** Default address of the live page. */
export const DEFAULT_LISTEN = "127.0.0.1:7280";

/** The patches that build `dom`'s current tree from nothing, as JSON lines. */
export function treeAsPatches(dom: HeadlessDom): string {
  let out = "";
  const put = (line: string) => {
    out += `${line}\n`;
  };
  const build = (n: HNode): void => {
    if (n.tag === TEXT_TAG) {
      put(patchToJson({ op: "create-text", id: n.id, text: n.text }));
      return;
    }
    const attrs = n.names.map((name, i) => ({ name, value: n.values[i] as string }));
    put(patchToJson({ op: "create-element", id: n.id, tag: n.tag, attrs }));
    for (const event of n.events ?? []) put(patchToJson({ op: "listen", id: n.id, event }));
    for (let c = n.first; c !== null; c = c.next) {
      build(c);
      put(patchToJson({ op: "insert", parent: n.id, id: c.id, before: null }));
    }
  };
  for (let c = dom.root.first; c !== null; c = c.next) {
    build(c);
    put(patchToJson({ op: "insert", parent: ROOT_ID, id: c.id, before: null }));
  }
  return out;
}

/** Appends lines to a file as they come (live mode runs until stopped). */
function appender(file: string | undefined): { write(text: string): void; close(): void } {
  if (file === undefined) return { write() {}, close() {} };
  let fd: number;
  try {
    fd = openSync(file, "w");
  } catch (err) {
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
  return {
    write: (text) => {
      if (text !== "") writeSync(fd, text);
    },
    close: () => closeSync(fd),
  };
}

/** An event message from the page (live.ts's `EventMessage`), checked. */
function eventMessage(
  m: unknown,
): { seq: number; node: number; event: string; payload: string } | null {
  if (typeof m !== "object" || m === null) return null;
  const o = m as Record<string, unknown>;
  if (
    o.type !== "event" ||
    typeof o.seq !== "number" ||
    typeof o.node !== "number" ||
    !Number.isInteger(o.node) ||
    o.node < 0 ||
    typeof o.event !== "string" ||
    o.event === "" ||
    typeof o.payload !== "string"
  )
    return null;
  return { seq: o.seq, node: o.node, event: o.event, payload: o.payload };
}

/**
 * Runs an fx app in live mode until Ctrl-C / SIGTERM: prints the page's URL, serves it, and
 * streams patches to it. Returns the exit status (0 when stopped, 1 if loop-host died).
 */
export async function runFxWeb(app: FxApp, options: FxRunOptions): Promise<number> {
  const trusted = app.kind === "manifest" && app.target.component.policy.trust === "trusted";
  policyArgs(options, trusted);
  const props = options.props ?? "{}";
  try {
    JSON.parse(props);
  } catch (err) {
    throw new CliError(`--props must be JSON text: ${(err as Error).message}`, { exitCode: 2 });
  }
  const listen = options.listen ?? DEFAULT_LISTEN;
  parseListen(listen); // a usage error before anything starts
  const log = options.events === undefined ? null : readEventLog(options.events);
  let root: string;
  let resolve: FxComponentResolver;
  if (app.kind === "file") ({ root, resolve } = fileResolver(app.file, options));
  else ({ root, resolve } = manifestResolver(app.target, options));

  const patchesOut = appender(options.patches);
  const recordOut = appender(options.record);
  const verbose = options.verbose === true;
  const client = new ControlClient({
    stderr: "inherit",
    ...(options.log !== undefined ? { log: options.log as ControlLogLevel } : {}),
    ...(options.cache === false ? { noCache: true } : {}),
    ...(options.cacheDir !== undefined ? { cacheDir: options.cacheDir } : {}),
    ...(verbose ? { verbose: true } : {}),
    onEvent: (e) => {
      if (e.event === "log") process.stderr.write(formatLogEvent(e));
    },
  });

  const dom = new HeadlessDom();
  let server: { broadcast(message: object): void } = { broadcast() {} };
  let stop: (code: number) => void = () => {};
  const session = new FxSession({
    driver: loopHostDriver(client, resolve),
    root,
    props,
    onPatches: (batch) => {
      dom.apply(batch);
      const lines = patchesToJsonLines(batch);
      patchesOut.write(lines);
      server.broadcast({ type: "patches", patches: lines });
    },
    onRecord: (e: LogEntry) => recordOut.write(`${logEntryToJson(e)}\n`),
    onEmit: (name, payload) => {
      if (verbose) process.stderr.write(`loop: ${root} emitted ${name} ${payload}\n`);
    },
    onError: (err) => {
      const failure = fxFailure(err, "", verbose);
      const message = failure instanceof Error ? failure.message : String(failure);
      process.stderr.write(`loop: ${message}\n`);
      server.broadcast({ type: "error", message });
      if (deadHost(err)) stop(1);
    },
  });

  const cleanup = async () => {
    try {
      session.dispose();
    } catch {
      // Dropping instances of a host that failed: nothing left to report.
    }
    await client.shutdown();
    patchesOut.close();
    recordOut.close();
  };

  try {
    await client.hello();
    await session.start();
    if (log !== null) {
      let at = log.lines[0] === undefined ? "" : ` (at ${log.file}:${log.lines[0]})`;
      try {
        await session.replay(log.entries, (_e, i) => {
          at = ` (at ${log.file}:${log.lines[i + 1] ?? log.lines[i]})`;
        });
      } catch (err) {
        throw fxFailure(err, at, verbose);
      }
    }
  } catch (err) {
    await cleanup();
    throw fxFailure(err, "", verbose);
  }

  let live: Awaited<ReturnType<typeof startLiveServer>>;
  try {
    live = await startLiveServer({
      listen,
      title: root,
      onConnect: (peer: Peer) => peer.send({ type: "reset", patches: treeAsPatches(dom) }),
      onMessage: (peer: Peer, message: unknown) => {
        const e = eventMessage(message);
        if (e === null) return;
        session.dispatch(e.node, e.event, e.payload).then((handled) => {
          if (!handled && verbose) {
            process.stderr.write(
              `loop: node ${e.node} has no "${e.event}" listener; event ignored\n`,
            );
          }
          peer.send({ type: "ack", seq: e.seq });
        });
      },
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  server = live;
  process.stdout.write(`serving ${root} on ${live.url}\n`);

  const code = await new Promise<number>((done) => {
    const onSignal = () => done(0);
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    stop = (c) => done(c);
  });
  await live.close();
  await cleanup();
  return code;
}

function deadHost(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e instanceof ControlError) return e.kind === "exited";
  }
  return false;
}
