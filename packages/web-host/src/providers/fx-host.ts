import type { Provider } from "./types.js";

// `loop:fx/host`: the UI capability. Each instance is bound to its own fiber's HostApi, which is
// why every fiber gets its own instantiation (jco's `instantiation: "async"` mode takes an
// import object per call). `now` is a WIT u64: a bigint on the JS side.

export const fxHost: Provider = {
  capability: "ui",
  interfaces: ["loop:fx/host"],
  bind: ({ host }) => ({
    "loop:fx/host": {
      invalidate: () => host.invalidate(),
      emit: (name: string, payload: string) => host.emit(name, payload),
      now: () => BigInt(host.now()),
      setTimeout: (delayMs: number, handler: string) => host.setTimeout(delayMs, handler),
      clearTimeout: (id: number) => host.clearTimeout(id),
    },
  }),
};
