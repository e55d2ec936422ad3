import { FxError } from "./errors.js";
import type { ComponentDriver, ComponentInstance, HostApi } from "./types.js";

/** Makes a plain-JS component instance for one fiber. */
export type ComponentFactory = (host: HostApi, fiberId: number) => ComponentInstance;

/** A driver for components written as plain JS objects (tests, benches, in-process apps). */
export function jsDriver(components: Readonly<Record<string, ComponentFactory>>): ComponentDriver {
  return {
    instantiate(name, fiberId, host) {
      const make = Object.hasOwn(components, name) ? components[name] : undefined;
      if (make === undefined)
        throw new FxError(
          "UNKNOWN_COMPONENT",
          `no component named "${name}"; known: ${Object.keys(components).join(", ") || "(none)"}`,
        );
      return make(host, fiberId);
    },
  };
}
