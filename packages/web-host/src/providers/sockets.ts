import { fromShim } from "./types.js";

// `wasi:sockets/*`: linked for components that import it; a page cannot open raw sockets, so
// every operation fails with the interface's own error (the shim's behaviour).
export const sockets = fromShim("sockets", "sockets", [
  "instance-network",
  "network",
  "ip-name-lookup",
  "tcp",
  "tcp-create-socket",
  "udp",
  "udp-create-socket",
]);
