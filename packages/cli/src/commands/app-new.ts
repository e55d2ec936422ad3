import type { Command } from "commander";
import { noun } from "../program.js";
import { scaffold } from "../scaffold/render.js";
import { describeScaffold } from "../scaffold/report.js";
import { APP } from "../scaffold/templates.js";

interface AppNewOptions {
  output?: string;
}

export function register(program: Command): void {
  noun(
    program,
    "app",
    "create apps: several components and a loop.toml",
    `
Examples:
  $ loop app new my-app
  $ loop app new --help`,
  )
    .command("new")
    .summary("create an app: a Rust and a TypeScript component that talk through loop:fx")
    .description(
      "Create an app workspace named NAME in ./NAME (or --output DIR): a loop.toml naming two " +
        "components, each built from its own source folder, that talk through a capability.\n\n" +
        "app/ (Rust) is the main component: a loop:fx UI component that renders two `counter` " +
        "children and shows their total. counter/ (TypeScript) is the child: it renders the " +
        "props the parent gives it and, when clicked, yields a `changed` event back with " +
        "loop:fx/host.emit. Props go down, events come up, and the host carries both: neither " +
        "component can reach the other any other way.\n\n" +
        "`loop run` in the new folder builds both and renders the app headless (its HTML); " +
        "`loop run --events clicks.log` first replays a few clicks on the counters.\n\n" +
        "NAME follows the rules of `loop component new`; the folder must not exist or be empty.",
    )
    .argument("<name>", "the app's name, e.g. my-app")
    .option("-o, --output <DIR>", "the folder to create it in (default: ./NAME)")
    .addHelpText(
      "after",
      `
Exit status: 0 when created; 1 for a bad NAME or a non-empty folder; 2 for bad usage.

Examples:
  $ loop app new my-app
  $ cd my-app && loop run --events clicks.log
      <div class="app"><h1>my-app</h1><div class="counter">...</div>...<p id="total">total: 4</p></div>
  $ loop component inspect --component counter
      world loop:fx/app: imports loop:fx/host (invalidate, emit), exports loop:fx/component`,
    )
    .action(async (name: string, options: AppNewOptions) => {
      const result = await scaffold({
        template: APP,
        name,
        ...(options.output !== undefined ? { dir: options.output } : {}),
      });
      process.stdout.write(describeScaffold(result));
    });
}
