// Types for what the web bench imports that ships without them.

/** The rows guest transpiled by jco (`instantiation: "async"`); the bench aliases it at bundle time. */
declare module "loop-bench-rows" {
  export const instantiate: (
    getCoreModule: (path: string) => Promise<WebAssembly.Module>,
    imports: Record<string, unknown>,
  ) => Promise<Record<string, unknown>>;
}

// react-dom 19's two entry points the React page uses (the project has @types/react, not
// @types/react-dom).
declare module "react-dom" {
  export function flushSync<R>(fn: () => R): R;
}
declare module "react-dom/client" {
  import type { ReactNode } from "react";
  export interface Root {
    render(children: ReactNode): void;
    unmount(): void;
  }
  export function createRoot(container: Element): Root;
}
