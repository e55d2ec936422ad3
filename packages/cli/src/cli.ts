import { Command, CommanderError } from "commander";
import * as appNew from "./commands/app-new.js";
import * as componentBuild from "./commands/component-build.js";
import * as componentInspect from "./commands/component-inspect.js";
import * as componentNew from "./commands/component-new.js";
import * as dev from "./commands/dev.js";
import * as doctor from "./commands/doctor.js";
import * as hostNew from "./commands/host-new.js";
import * as pack from "./commands/pack.js";
import * as run from "./commands/run.js";
import * as serve from "./commands/serve.js";
import { reportError } from "./errors.js";
import { commanderExit, configureTree, type Register, version } from "./program.js";

/** Every command module; adding a command is one line here. */
const COMMANDS: Register[] = [
  run.register,
  serve.register,
  dev.register,
  componentBuild.register,
  componentInspect.register,
  componentNew.register,
  hostNew.register,
  appNew.register,
  doctor.register,
  pack.register,
];

/** Builds the `loop` program with every command registered. */
export function createProgram(): Command {
  const program = new Command("loop")
    .description("loop-kit: build and run WebAssembly components with explicit capabilities.")
    .version(version(), "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .helpCommand("help [command]", "show help for a command")
    .enablePositionalOptions();
  program.addHelpText(
    "after",
    `
Examples:
  $ loop component build examples/hello-ts
  $ loop run --env GREETING=hi examples/hello-ts/dist/hello-ts.wasm world
  $ loop run                                  # the app of ./loop.toml
  $ loop serve proxy.wasm --listen 127.0.0.1:8080
  $ loop component inspect app.wasm --manifest loop.toml
  $ loop doctor                               # loop-host, Rust, display and GPU
  $ loop run --help

Set LOOP_HOST to use another loop-host binary; LOOP_DEBUG=1 shows stacks of internal errors.`,
  );
  for (const register of COMMANDS) register(program);
  configureTree(program);
  return program;
}

/** Runs the CLI on `argv` (as in `process.argv`) and resolves with the exit status. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return commanderExit(err);
    return reportError(err);
  }
}
