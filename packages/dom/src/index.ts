// @loop-kit/dom: loop:fx on the DOM. The patch applier with event delegation (used by the live
// page and the in-browser host alike), the payloads DOM events carry, and a real-time session
// around the reconciler. Depends on @loop-kit/fx only.

export { eventPayload } from "./payload.js";
export {
  type DomEventHandler,
  DomRenderer,
  type DomRendererOptions,
  unsafeAttr,
} from "./renderer.js";
export { FxSession, type FxSessionOptions } from "./session.js";
