import { type Command, Option } from "commander";
import { noun } from "../program.js";
import { scaffold } from "../scaffold/render.js";
import { describeScaffold } from "../scaffold/report.js";
import { componentTemplate, LANGS, type Lang, WORLDS, type World } from "../scaffold/templates.js";

interface NewOptions {
  lang: Lang;
  world: World;
  output?: string;
}

export function register(program: Command): void {
  noun(program, "component", "build and inspect components")
    .description("create, build and inspect components")
    .command("new")
    .summary("create a component project that builds and runs as it is")
    .description(
      "Create a component project named NAME in ./NAME (or --output DIR): its source, its WIT " +
        "world, a loop.toml and a short README. It builds and runs with no edits and no " +
        "network: `loop run` (`loop serve` for --world http) in the new folder builds it, then " +
        "runs it; an fx component is rendered headless and its HTML printed.\n\n" +
        "Rust projects use loop-kit's Rust SDK from this checkout by path and pin the toolchain " +
        "and dependency versions loop-kit is tested with (rust-toolchain.toml, Cargo.lock). " +
        "TypeScript and JavaScript projects use @loop-kit/sdk from this checkout; nothing to " +
        "install.\n\n" +
        "NAME is lower-case letters, digits and single hyphens, each part starting with a letter " +
        "(it names the folder, the package, the component in loop.toml and the WIT world). The " +
        "folder must not exist or be empty: loop never overwrites files.",
    )
    .argument("<name>", "the project's name, e.g. hello-world")
    .addOption(
      new Option("--lang <LANG>", "the language: rust, ts (TypeScript) or js (JavaScript)")
        .choices(LANGS)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--world <WORLD>",
        "what it is: command (wasi:cli/run, `loop run`), http (wasi:http/incoming-handler, " +
          "`loop serve`) or fx (a loop:fx UI component)",
      )
        .choices(WORLDS)
        .default("command"),
    )
    .option("-o, --output <DIR>", "the folder to create it in (default: ./NAME)")
    .addHelpText(
      "after",
      `
Templates (loop-kit's templates/component/LANG-WORLD):
  --lang rust   command: fn main          http: #[wstd::http_server]   fx: loop_sdk::fx
  --lang ts     command: command(...)     http: incomingHandler        fx: defineComponent
  --lang js     the same as ts, in plain JavaScript

Exit status: 0 when created; 1 for a bad NAME or a non-empty folder (nothing is written);
2 for bad usage.

Examples:
  $ loop component new hello --lang rust
  $ cd hello && loop run
      Hello, world! This is hello, a Rust component.
  $ loop component new api --lang ts --world http && cd api && loop serve
      serving api on http://127.0.0.1:8080
  $ loop component new counter --lang js --world fx --output ui/counter
      a loop:fx UI component in ./ui/counter`,
    )
    .action(async (name: string, options: NewOptions) => {
      const result = await scaffold({
        template: componentTemplate(options.lang, options.world),
        name,
        ...(options.output !== undefined ? { dir: options.output } : {}),
      });
      process.stdout.write(describeScaffold(result));
    });
}
