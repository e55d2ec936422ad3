// The run benchmark's 12 MB JS component: examples/hello-ts minus its log line, written against
// the WASI imports directly (no SDK) so that nothing pulls in wasi:logging.
import { getArguments, getEnvironment } from "wasi:cli/environment@0.2.12";

export const run = {
  run() {
    const args = getArguments().slice(1);
    const greeting = getEnvironment().find(([key]) => key === "GREETING")?.[1];
    console.log(`args: ${JSON.stringify(args)}`);
    console.log(`GREETING: ${greeting ?? "(not set)"}`);
  },
};
