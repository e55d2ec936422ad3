import type { Command } from "commander";
import { CliError, EXIT_USAGE } from "../errors.js";
import { formatMs } from "../format.js";

// `loop pack`: package an app to run somewhere else. The one target so far is the browser
// (`--web`): a static folder (src/web-pack.ts). Loaded lazily: jco, esbuild and the build
// drivers load only when this command runs.

interface PackCommandOptions {
  web?: boolean;
  out?: string;
  manifest?: string;
  component?: string;
  props?: string;
  force?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command("pack")
    .summary("package an fx app as a static web folder (--web)")
    .description(
      "Package the loop:fx app in PATH (default: the current folder) to run elsewhere.\n\n" +
        "--web writes a static folder that runs the app entirely in the browser: each " +
        "component is built (a manifest's `source` components, or the guest project in PATH), " +
        "transpiled by jco into JavaScript and core wasm, and bundled with the in-browser host " +
        "(@loop-kit/web-host: the same fx reconciler, the DOM renderer, browser providers of " +
        "the components' imports). Any static server serves the folder; the page starts the " +
        "app afresh on every load.\n\n" +
        "PATH is a folder with loop.toml (every component of the app is packed; the root is " +
        "app.main or --component), a guest project folder (Cargo.toml or package.json), or " +
        "one fx component (.wasm).",
    )
    .argument("[path]", "app folder, guest project or .wasm file", ".")
    .option("--web", "package for the browser (the only target so far)")
    .option("--out <DIR>", "where to write (default: dist/web in the app's folder)")
    .option("--manifest <FILE>", "the app's manifest (default: PATH/loop.toml)")
    .option("--component <NAME>", "a manifest app's root component (default: app.main)")
    .option("--props <JSON>", "the root component's props (default {})")
    .option("--force", "rebuild and re-transpile every component")
    .option("--json", "print the result as JSON ({out, root, components, bytes, ms})")
    .addHelpText(
      "after",
      `
Examples:
  $ loop pack --web examples/todo
      packs the todo app (todo + todo-item) into examples/todo/dist/web
  $ loop pack --web examples/counter --out /tmp/counter-web
  $ python3 -m http.server -d examples/todo/dist/web 8000
      serves it: open http://127.0.0.1:8000/`,
    )
    .action(async (path: string, options: PackCommandOptions) => {
      if (!options.web) {
        throw new CliError("loop pack needs a target: --web (a static folder for the browser)", {
          exitCode: EXIT_USAGE,
        });
      }
      const { display, packWeb } = await import("../web-pack.js");
      const result = await packWeb(path, {
        ...(options.out !== undefined ? { out: options.out } : {}),
        ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
        ...(options.component !== undefined ? { component: options.component } : {}),
        ...(options.props !== undefined ? { props: options.props } : {}),
        force: options.force === true,
        ...(options.json ? { onProgress: () => {} } : {}),
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      const names = result.components.map((c) => c.name).join(", ");
      const mib = (result.bytes / (1 << 20)).toFixed(1);
      process.stdout.write(
        `packed ${result.root} (${result.components.length === 1 ? "1 component" : `${result.components.length} components: ${names}`}) into ${display(result.out)} (${mib} MiB) in ${formatMs(result.ms)}\n` +
          `serve it with any static server, e.g.: python3 -m http.server -d ${display(result.out)} 8000\n`,
      );
    });
}
