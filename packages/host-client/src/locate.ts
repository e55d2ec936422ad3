import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const EXE = process.platform === "win32" ? "loop-host.exe" : "loop-host";

const HOW_TO_BUILD =
  "run `npm run setup` (or `cargo build --release -p loop-host`), or set LOOP_HOST";

/** Thrown when no `loop-host` executable can be found (or `$LOOP_HOST` names a missing file). */
export class LoopHostNotFoundError extends Error {
  override name = "LoopHostNotFoundError";
  readonly code = "LOOP_HOST_NOT_FOUND";
  /** The paths that were tried, in order. */
  readonly tried: readonly string[];

  constructor(message: string, tried: readonly string[]) {
    super(message);
    this.tried = tried;
  }
}

export interface FindLoopHostOptions {
  /** Environment to read `LOOP_HOST` and `PATH` from (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /**
   * The repository build to try before `PATH` (default: `<repo root>/target/release/loop-host`
   * relative to this package); `false` skips it.
   */
  repoBinary?: string | false;
}

/**
 * The path of the `loop-host` executable to run:
 * 1. `$LOOP_HOST` when set (an error if it names nothing runnable);
 * 2. `<repo root>/target/release/loop-host`, found relative to this package's own files;
 * 3. `loop-host` on `PATH`.
 *
 * @throws {LoopHostNotFoundError} when none exists.
 */
export function findLoopHost(options: FindLoopHostOptions = {}): string {
  const env = options.env ?? process.env;

  const fromEnv = env.LOOP_HOST;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new LoopHostNotFoundError(
      `loop-host not found at ${fromEnv} (from LOOP_HOST): point LOOP_HOST at a loop-host binary, or unset it and run \`npm run setup\``,
      [fromEnv],
    );
  }

  const tried: string[] = [];
  // src/locate.ts and dist/locate.js are both two levels below packages/host-client.
  const inRepo =
    options.repoBinary ?? fileURLToPath(new URL(`../../../target/release/${EXE}`, import.meta.url));
  if (inRepo !== false) {
    tried.push(inRepo);
    if (isExecutable(inRepo)) return inRepo;
  }

  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, EXE);
    tried.push(candidate);
    if (isExecutable(candidate)) return candidate;
  }

  throw new LoopHostNotFoundError(`loop-host is not built: ${HOW_TO_BUILD}`, tried);
}

function isExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== "win32") accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The environment to start loop-host with: `env` (default: this process's) plus
 * `LOOP_HOST_EXIT_WITH_PARENT=1`, so loop-host gets SIGTERM if this process dies without
 * stopping it (a crash, SIGKILL): a server never outlives the program that started it.
 */
export function hostEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, LOOP_HOST_EXIT_WITH_PARENT: "1" };
}
