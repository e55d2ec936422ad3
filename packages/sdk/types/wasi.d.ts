// Types of the WIT interfaces that JS/TS guests import, as componentize-js binds them
// (the jco conventions: u64 → bigint, list<u8> → Uint8Array, option<T> → T | undefined,
// tuple → array, result → a thrown error on failure). Written from the WIT in
// @bytecodealliance/jco (WASI 0.2.12) and loop-kit's wit/deps (wasi:logging).
// Use them from a guest with `import { ... } from "wasi:cli/environment@0.2.12"`; the build
// leaves `wasi:*` and `loop:*` imports for componentize-js to bind.

declare module "wasi:logging/logging@0.1.0-draft" {
  /** How important a log record is. */
  export type Level = "trace" | "debug" | "info" | "warn" | "error" | "critical";
  /** Emits one record into the host's log. `context` names where it comes from (may be ""). */
  export function log(level: Level, context: string, message: string): void;
}

declare module "wasi:cli/environment@0.2.12" {
  /** The environment the host passes (only what it was granted). */
  export function getEnvironment(): Array<[string, string]>;
  /** The arguments, program name first. */
  export function getArguments(): Array<string>;
  /** The working directory the program should treat as current, if any. */
  export function initialCwd(): string | undefined;
}

declare module "wasi:cli/exit@0.2.12" {
  export type Result = { tag: "ok"; val?: undefined } | { tag: "err"; val?: undefined };
  /** Ends the program now: `ok` is status 0, `err` is status 1. */
  export function exit(status: Result): never;
  /** Ends the program now with the given status (0-255). */
  export function exitWithCode(statusCode: number): never;
}

declare module "wasi:cli/run@0.2.12" {
  /** What a command component exports as `run`; a thrown error is a failed run. */
  export interface Run {
    run(): void;
  }
}

declare module "wasi:clocks/wall-clock@0.2.12" {
  export interface Datetime {
    seconds: bigint;
    nanoseconds: number;
  }
  export function now(): Datetime;
  export function resolution(): Datetime;
}

declare module "wasi:clocks/monotonic-clock@0.2.12" {
  /** Nanoseconds. */
  export type Instant = bigint;
  /** Nanoseconds. */
  export type Duration = bigint;
  export function now(): Instant;
  export function resolution(): Duration;
}

declare module "wasi:random/random@0.2.12" {
  /** Cryptographically secure random bytes. */
  export function getRandomBytes(len: bigint): Uint8Array;
  export function getRandomU64(): bigint;
}

declare module "wasi:random/insecure@0.2.12" {
  export function getInsecureRandomBytes(len: bigint): Uint8Array;
  export function getInsecureRandomU64(): bigint;
}
