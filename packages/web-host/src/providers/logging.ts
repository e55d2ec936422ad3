import type { Provider } from "./types.js";

// `wasi:logging/logging` → the browser console, one line per call, prefixed with the component
// (as loop-host prefixes its log events).

type Level = "trace" | "debug" | "info" | "warn" | "error" | "critical";

export const logging: Provider = {
  capability: "logging",
  interfaces: ["wasi:logging/logging"],
  bind: ({ component }) => ({
    "wasi:logging/logging": {
      log(level: Level, context: string, message: string) {
        const line = `[${component}${context ? ` ${context}` : ""}] ${message}`;
        if (level === "error" || level === "critical") console.error(line);
        else if (level === "warn") console.warn(line);
        else if (level === "info") console.info(line);
        else console.debug(line);
      },
    },
  }),
};
