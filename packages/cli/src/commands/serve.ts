import { type Command, InvalidArgumentError, Option } from "commander";
import { hostTargetArgs, MANIFEST } from "../app.js";
import { execHost } from "../host.js";
import {
  addEngineOptions,
  addManifestOptions,
  addPolicyOptions,
  type PolicyOptions,
} from "../policy.js";

interface ServeOptions extends PolicyOptions {
  listen?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("serve")
    .summary("serve a wasi:http component over HTTP")
    .description(
      "Serve a component that exports wasi:http/incoming-handler with loop-host, over HTTP/1.1. " +
        "Every request gets a fresh instance of the pre-instantiated component (pooling " +
        "allocator), so a trap, --timeout or --max-memory in one request answers that request " +
        "500 and touches no other.\n\n" +
        "Prints `serving NAME on http://ADDR` on stdout once listening. Ctrl-C (or SIGTERM) " +
        "stops accepting, lets the requests in flight finish, and exits 0.\n\n" +
        `Without FILE (or with --manifest or --component), loop serves the app of ./${MANIFEST}, ` +
        "built first when the manifest gives its source folder; FILE with --manifest serves FILE " +
        "under that component's policy.",
    )
    .argument("[file]", "the component (.wasm) to serve; omit it to serve ./loop.toml's app")
    .addOption(
      new Option(
        "--listen <ADDR>",
        "address to listen on; port 0 picks a free one (default: 127.0.0.1:8080)",
      ).argParser(checkListen),
    );
  addManifestOptions(cmd, "serve");
  addPolicyOptions(cmd);
  addEngineOptions(cmd, true);
  cmd
    .addHelpText(
      "after",
      `
Exit status: 0 after Ctrl-C or SIGTERM; 1 when the component cannot be loaded or served.

Examples:
  $ loop serve proxy.wasm --listen 127.0.0.1:8080
      serves proxy.wasm on port 8080 of the loopback interface
  $ loop serve api.wasm --listen 127.0.0.1:0 --allow-host 127.0.0.1:9000 --timeout 2s
      picks a free port, allows outgoing HTTP to 127.0.0.1:9000, 2 s per request at most
  $ loop serve
      serves the app of ./loop.toml (building its source first)
  $ loop serve --manifest app/loop.toml --component api --max-memory 64MiB
      serves component "api" of app/loop.toml with 64 MiB of memory per request`,
    )
    .action(async (file: string | undefined, options: ServeOptions) => {
      process.exitCode = await serveCommand(file, options);
    });
}

async function serveCommand(file: string | undefined, options: ServeOptions): Promise<number> {
  const listen = options.listen !== undefined ? ["--listen", options.listen] : [];
  return execHost(await hostTargetArgs("serve", listen, file, options));
}

function checkListen(value: string): string {
  if (!/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/.test(value)) {
    throw new InvalidArgumentError(
      "expected IP:PORT, e.g. --listen 127.0.0.1:8080 (port 0 picks a free one)",
    );
  }
  return value;
}
