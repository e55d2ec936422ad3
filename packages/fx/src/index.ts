// @loop-kit/fx: the host-side reconciler of `loop:fx`. Pure data in, patches out; no I/O.

export { type ComponentFactory, jsDriver } from "./components.js";
export { FxError, type FxErrorCode } from "./errors.js";
export {
  type AdvanceEntry,
  type EventEntry,
  EventRecorder,
  type FlushEntry,
  formatEventLog,
  type LogEntry,
  logEntryToJson,
  type PropsEntry,
  parseEventLog,
  replay,
  replaySync,
} from "./eventlog.js";
export {
  escapeAttr,
  escapeText,
  HeadlessDom,
  HNode,
  innerHtml,
  outerHtml,
  ROOT_TAG,
  TEXT_TAG,
} from "./headless.js";
export { IdTable } from "./idtable.js";
export { lis } from "./lis.js";
export {
  type CreateElementPatch,
  type CreateTextPatch,
  decode,
  type InsertPatch,
  type ListenPatch,
  type MovePatch,
  type Patch,
  PatchBatch,
  type PatchOp,
  type PatchVisitor,
  patchesToJsonLines,
  patchFromJson,
  patchToJson,
  type RemoveAttrPatch,
  type RemovePatch,
  ROOT_ID,
  type SetAttrPatch,
  type SetTextPatch,
  type UnlistenPatch,
} from "./patch.js";
export { FxRuntime, type RuntimeOptions } from "./runtime.js";
export type {
  Attr,
  ComponentDriver,
  ComponentInstance,
  ComponentNode,
  ElementNode,
  FxEvent,
  FxNode,
  HostApi,
  Lane,
  Listener,
  TextNode,
  View,
} from "./types.js";
export { validateView } from "./validate.js";
export {
  type AttrInput,
  comp,
  el,
  flatten,
  flatView,
  type HProps,
  h,
  type ListenerInput,
  type NodeOptions,
  type Tree,
  type TreeComponent,
  type TreeElement,
  text,
  viewFromWit,
  viewToWit,
  type WitJsonNode,
  type WitNode,
} from "./view.js";
