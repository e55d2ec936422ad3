/// <reference lib="dom" />
import { DomRenderer, FxSession } from "@loop-kit/dom";
import { EventRecorder, parseEventLog, patchesToJsonLines } from "@loop-kit/fx";
import { type WebComponent, webHostDriver } from "./driver.js";
import type { Preview2Shim, Provider } from "./providers/index.js";

// In-browser mode: the whole app in the page. The components are jco-transpiled instances
// (webHostDriver), the reconciler is @loop-kit/fx, the renderer @loop-kit/dom's DomRenderer, and
// an FxSession moves the virtual clock with the page's. A reload starts the app afresh: its
// state lives in the page's component instances and nowhere else.

export interface WebAppOptions {
  /** Where the app goes (node id 0). */
  readonly container: Element;
  /** The root component. */
  readonly root: string;
  /** Root props, JSON text (default `{}`). */
  readonly props?: string;
  /** The app's components by name. */
  readonly components: Readonly<Record<string, WebComponent>>;
  /** jco's browser WASI shim. */
  readonly shim: Preview2Shim;
  /** The capabilities (default: `PROVIDERS`). */
  readonly providers?: readonly Provider[];
  /**
   * Keep the patch stream (`__loop.patches`) and the event log (`__loop.log()`), for tests and
   * debugging (default: when the page's URL has `?record`).
   */
  readonly record?: boolean;
}

/** What `window.__loop` holds in in-browser mode. */
export interface WebApp {
  readonly mode: "web";
  /** Patch lines applied so far, in order, starting with the first render (with `record`). */
  readonly patches: string[];
  /** Errors reported so far. */
  readonly errors: string[];
  /** The event log of what ran (docs/fx.md), as JSON lines (with `record`). */
  log(): string;
  /** Replays an event log (JSON lines) into the app, in virtual time; rejects on a failure. */
  replay(log: string): Promise<void>;
  /** Delivers a DOM event as the renderer would. */
  dispatch(node: number, event: string, payload?: string): Promise<boolean>;
  /** Resolves once every event so far has been handled and its patches applied. */
  idle(): Promise<void>;
  readonly session: FxSession;
  readonly renderer: DomRenderer;
}

/** Starts the app in `container`; resolves once the first render is on the page. */
export async function startWebApp(options: WebAppOptions): Promise<WebApp> {
  const record = options.record ?? new URLSearchParams(location.search).has("record");
  const patches: string[] = [];
  const errors: string[] = [];
  const recorder = record ? new EventRecorder() : null;
  const banner = errorBanner(options.container);
  const report = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    errors.push(message);
    banner(message);
    console.error(err);
  };

  let session: FxSession | null = null;
  const renderer = new DomRenderer(options.container, {
    onEvent: (node, event, payload) => {
      session?.dispatch(node, event, payload);
    },
  });
  session = new FxSession({
    driver: webHostDriver({
      components: options.components,
      shim: options.shim,
      ...(options.providers ? { providers: options.providers } : {}),
    }),
    root: options.root,
    ...(options.props !== undefined ? { props: options.props } : {}),
    onPatches: (batch) => {
      renderer.apply(batch);
      if (record) {
        const text = patchesToJsonLines(batch);
        for (const line of text.split("\n")) if (line !== "") patches.push(line);
      }
    },
    ...(recorder ? { onRecord: recorder.record } : {}),
    onError: report,
  });
  const s = session;
  const app: WebApp = {
    mode: "web",
    patches,
    errors,
    session: s,
    renderer,
    log: () => recorder?.toJsonLines() ?? "",
    replay: (text) => s.replay(parseEventLog(text)),
    dispatch: (node, event, payload = "{}") => s.dispatch(node, event, payload),
    idle: () => s.whenIdle(),
  };
  (globalThis as { __loop?: WebApp }).__loop = app;
  try {
    await s.start();
  } catch (err) {
    report(err);
    throw err;
  }
  return app;
}

function errorBanner(container: Element): (message: string) => void {
  const doc = container.ownerDocument;
  const el = doc.createElement("div");
  el.id = "loop-status";
  el.className = "loop-error";
  el.setAttribute("role", "alert");
  el.hidden = true;
  container.before(el);
  return (message) => {
    el.textContent = message;
    el.hidden = false;
  };
}
