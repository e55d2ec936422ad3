import { fromShim } from "./types.js";

// `wasi:io/*`: errors, pollables and streams (the resources stdio and HTTP bodies are made of).
export const io = fromShim("io", "io", ["error", "poll", "streams"]);
