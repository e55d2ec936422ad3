// Types for the part of wasi:http/types@0.2.12 this component uses, as componentize-js binds
// them (resources are classes, variants are { tag, val } objects, option<T> is T | undefined).
declare module "wasi:http/types@0.2.12" {
  export type Method =
    | {
        tag: "get" | "head" | "post" | "put" | "delete" | "connect" | "options" | "trace" | "patch";
      }
    | { tag: "other"; val: string };

  export class Fields {
    constructor();
    static fromList(entries: [string, Uint8Array][]): Fields;
  }

  export class IncomingRequest {
    method(): Method;
    pathWithQuery(): string | undefined;
    headers(): Fields;
  }

  /** wasi:io/streams output-stream. */
  export interface OutputStream {
    blockingWriteAndFlush(contents: Uint8Array): void;
    [Symbol.dispose](): void;
  }

  export class OutgoingBody {
    write(): OutputStream;
    static finish(body: OutgoingBody, trailers: Fields | undefined): void;
  }

  export class OutgoingResponse {
    constructor(headers: Fields);
    setStatusCode(status: number): void;
    body(): OutgoingBody;
  }

  // biome-ignore lint/complexity/noStaticOnlyClass: a wasi:http resource, bound as a class.
  export class ResponseOutparam {
    static set(
      param: ResponseOutparam,
      response: { tag: "ok"; val: OutgoingResponse } | { tag: "err"; val: unknown },
    ): void;
  }
}
