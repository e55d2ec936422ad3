// A command component: `loop run` builds it (esbuild, then componentize-js) and runs it.
// `@loop-kit/sdk` wraps the WASI imports: args(), env(), log, and command() for the export.
import { command, log } from "@loop-kit/sdk";

const NAME = "{{name}}";

export const run = command((args) => {
  const who = args[0] ?? "world";
  console.log(`Hello, ${who}! This is ${NAME}, a TypeScript component.`);
  log.info(`greeted ${who}`);
});
