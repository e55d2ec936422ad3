import type { BuildResult } from "@loop-kit/build";
import type { Command } from "commander";
import { formatMs } from "../format.js";
import { noun } from "../program.js";
import { createProgress, describeBuild } from "../progress.js";

// @loop-kit/build (esbuild, componentize-js, jco) and ora load only when this command runs.

interface BuildCommandOptions {
  json?: boolean;
  force?: boolean;
}

export function register(program: Command): void {
  noun(
    program,
    "component",
    "build and inspect components",
    `
Examples:
  $ loop component build examples/hello-ts
  $ loop component inspect target/wasm32-wasip2/release/hello.wasm
  $ loop component build --help`,
  )
    .command("build")
    .summary("build a guest project into a component")
    .description(
      "Build the guest project in PATH (default: the current folder) into a WebAssembly " +
        "component and print where it went. The kind of project is read from the folder:\n\n" +
        "Cargo.toml: Rust, built with cargo for wasm32-wasip2 (or wasip1 plus the preview-1 " +
        "adapter). The component is wherever cargo put it, under the target folder.\n\n" +
        "package.json: JavaScript or TypeScript. esbuild bundles the entry and componentize-js " +
        'builds it against the world named in package.json\'s "loop" field. The component goes ' +
        "to PATH/dist/<package name>.wasm, and a build whose output is newer than every input " +
        "is skipped and reported as up to date.",
    )
    .argument("[path]", "the guest project folder", ".")
    .option("--json", "print the result as JSON ({kind, wasm, bytes, ms, upToDate})")
    .option("--force", "rebuild even when the output is up to date")
    .addHelpText(
      "after",
      `
package.json settings (all optional; these are examples):
  "loop": { "world": "hello", "wit": "wit", "entry": "src/index.ts" }

Environment:
  LOOP_RUST_ROUTE=wasip2|wasip1|debian   build Rust this way instead of detecting it

Examples:
  $ loop component build examples/hello-ts
      built ts component examples/hello-ts/dist/hello-ts.wasm (13.3 MiB) in 9.1s
  $ loop component build --json
      {"kind":"rust","wasm":"/abs/path/target/wasm32-wasip2/release/hello.wasm",...}
  $ loop run "$(loop component build examples/hello-ts --json | jq -r .wasm)" world`,
    )
    .action(async (path: string, options: BuildCommandOptions) => {
      const { buildComponent } = await import("@loop-kit/build");
      const progress = options.json ? undefined : await createProgress();
      let result: BuildResult;
      try {
        result = await buildComponent(path, {
          ...(progress ? { onProgress: progress.step } : {}),
          force: options.force === true,
        });
      } finally {
        progress?.stop();
      }
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const what = describeBuild(result);
      process.stdout.write(
        result.upToDate ? `${what} is up to date\n` : `built ${what} in ${formatMs(result.ms)}\n`,
      );
    });
}
