// React 19 driver: the same row table as React components (memo rows, as js-framework-benchmark's
// React implementation), rendered by react-reconciler 0.33 into an in-memory host. The host is
// the same `HNode` tree the fx headless renderer uses, so both sides pay the same host costs.
//
// Must be imported after process.env.NODE_ENV = "production" (rows.bench.ts imports it
// dynamically), or React runs its much slower development build.

import { HNode, outerHtml, TEXT_TAG } from "@loop-kit/fx";
import { createContext, createElement, type ReactElement } from "react";
import Reconciler from "react-reconciler";
import { DefaultEventPriority, NoEventPriority } from "react-reconciler/constants.js";
import { App } from "./react-rows.js";
import type { RowsDriver, RowsOp } from "./rows-model.js";
import { RowStore } from "./rows-model.js";

type Props = Record<string, unknown>;

// DOM-like property handling: className → class, on* → an event listener, the rest attributes.
// Listeners live on the node (events list + handler table), like a DOM renderer's delegation map.
interface ReactHost extends HNode {
  handlers?: Map<string, unknown>;
}

function eventName(prop: string): string | null {
  return prop.length > 2 && prop.charCodeAt(0) === 111 && prop.charCodeAt(1) === 110 // "on"
    ? prop.slice(2).toLowerCase()
    : null;
}

function setProp(n: ReactHost, key: string, value: unknown): void {
  if (key === "children" || key === "key") return;
  const ev = eventName(key);
  if (ev !== null) {
    if (n.handlers === undefined) n.handlers = new Map();
    if (!n.handlers.has(ev)) {
      if (n.events === null) n.events = [];
      n.events.push(ev);
    }
    n.handlers.set(ev, value);
    return;
  }
  n.setAttr(key === "className" ? "class" : key, String(value));
}

function removeProp(n: ReactHost, key: string): void {
  if (key === "children" || key === "key") return;
  const ev = eventName(key);
  if (ev !== null) {
    n.handlers?.delete(ev);
    if (n.events) n.events = n.events.filter((e) => e !== ev);
    return;
  }
  n.removeAttr(key === "className" ? "class" : key);
}

function detachAndInsert(parent: HNode, child: HNode, before: HNode | null): void {
  if (child.parent !== null) child.parent.removeChild(child);
  parent.insertBefore(child, before);
}

let updatePriority = NoEventPriority as number;

