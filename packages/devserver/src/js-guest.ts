import { readFile } from "node:fs/promises";
import { format } from "node:util";
import vm from "node:vm";

// The TS/JS fast path's runtime: a guest bundle (CommonJS, made by load.ts's bundleFast) run in
// Node against the same WIT imports a componentized build gets, bound the way componentize-js
// and jco bind them (`now()` a bigint, records with camelCase fields, `list<u8>` a Uint8Array,
// a thrown value's `payload` as a result's `err`). One module evaluation is one instance, as
// one wasm instance is one instance of the componentized guest; instances of one version share
// a V8 context (globalThis), which a wasm instance would not.

/** The bindings of one instance's imports. */
export interface GuestImports {
  /** `loop:fx/host`. */
  fx: {
    invalidate(): void;
    emit(name: string, payload: string): void;
    now(): number;
    setTimeout(delayMs: number, handler: string): number;
    clearTimeout(id: number): void;
  };
  /** `wasi:logging/logging.log`. */
  log(level: string, context: string, message: string): void;
  /** What the guest prints (console.*): loop-host sends guest stdout to stderr; so does this. */
  print(text: string): void;
}

/** A compiled guest bundle; `instantiate` evaluates it once more with its own bindings. */
export class JsGuestModule {
  readonly path: string;
  private readonly fn: (
    require: (id: string) => unknown,
    module: { exports: object },
    exports: object,
  ) => void;
  private readonly context: vm.Context;
  private current: GuestImports | null = null;

  private constructor(path: string, code: string) {
    this.path = path;
    const print = (text: string) => this.current?.print(text);
    const consoleShim = {
      log: (...a: unknown[]) => print(`${format(...a)}\n`),
      info: (...a: unknown[]) => print(`${format(...a)}\n`),
      debug: (...a: unknown[]) => print(`${format(...a)}\n`),
      warn: (...a: unknown[]) => print(`${format(...a)}\n`),
      error: (...a: unknown[]) => print(`${format(...a)}\n`),
      trace: (...a: unknown[]) => print(`${format(...a)}\n`),
    };
    // What StarlingMonkey (componentize-js's engine) offers a guest beyond the language itself.
    this.context = vm.createContext({
      console: consoleShim,
      TextEncoder,
      TextDecoder,
      URL,
      URLSearchParams,
      structuredClone,
      queueMicrotask,
      atob,
      btoa,
      crypto: globalThis.crypto,
    });
    this.fn = vm.compileFunction(code, ["require", "module", "exports"], {
      filename: path,
      parsingContext: this.context,
    }) as typeof this.fn;
  }

  /** Reads and compiles a bundle (a syntax error rejects here, before anything is swapped). */
  static async load(path: string): Promise<JsGuestModule> {
    return new JsGuestModule(path, await readFile(path, "utf8"));
  }

  /** Evaluates the bundle with these imports; resolves to its exports. */
  instantiate(imports: GuestImports): Record<string, unknown> {
    const fx = imports.fx;
    const bindings: Record<string, object> = {
      "loop:fx/host": {
        invalidate: () => fx.invalidate(),
        emit: (name: string, payload: string) => fx.emit(String(name), String(payload)),
        now: () => BigInt(fx.now()),
        setTimeout: (delayMs: number, handler: string) =>
          fx.setTimeout(delayMs >>> 0, String(handler)),
        clearTimeout: (id: number) => fx.clearTimeout(id >>> 0),
      },
      "wasi:logging/logging": {
        log: (level: string, context: string, message: string) =>
          imports.log(String(level), String(context), String(message)),
      },
    };
    const require = (id: string): unknown => {
      const bare = id.replace(/@[^/@]*$/, "");
      const found = bindings[bare];
      if (found === undefined) {
        throw new Error(`the dev fast path does not provide ${id}; run loop dev with --no-fast`);
      }
      return found;
    };
    const module = { exports: {} as Record<string, unknown> };
    // Top-level code prints through the instance being created.
    const previous = this.current;
    this.current = imports;
    try {
      this.fn(require, module, module.exports);
    } finally {
      this.current = previous ?? imports;
    }
    const exports = module.exports;
    // Calls into this instance print through its own imports.
    return wrapExports(exports, () => {
      this.current = imports;
    });
  }
}

function wrapExports(exports: Record<string, unknown>, enter: () => void): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== "object" || value === null) {
      out[name] = value;
      continue;
    }
    const iface: Record<string, unknown> = {};
    for (const [fn, f] of Object.entries(value as Record<string, unknown>)) {
      iface[fn] =
        typeof f === "function"
          ? (...args: unknown[]) => {
              enter();
              return (f as (...a: unknown[]) => unknown).apply(value, args);
            }
          : f;
    }
    out[name] = iface;
  }
  return out;
}

/** The `err` a thrown value becomes for a `result<_, string>` export (componentize-js's rule). */
export function errorPayload(err: unknown): string {
  if (typeof err === "object" && err !== null && Object.hasOwn(err, "payload")) {
    return String((err as { payload: unknown }).payload);
  }
  if (err instanceof Error || (typeof err === "object" && err !== null && "message" in err)) {
    return String((err as { message: unknown }).message);
  }
  return String(err);
}
