import { fromShim } from "./types.js";

// `wasi:http/*`: the types are linked (a componentize-js component imports them whatever it
// does); outgoing requests are denied with the interface's own error, as loop-host denies a
// component without `hosts` grants.
export const http = fromShim("outgoing HTTP", "http", ["types", "outgoing-handler"], () => ({
  "wasi:http/outgoing-handler": {
    handle(): never {
      // jco turns a thrown value with a `payload` into the result's `err`.
      throw Object.assign(new Error("outgoing HTTP is not granted in the browser host"), {
        payload: { tag: "HTTP-request-denied" },
      });
    },
  },
}));
