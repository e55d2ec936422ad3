import { closeSync, fstatSync, openSync, readSync } from "node:fs";

// Telling an fx component (world loop:fx/app) from a command without starting anything: its
// component-level export section names `loop:fx/component`. That section comes after every
// core module it exports from, so it sits in the file's tail; reading the last MiB is enough
// and costs well under a millisecond even for a 13 MiB componentize-js component. loop-host's
// `load` answer (`world`) is what finally decides; this only picks the way to run it.

const NEEDLE = Buffer.from("loop:fx/component");
const TAIL = 1 << 20;

/**
 * Whether the file at `path` looks like a `loop:fx` component (it names `loop:fx/component`
 * near its end). False for anything unreadable.
 */
export function looksLikeFxComponent(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL);
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buf, read, length - read, size - length + read);
      if (n === 0) break;
      read += n;
    }
    return buf.subarray(0, read).includes(NEEDLE);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `loop run`'s fx-only options (the rest of `FxOptions` is in fx-run.ts). */
interface FxOnlyOptions {
  events?: string;
  record?: string;
  patches?: string;
  props?: string;
}

/** Whether an fx-only option (`--events`, `--record`, `--patches`, `--props`) was given. */
export function wantsFx(options: FxOnlyOptions): boolean {
  return (
    options.events !== undefined ||
    options.record !== undefined ||
    options.patches !== undefined ||
    options.props !== undefined
  );
}