const hostConfig = {
  supportsMutation: true,
  supportsPersistence: false,
  supportsHydration: false,
  isPrimaryRenderer: false,
  supportsMicrotasks: true,
  scheduleMicrotask: queueMicrotask,
  scheduleTimeout: setTimeout,
  cancelTimeout: clearTimeout,
  noTimeout: -1,
  rendererPackageName: "loop-kit-bench",
  rendererVersion: "0.0.0",
  extraDevToolsConfig: null,
  NotPendingTransition: null,
  HostTransitionContext: createContext(null),

  getRootHostContext: () => null,
  getChildHostContext: (parent: unknown) => parent,
  getPublicInstance: (i: unknown) => i,
  prepareForCommit: () => null,
  resetAfterCommit: () => {},
  preparePortalMount: () => {},
  shouldSetTextContent: () => false,

  createInstance(type: string, props: Props): HNode {
    const n: ReactHost = new HNode(-1, type);
    for (const key in props) setProp(n, key, props[key]);
    return n;
  },
  createTextInstance: (text: string): HNode => new HNode(-1, TEXT_TAG, text),
  appendInitialChild: (parent: HNode, child: HNode) => parent.insertBefore(child, null),
  finalizeInitialChildren: () => false,

  appendChild: (parent: HNode, child: HNode) => detachAndInsert(parent, child, null),
  appendChildToContainer: (root: HNode, child: HNode) => detachAndInsert(root, child, null),
  insertBefore: (parent: HNode, child: HNode, before: HNode) =>
    detachAndInsert(parent, child, before),
  insertInContainerBefore: (root: HNode, child: HNode, before: HNode) =>
    detachAndInsert(root, child, before),
  removeChild: (parent: HNode, child: HNode) => parent.removeChild(child),
  removeChildFromContainer: (root: HNode, child: HNode) => root.removeChild(child),
  clearContainer(root: HNode) {
    while (root.first !== null) root.removeChild(root.first);
  },

  commitUpdate(n: HNode, _type: string, oldProps: Props, newProps: Props) {
    for (const key in oldProps) if (!(key in newProps)) removeProp(n, key);
    for (const key in newProps) {
      const v = newProps[key];
      if (oldProps[key] !== v) setProp(n, key, v);
    }
  },
  commitTextUpdate(n: HNode, _old: string, text: string) {
    n.text = text;
  },
  commitMount: () => {},
  resetTextContent: () => {},
  hideInstance: () => {},
  hideTextInstance: () => {},
  unhideInstance: () => {},
  unhideTextInstance: () => {},
  detachDeletedInstance: () => {},

  setCurrentUpdatePriority(p: number) {
    updatePriority = p;
  },
  getCurrentUpdatePriority: () => updatePriority,
  resolveUpdatePriority: () =>
    updatePriority !== NoEventPriority ? updatePriority : (DefaultEventPriority as number),
  resolveEventType: () => null,
  resolveEventTimeStamp: () => -1.1,
  trackSchedulerEvent: () => {},
  shouldAttemptEagerTransition: () => false,
  getInstanceFromNode: () => null,
  beforeActiveInstanceBlur: () => {},
  afterActiveInstanceBlur: () => {},
  prepareScopeUpdate: () => {},
  getInstanceFromScope: () => null,
  requestPostPaintCallback: () => {},
  maySuspendCommit: () => false,
  maySuspendCommitOnUpdate: () => false,
  maySuspendCommitInSyncRender: () => false,
  preloadInstance: () => true,
  startSuspendingCommit: () => {},
  suspendInstance: () => {},
  waitForCommitToBeReady: () => null,
  getSuspendedCommitReason: () => null,
  resetFormInstance: () => {},
  // React asks the renderer how to print its own logs.
  bindToConsole: (methodName: "log", args: unknown[]) => console[methodName].bind(console, ...args),
};

// The reconciler API this driver uses (the @types package trails react-reconciler 0.33).
interface ReconcilerApi {
  createContainer(
    container: HNode,
    tag: number,
    hydration: null,
    strict: boolean,
    concurrentOverride: null,
    prefix: string,
    onUncaught: (e: unknown) => void,
    onCaught: (e: unknown) => void,
    onRecoverable: (e: unknown) => void,
    onDefaultTransitionIndicator: () => void,
  ): unknown;
  updateContainerSync(el: ReactElement | null, root: unknown, parent: null, cb: null): number;
  flushSyncWork(): void;
}

const reconciler = (Reconciler as unknown as (config: unknown) => ReconcilerApi)(hostConfig);

/** The React 19 driver. */
export function reactDriver(): RowsDriver & { container: HNode } {
  const store = new RowStore();
  const container = new HNode(0, "#root");
  const errors: unknown[] = [];
  const report = (e: unknown) => {
    errors.push(e);
  };
  const root = reconciler.createContainer(
    container,
    1,
    null,
    false,
    null,
    "",
    report,
    report,
    report,
    () => {},
  );
  const onSelect = (id: number) => {
    store.apply({ kind: "select", index: store.rows.findIndex((r) => r.id === id) });
    render();
  };
  const onRemove = (id: number) => {
    store.apply({ kind: "remove", index: store.rows.findIndex((r) => r.id === id) });
    render();
  };
  const render = () => {
    reconciler.updateContainerSync(
      createElement(App, { rows: store.rows, selected: store.selected, onSelect, onRemove }),
      root,
      null,
      null,
    );
    reconciler.flushSyncWork();
    if (errors.length > 0) throw errors[0];
  };
  return {
    name: "react",
    container,
    init: render,
    run(op: RowsOp) {
      store.apply(op);
      render();
    },
    html: () => {
      let s = "";
      for (const c of container.children) s += outerHtml(c);
      return s;
    },
    dispose() {
      reconciler.updateContainerSync(null, root, null, null);
      reconciler.flushSyncWork();
    },
  };
}
