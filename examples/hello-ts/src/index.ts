// `loop run hello-ts.wasm a b --env GREETING=hi` prints the arguments and GREETING, and logs
// one line through wasi:logging. EXIT_CODE=n makes it exit with status n.
import { args, command, env, log } from "@loop-kit/sdk";

export const run = command(() => {
  console.log(`args: ${JSON.stringify(args())}`);
  console.log(`GREETING: ${env("GREETING") ?? "(not set)"}`);
  log.info(`greeted ${args().length} argument(s)`, "hello-ts");
  return Number(env("EXIT_CODE") ?? 0);
});
