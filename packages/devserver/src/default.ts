import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { DevServer } from "./contract.js";
import { planChanges } from "./graph.js";
import { loadComponent } from "./load.js";
import { scanWorkspace } from "./scan.js";

/** The built-in `loop:devserver`. */
export const defaultDevServer: DevServer = {
  name: "default",
  scan: scanWorkspace,
  plan: planChanges,
  load: loadComponent,
};

/** A dev server module that cannot be loaded or is not one. */
export class DevServerError extends Error {
  override name = "DevServerError";
}

/**
 * Loads the dev server a workspace names (`[dev] server` in loop.toml, or `loop dev --server`):
 * a module path (relative to `baseDir`) or a package name. The module's default export (or its
 * `devServer` export) is a dev server object, or a function given the built-in one that returns
 * one; methods it leaves out are the built-in ones, so a custom server can override just `plan`.
 */
export async function loadDevServer(spec: string, baseDir: string): Promise<DevServer> {
  let url: string;
  if (spec.startsWith(".") || isAbsolute(spec)) {
    const file = resolve(baseDir, spec);
    if (!existsSync(file))
      throw new DevServerError(`dev server module ${spec} not found (looked at ${file})`);
    url = pathToFileURL(file).href;
  } else {
    try {
      url = pathToFileURL(createRequire(join(baseDir, "package.json")).resolve(spec)).href;
    } catch (err) {
      throw new DevServerError(
        `dev server package ${spec} not found from ${baseDir}: ${(err as Error).message.split("\n")[0]}`,
      );
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new DevServerError(`cannot load the dev server ${spec}: ${(err as Error).message}`);
  }
  let exported = mod.devServer ?? mod.default;
  if (typeof exported === "function")
    exported = await (exported as (d: DevServer) => unknown)(defaultDevServer);
  if (typeof exported !== "object" || exported === null) {
    throw new DevServerError(
      `${spec} exports no dev server: export default an object with name, scan, plan and load (any left out are the built-in ones), or a function returning one`,
    );
  }
  const custom = exported as Partial<Record<keyof DevServer, unknown>>;
  for (const key of ["scan", "plan", "load"] as const) {
    if (custom[key] !== undefined && typeof custom[key] !== "function") {
      throw new DevServerError(`${spec}: \`${key}\` must be a function`);
    }
  }
  const name = typeof custom.name === "string" && custom.name !== "" ? custom.name : spec;
  return {
    name,
    scan: (custom.scan as DevServer["scan"] | undefined) ?? defaultDevServer.scan,
    plan: (custom.plan as DevServer["plan"] | undefined) ?? defaultDevServer.plan,
    load: (custom.load as DevServer["load"] | undefined) ?? defaultDevServer.load,
  };
}

/** The folder a manifest-relative module path is resolved from. */
export function manifestDir(manifest: string): string {
  return dirname(manifest);
}
