/**
 * @loop-kit/host-client: locate the `loop-host` executable and run it.
 *
 * Later this package also speaks loop-host's control protocol; for now it only finds the binary
 * and runs it as a child process with the terminal passed straight through.
 */
export { type FindLoopHostOptions, findLoopHost, LoopHostNotFoundError } from "./locate.js";
export { type HostExit, type RunHostOptions, runHost } from "./run.js";
