import type { Command } from "commander";
import { hostTargetArgs, MANIFEST } from "../app.js";
import { execHost } from "../host.js";
import {
  addEngineOptions,
  addManifestOptions,
  addPolicyOptions,
  type PolicyOptions,
} from "../policy.js";
import { noun } from "../program.js";

interface InspectOptions extends PolicyOptions {
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = noun(program, "component", "build and inspect components")
    .command("inspect")
    .summary("show a component's world, imports, exports and grants")
    .description(
      "Show what a component is: the world it targets, its imports, its exports, and for each " +
        "import whether the policy grants it (granted), links it to a denying implementation " +
        "(denied: every call gets the interface's own error and a host log line), refuses to " +
        "load the component for it (refused: an untrusted component importing loop:process), " +
        "or has nothing to provide it (missing).\n\n" +
        "The policy is the untrusted default plus the grant options, or, with --manifest (or " +
        `with no FILE and a ./${MANIFEST}), the manifest component's policy plus the options.`,
    )
    .argument("[file]", "the component (.wasm); omit it to inspect ./loop.toml's component")
    .option("--json", "print JSON ({file, kind, world, component, trust, imports, exports})");
  addManifestOptions(cmd, "inspect");
  addPolicyOptions(cmd);
  addEngineOptions(cmd, false);
  cmd
    .addHelpText(
      "after",
      `
Examples:
  $ loop component inspect target/wasm32-wasip2/release/hello.wasm
      the world, imports and exports, each import granted or denied by the untrusted default
  $ loop component inspect app.wasm --kv default --allow-host 127.0.0.1:9000
      the same under a policy with a bucket and one allowed host
  $ loop component inspect app.wasm --manifest loop.toml --component app --json
      app.wasm under component "app" of loop.toml, as JSON
  $ loop component inspect
      the component of ./loop.toml (built first when it comes from source)`,
    )
    .action(async (file: string | undefined, options: InspectOptions) => {
      process.exitCode = await inspectCommand(file, options);
    });
}

async function inspectCommand(file: string | undefined, options: InspectOptions): Promise<number> {
  return execHost(await hostTargetArgs("inspect", options.json ? ["--json"] : [], file, options));
}
