import type { HostApi } from "@loop-kit/fx";

// The browser side of a component's imports, one provider module per capability (DESIGN.md:
// the web host mirrors loop-host's capability modules). A provider names the WIT interfaces it
// provides and binds them for one instance; jco's instantiation mode takes them as an import
// object keyed by interface name without its version (`wasi:cli/environment`).

/**
 * The browser build of `@bytecodealliance/preview2-shim` (jco's own copy): the WASI 0.2
 * implementations the standard providers delegate to. Handed in by the page's entry module, so
 * this package needs no particular version of it at build time.
 */
export interface Preview2Shim {
  readonly cli: Readonly<Record<string, unknown>>;
  readonly clocks: Readonly<Record<string, unknown>>;
  readonly filesystem: Readonly<Record<string, unknown>>;
  readonly http: Readonly<Record<string, unknown>>;
  readonly io: Readonly<Record<string, unknown>>;
  readonly random: Readonly<Record<string, unknown>>;
  readonly sockets: Readonly<Record<string, unknown>>;
}

/** What a provider binds an instance's imports with. */
export interface ProviderContext {
  /** The component's name (for messages). */
  readonly component: string;
  /** The fiber this instance renders for. */
  readonly fiberId: number;
  /** The fiber's `loop:fx/host` (the reconciler's HostApi for this fiber). */
  readonly host: HostApi;
  /** jco's browser WASI shim. */
  readonly shim: Preview2Shim;
}

/** One capability of the browser host. */
export interface Provider {
  /** The capability, in messages (`stdio`, `ui`, ...). */
  readonly capability: string;
  /** Interfaces it provides, as jco names imports (no version). */
  readonly interfaces: readonly string[];
  /** The implementations, keyed by interface, for one instance. */
  bind(ctx: ProviderContext): Record<string, unknown>;
}

/** `terminal-input` → `terminalInput`: jco's (and the shim's) names for interfaces. */
export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A provider that hands out the shim's implementations of `namespace`'s interfaces (e.g. the
 * shim's `cli.terminalInput` for `wasi:cli/terminal-input`), with `overrides` taking their place.
 */
export function fromShim(
  capability: string,
  pkg: keyof Preview2Shim,
  interfaces: readonly string[],
  overrides: (ctx: ProviderContext) => Record<string, unknown> = () => ({}),
): Provider {
  const full = interfaces.map((i) => `wasi:${pkg}/${i}`);
  return {
    capability,
    interfaces: full,
    bind(ctx) {
      const own = overrides(ctx);
      const out: Record<string, unknown> = {};
      for (let k = 0; k < interfaces.length; k++) {
        const name = full[k] as string;
        const impl = own[name] ?? ctx.shim[pkg][camel(interfaces[k] as string)];
        if (impl !== undefined) out[name] = impl;
      }
      return out;
    },
  };
}
