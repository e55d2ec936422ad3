/** Machine-readable reasons an fx operation failed. */
export type FxErrorCode =
  | "MALFORMED_VIEW"
  | "DUPLICATE_KEY"
  | "DUPLICATE_ATTR"
  | "DUPLICATE_LISTENER"
  | "UNKNOWN_COMPONENT"
  | "RENDER_FAILED"
  | "HANDLE_FAILED"
  | "INSTANTIATE_FAILED"
  | "DISPOSE_FAILED"
  | "ASYNC_IN_SYNC"
  | "BUSY"
  | "NOT_STARTED"
  | "DISPOSED"
  | "BAD_PATCH"
  | "BAD_EVENT_LOG"
  | "INVALID_NAME"
  | "INVALID_ARGUMENT";

/** The one error type fx throws; `code` says what went wrong, the message says what to do. */
export class FxError extends Error {
  /** Which kind of failure this is. */
  readonly code: FxErrorCode;

  constructor(code: FxErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FxError";
    this.code = code;
  }
}
