import { FxError } from "./errors.js";
import type { FxRuntime } from "./runtime.js";

/** A DOM event delivered to element `node` (ids are the reconciler's deterministic node ids). */
export interface EventEntry {
  readonly t: number;
  readonly type: "event";
  readonly node: number;
  readonly event: string;
  /** JSON text, byte for byte as the component receives it. */
  readonly payload: string;
}
/** The virtual clock moved forward to `t`, firing due timers. */
export interface AdvanceEntry {
  readonly t: number;
  readonly type: "advance";
}
/** The embedder flushed pending (e.g. idle) work at `t`. */
export interface FlushEntry {
  readonly t: number;
  readonly type: "flush";
}
/** The root props were replaced at `t`. */
export interface PropsEntry {
  readonly t: number;
  readonly type: "props";
  readonly props: string;
}

/** One line of an event log: every input a runtime was given, with its virtual time. */
export type LogEntry = EventEntry | AdvanceEntry | FlushEntry | PropsEntry;

const q = JSON.stringify;

/** Serialises one entry as a JSON line with a fixed key order. */
export function logEntryToJson(e: LogEntry): string {
  switch (e.type) {
    case "event":
      return `{"t":${e.t},"type":"event","node":${e.node},"event":${q(e.event)},"payload":${q(e.payload)}}`;
    case "advance":
    case "flush":
      return `{"t":${e.t},"type":"${e.type}"}`;
    case "props":
      return `{"t":${e.t},"type":"props","props":${q(e.props)}}`;
  }
}

/** Serialises a log as JSON lines (each line ends in "\n"). */
export function formatEventLog(entries: readonly LogEntry[]): string {
  let out = "";
  for (const e of entries) out += `${logEntryToJson(e)}\n`;
  return out;
}

function bad(line: number, why: string): FxError {
  return new FxError("BAD_EVENT_LOG", `event log line ${line}: ${why}`);
}

// A payload may be written as JSON text (a string, what the recorder writes) or, in hand-written
// logs, as any JSON value, which is then passed on as its JSON text.
function payloadText(v: unknown): string {
  if (v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Parses JSON-lines text into log entries (blank lines are skipped); errors name the line. */
export function parseEventLog(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  const lines = text.split("\n");
  let lastT = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trim();
    if (raw === "") continue;
    const ln = i + 1;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(raw) as Record<string, unknown>;
    } catch (e) {
      throw bad(ln, `not JSON: ${(e as Error).message}`);
    }
    if (typeof o !== "object" || o === null || Array.isArray(o))
      throw bad(ln, "expected an object");
    const t = o.t;
    if (typeof t !== "number" || !Number.isInteger(t) || t < 0)
      throw bad(ln, `"t" must be a non-negative integer (virtual ms)`);
    if (t < lastT) throw bad(ln, `"t" goes back in time (${t} after ${lastT})`);
    lastT = t;
    switch (o.type) {
      case "event": {
        const node = o.node;
        if (typeof node !== "number" || !Number.isInteger(node) || node < 0)
          throw bad(ln, `"node" must be a node id (non-negative integer)`);
        if (typeof o.event !== "string" || o.event === "")
          throw bad(ln, `"event" must be an event name such as "click"`);
        out.push({ t, type: "event", node, event: o.event, payload: payloadText(o.payload) });
        break;
      }
      case "advance":
      case "flush":
        out.push({ t, type: o.type });
        break;
      case "props":
        out.push({ t, type: "props", props: payloadText(o.props) });
        break;
      default:
        throw bad(ln, `unknown "type" ${q(o.type)}; expected event, advance, flush or props`);
    }
  }
  return out;
}

/** Collects a runtime's inputs: pass `recorder.record` as `onRecord`, then save `toJsonLines()`. */
export class EventRecorder {
  /** Entries recorded so far, in order. */
  readonly entries: LogEntry[] = [];
  /** The `onRecord` callback. */
  readonly record = (entry: LogEntry): void => {
    this.entries.push(entry);
  };

  /** The log as JSON lines. */
  toJsonLines(): string {
    return formatEventLog(this.entries);
  }
}

function gap(rt: FxRuntime, e: LogEntry): number {
  if (e.t < rt.now)
    throw new FxError(
      "BAD_EVENT_LOG",
      `entry at t=${e.t} is before the runtime's clock (${rt.now}); replay into a fresh runtime`,
    );
  return e.t - rt.now;
}

/** Feeds a log to a started runtime: the clock is advanced to each entry's `t` first. */
export async function replay(rt: FxRuntime, entries: readonly LogEntry[]): Promise<void> {
  for (const e of entries) {
    const d = gap(rt, e);
    if (d > 0 || e.type === "advance") await rt.advance(d);
    if (e.type === "event") await rt.dispatch(e.node, e.event, e.payload);
    else if (e.type === "flush") await rt.flush();
    else if (e.type === "props") rt.setRootProps(e.props);
  }
}

/** `replay`, for synchronous components. */
export function replaySync(rt: FxRuntime, entries: readonly LogEntry[]): void {
  for (const e of entries) {
    const d = gap(rt, e);
    if (d > 0 || e.type === "advance") rt.advanceSync(d);
    if (e.type === "event") rt.dispatchSync(e.node, e.event, e.payload);
    else if (e.type === "flush") rt.flushSync();
    else if (e.type === "props") rt.setRootProps(e.props);
  }
}
