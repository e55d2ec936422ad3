// An HTTP component: `loop serve` builds it (esbuild, then componentize-js) and calls
// `incomingHandler.handle` once per request, each time in a fresh instance. Requests and
// responses are wasi:http resources (types in wasi-http.d.ts); respond() turns a status and a
// text into a response.

import {
  Fields,
  type IncomingRequest,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from "wasi:http/types@0.2.12";
import { log } from "@loop-kit/sdk";

const NAME = "{{name}}";

export const incomingHandler = {
  handle(request: IncomingRequest, responseOut: ResponseOutparam): void {
    const path = request.pathWithQuery() ?? "/";
    log.info(`${request.method().tag.toUpperCase()} ${path}`);
    if (path === "/") {
      respond(responseOut, 200, `Hello from ${NAME}, a TypeScript HTTP component!\n`);
    } else {
      respond(responseOut, 404, `no page at ${path}\n`);
    }
  },
};

const encoder = new TextEncoder();

/** Answers with `status` and `text` as a plain-text body. */
function respond(responseOut: ResponseOutparam, status: number, text: string): void {
  const headers = Fields.fromList([["content-type", encoder.encode("text/plain; charset=utf-8")]]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: "ok", val: response });
  const stream = body.write();
  stream.blockingWriteAndFlush(encoder.encode(text));
  // The stream must be gone before the body is finished.
  stream[Symbol.dispose]();
  OutgoingBody.finish(body, undefined);
}
