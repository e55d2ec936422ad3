import { fromShim } from "./types.js";

// `wasi:random/*`: `crypto.getRandomValues` underneath.
export const random = fromShim("random", "random", ["random", "insecure", "insecure-seed"]);
