/// <reference lib="dom" />
import { DomRenderer } from "./renderer.js";

// The page of live mode (`loop run --ui web`): the components and the reconciler run in the
// `loop` process; this page applies the patches it streams over a WebSocket and sends DOM
// events back. On (re)connecting, the server sends the current tree (a `reset`), so a reloaded
// or reconnected page shows the app as it is, not as it started.
//
// Messages (JSON text, docs/web.md):
//   server → page  {"type":"reset","patches":LINES}   the current tree, as patches from empty
//                  {"type":"patches","patches":LINES} one flush's patches
//                  {"type":"ack","seq":N}             event N was handled (its patches came first)
//                  {"type":"error","message":TEXT}    an operation failed (shown on the page)
//                  {"type":"clear-error"}             the error is fixed (`loop dev`): hide it
//   page → server  {"type":"event","seq":N,"node":ID,"event":NAME,"payload":JSON}

/** Messages the server sends. */
export type ServerMessage =
  | { type: "reset"; patches: string }
  | { type: "patches"; patches: string }
  | { type: "ack"; seq: number }
  | { type: "error"; message: string }
  | { type: "clear-error" };

/** Messages the page sends. */
export interface EventMessage {
  type: "event";
  seq: number;
  node: number;
  event: string;
  payload: string;
}

export interface LiveOptions {
  /** Where the app goes (node id 0). */
  container: Element;
  /** The WebSocket URL (default: `/loop/ws` on this page's host). */
  url?: string;
  /**
   * Keep every patch line received (`__loop.patches`) and every reset (`__loop.resets`), for
   * tests and debugging (default: when the page's URL has `?record`).
   */
  record?: boolean;
}

/** What `window.__loop` holds in live mode. */
export interface LiveHandle {
  readonly mode: "live";
  /** Whether the page has the current tree (connected and reset). */
  readonly ready: boolean;
  /** Patch lines received in `patches` messages, in order (with `record`). */
  readonly patches: string[];
  /** Each `reset` received (the tree as patch lines), in order (with `record`). */
  readonly resets: string[];
  /** Errors the server reported. */
  readonly errors: string[];
  /** Sends an event as the DOM would (tests, tools). */
  dispatch(node: number, event: string, payload?: string): void;
  /** Resolves once connected with the current tree and every event sent has been answered. */
  idle(): Promise<void>;
  /** The renderer (node ids → DOM nodes). */
  readonly renderer: DomRenderer;
}

/** Connects the page to the live server and keeps it connected. */
export function connectLive(options: LiveOptions): LiveHandle {
  const record = options.record ?? new URLSearchParams(location.search).has("record");
  const url =
    options.url ?? `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/loop/ws`;
  let socket: WebSocket | null = null;
  let ready = false;
  let seq = 0;
  let acked = 0;
  let retry = 250;
  let waiters: (() => void)[] = [];
  const patches: string[] = [];
  const resets: string[] = [];
  const errors: string[] = [];
  const banner = statusBanner(options.container);

  const settle = () => {
    if (!ready || acked < seq) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };

  const send = (node: number, event: string, payload: string) => {
    if (socket === null || socket.readyState !== WebSocket.OPEN || !ready) return;
    const msg: EventMessage = { type: "event", seq: ++seq, node, event, payload };
    renderer.holdFocusedValue = true;
    socket.send(JSON.stringify(msg));
  };

  const renderer = new DomRenderer(options.container, { onEvent: send });

  const apply = (lines: string) => {
    if (record) {
      for (const line of lines.split("\n")) if (line !== "") patches.push(line);
    }
    renderer.applyJsonLines(lines);
  };

  const connect = () => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retry = 250;
    };
    ws.onmessage = (m) => {
      const msg = JSON.parse(String(m.data)) as ServerMessage;
      switch (msg.type) {
        case "reset":
          // Events sent on the previous connection are gone with it.
          acked = seq;
          renderer.holdFocusedValue = false;
          renderer.reset();
          renderer.applyJsonLines(msg.patches);
          if (record) resets.push(msg.patches);
          ready = true;
          banner.hide();
          settle();
          return;
        case "patches":
          apply(msg.patches);
          return;
        case "ack":
          acked = Math.max(acked, msg.seq);
          if (acked >= seq) renderer.holdFocusedValue = false;
          settle();
          return;
        case "error":
          errors.push(msg.message);
          banner.show(msg.message, true);
          return;
        case "clear-error":
          banner.clear();
          return;
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      ready = false;
      banner.show("disconnected from loop; reconnecting…", false);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 2000);
    };
  };
  connect();

  const handle: LiveHandle = {
    mode: "live",
    get ready() {
      return ready;
    },
    patches,
    resets,
    errors,
    renderer,
    dispatch: (node, event, payload = "{}") => send(node, event, payload),
    idle: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      }),
  };
  (globalThis as { __loop?: LiveHandle }).__loop = handle;
  return handle;
}

/** A small status line above the app (disconnected, or an error from the server). */
function statusBanner(container: Element) {
  const doc = container.ownerDocument;
  const el = doc.createElement("div");
  el.id = "loop-status";
  el.setAttribute("role", "status");
  el.hidden = true;
  container.before(el);
  return {
    show(text: string, error: boolean) {
      el.textContent = text;
      el.className = error ? "loop-error" : "loop-offline";
      el.hidden = false;
    },
    hide() {
      if (el.className !== "loop-error") el.hidden = true;
    },
    clear() {
      if (el.className === "loop-error") {
        el.hidden = true;
        el.className = "";
        el.textContent = "";
      }
    },
  };
}
