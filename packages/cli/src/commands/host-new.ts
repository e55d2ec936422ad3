import { type Command, Option } from "commander";
import { noun } from "../program.js";
import { scaffold } from "../scaffold/render.js";
import { describeScaffold } from "../scaffold/report.js";
import { NATIVE_HOST, WEB_HOST } from "../scaffold/templates.js";

interface HostNewOptions {
  kind: "native" | "web";
  output?: string;
}

export function register(program: Command): void {
  noun(
    program,
    "host",
    "create programs that embed loop's runtime",
    `
Examples:
  $ loop host new my-host
  $ loop host new my-page --kind web
  $ loop host new --help`,
  )
    .command("new")
    .summary("create a program that hosts components and gives them its own capability")
    .description(
      "Create a host project named NAME in ./NAME (or --output DIR): the documented path for " +
        '"my app has its own capabilities" (docs/embedding.md).\n\n' +
        "--kind native (the default): a Rust program embedding the loop-host library. It defines " +
        "its own WIT interface (wit/greeter.wit), provides it in-process as a capability " +
        "(src/greeter.rs: wasmtime's bindgen! plus loop_host::caps::Capability, with " +
        "per-instance state), and runs a guest component (guest/, Rust) that imports it. Every " +
        "WASI capability of loop-host comes with it, under the same policy.\n\n" +
        "--kind web: the same in the browser, a TypeScript page using the in-browser host " +
        "(@loop-kit/web-host). It provides the same WIT interface (wit/greeter.wit) in TypeScript " +
        "(src/greeter.ts: a Provider, added to the standard PROVIDERS in src/main.ts) to a guest " +
        "loop:fx UI component (guest/, Rust) that greets through it when its button is clicked. " +
        "`npm run build` builds the guest, transpiles it with jco and bundles the page with " +
        "esbuild into dist/, a static folder; nothing to install.\n\n" +
        "NAME follows the rules of `loop component new`; the folder must not exist or be empty.",
    )
    .argument("<name>", "the project's name, e.g. my-host")
    .addOption(
      new Option("--kind <KIND>", "native (Rust, loop-host library) or web (browser host)")
        .choices(["native", "web"])
        .default("native"),
    )
    .option("-o, --output <DIR>", "the folder to create it in (default: ./NAME)")
    .addHelpText(
      "after",
      `
Exit status: 0 when created; 1 for a bad NAME or a non-empty folder; 2 for bad usage (an
unknown --kind).

Examples:
  $ loop host new my-host
  $ cd my-host && loop component build guest && cargo run --release
      Hello, world! (greeting 1 from the my-host host)
  $ cargo run --release -- guest/target/wasm32-wasip2/release/my-host-guest.wasm Ada
      runs a given guest with arguments
  $ loop host new my-page --kind web
  $ cd my-page && npm run build && python3 -m http.server -d dist 8000
      then open http://127.0.0.1:8000/ and click Greet`,
    )
    .action(async (name: string, options: HostNewOptions) => {
      const result = await scaffold({
        template: options.kind === "web" ? WEB_HOST : NATIVE_HOST,
        name,
        ...(options.output !== undefined ? { dir: options.output } : {}),
      });
      process.stdout.write(describeScaffold(result));
    });
}
