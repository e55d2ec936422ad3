/** @loop-kit/cli as a library: build the `loop` program or run it on given arguments. */
export { createProgram, main } from "./cli.js";
export { CliError, EXIT_INTERNAL, EXIT_USAGE, reportError } from "./errors.js";
export { noun, type Register } from "./program.js";
