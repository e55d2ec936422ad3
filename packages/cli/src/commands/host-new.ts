import { type Command, Option } from "commander";
import { CliError } from "../errors.js";
import { noun } from "../program.js";
import { scaffold } from "../scaffold/render.js";
import { describeScaffold } from "../scaffold/report.js";
import { NATIVE_HOST } from "../scaffold/templates.js";

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
        "--kind web: a TypeScript package using the in-browser host. Not available yet: it needs " +
        "packages/web-host (issue 6).\n\n" +
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
Exit status: 0 when created; 1 for a bad NAME, a non-empty folder, or --kind web (not available
yet); 2 for bad usage.

Examples:
  $ loop host new my-host
  $ cd my-host && loop component build guest && cargo run --release
      Hello, world! (greeting 1 from the my-host host)
  $ cargo run --release -- guest/target/wasm32-wasip2/release/my-host-guest.wasm Ada
      runs a given guest with arguments`,
    )
    .action(async (name: string, options: HostNewOptions) => {
      if (options.kind === "web") {
        throw new CliError(
          "--kind web is not available yet: needs packages/web-host (issue 6), the in-browser host; use --kind native",
        );
      }
      const result = await scaffold({
        template: NATIVE_HOST,
        name,
        ...(options.output !== undefined ? { dir: options.output } : {}),
      });
      process.stdout.write(describeScaffold(result));
    });
}
