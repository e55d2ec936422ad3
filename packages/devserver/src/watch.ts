import { type Dirent, type FSWatcher, watch as fsWatch } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import type { ChangeKind, FileChange } from "./contract.js";
import { canonical } from "./scan.js";

// Watching: one watch per folder (see DirWatcher), ignored folders pruned while walking, so
// `target/` and `node_modules/` (tens of thousands of folders in a Rust or npm workspace) get
// no inotify watches at all (Node 20's recursive `fs.watch` has no ignore option and watches
// them all).
//
// Debouncing: events are collected until `debounceMs` pass without a new one (or `maxWaitMs`
// since the first), then handed over as one batch, one entry per path with the last kind seen.
// Editor temporaries (`.x.swp`, `x~`, `4913`, `.#x`, `x.tmp`) are dropped.
//
// A prebuilt `.wasm` skips the quiet time once it reads as a complete binary: the
// debounce exists to wait for a writer to finish, and a complete binary says it has (a rename
// over the file, the usual way tools publish one, is complete at once). A file caught half
// written does not parse to its end and waits for the next event, debounced as usual.

/** Names of editor and tool temporaries, never a change of their own. */
const TEMPORARY =
  /(^\.#)|(~$)|(\.sw[a-p]$)|(^4913$)|(\.tmp$)|(\.tmp\.\d+$)|(^\.goutputstream)|(\.crswap$)/;

export interface WatcherOptions {
  /** Folders (or files) to watch, absolute. */
  roots: string[];
  /** Folder names ignored below a root (build outputs, VCS, dependencies). */
  ignore: string[];
  /** Quiet time that ends a burst (default 30 ms). */
  debounceMs?: number;
  /** Longest a burst is held (default 400 ms). */
  maxWaitMs?: number;
  /** A batch of changes. */
  onChanges(changes: FileChange[]): void;
  onError?(err: Error): void;
}

export interface Watcher {
  /** Resolves once the initial walk is done (events after that are changes). */
  ready: Promise<void>;
  /** Also watches these folders (inputs a build revealed outside the roots). */
  add(paths: string[]): void;
  close(): Promise<void>;
}

/** Whether `path` is ignored: under an ignored folder below its root, or a temporary. */
export function isIgnored(
  path: string,
  roots: readonly string[],
  ignore: readonly string[],
): boolean {
  const root = roots
    .filter((r) => path === r || path.startsWith(`${r}${sep}`))
    .sort((a, b) => b.length - a.length)[0];
  const rel = root === undefined ? path : relative(root, path);
  const parts = rel.split(sep);
  const name = parts[parts.length - 1] ?? "";
  if (TEMPORARY.test(name)) return true;
  return parts.slice(0, -1).some((p) => ignore.includes(p)) || ignore.includes(name);
}

/**
 * Whether `bytes` is a whole WebAssembly binary: the header, then sections whose sizes end
 * exactly at the end of the file (a truncated one runs past it, or ends inside a size).
 */
export function completeWasm(bytes: Uint8Array): boolean {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73) return false;
  if (bytes[3] !== 0x6d) return false;
  let at = 8;
  while (at < bytes.length) {
    at++; // section id
    let size = 0;
    let shift = 0;
    for (;;) {
      if (at >= bytes.length || shift > 28) return false;
      const b = bytes[at++] as number;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) break;
    }
    at += size;
  }
  return at === bytes.length;
}

/** Collects changes and hands them over in debounced batches. */
export class Debouncer {
  private pending = new Map<string, ChangeKind>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private first = 0;

  constructor(
    private readonly deliver: (changes: FileChange[]) => void,
    private readonly debounceMs = 30,
    private readonly maxWaitMs = 400,
  ) {}

  /** Adds a change; `urgent` hands over everything pending now instead of after the quiet time. */
  push(path: string, kind: ChangeKind, urgent = false): void {
    const previous = this.pending.get(path);
    // unlink then add (a rename over the file) is a change; add then change stays an add.
    const merged: ChangeKind =
      previous === undefined
        ? kind
        : previous === "unlink" && kind === "add"
          ? "change"
          : previous === "add" && kind === "change"
            ? "add"
            : kind;
    this.pending.set(path, merged);
    if (urgent) {
      this.flush();
      return;
    }
    const now = performance.now();
    if (this.timer === null) this.first = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.first + this.maxWaitMs - now));
    this.timer = setTimeout(() => this.flush(), wait);
  }

  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending]
      .map(([path, kind]) => ({ path, kind }))
      .sort((a, b) => a.path.localeCompare(b.path));
    this.pending = new Map();
    this.deliver(batch);
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }
}

/** Starts watching. */
export async function watch(options: WatcherOptions): Promise<Watcher> {
  const tree = new DirWatcher(options);
  await tree.start(options.roots);
  return {
    ready: Promise.resolve(),
    add: (paths) => {
      tree
        .start(paths)
        .catch((err: unknown) =>
          options.onError?.(err instanceof Error ? err : new Error(String(err))),
        );
    },
    close: async () => tree.close(),
  };
}

/**
 * One inotify watch per folder (Node's non-recursive `fs.watch`), never per file: a save that
 * renames a new file over the old one is an event of the folder, so it is never lost, however
 * fast saves follow each other. (Watchers that watch each file lose it after a rename until they
 * re-attach: with chokidar 4, every save after the first was lost when renames over one file
 * came ~10 ms apart.)
 * Folders are walked with the ignored ones pruned, so `target/` and `node_modules/` cost
 * nothing; a folder created later is walked and watched when it appears.
 */
class DirWatcher {
  private readonly dirs = new Map<string, FSWatcher>();
  /** Files known to exist (to tell an add from a change, and to report unlinks). */
  private readonly files = new Set<string>();
  /** Watched file roots (a `.wasm`): only these files of their folder count. */
  private readonly fileRoots = new Set<string>();
  /** Folder roots, for `isIgnored`. */
  private readonly roots: string[] = [];
  private readonly debouncer: Debouncer;
  private closed = false;

  constructor(private readonly options: WatcherOptions) {
    this.debouncer = new Debouncer(options.onChanges, options.debounceMs, options.maxWaitMs);
  }

  /** Watches these folders (recursively) or files. */
  async start(paths: readonly string[]): Promise<void> {
    for (const raw of paths) {
      const path = canonical(raw);
      const info = await stat(path).catch(() => null);
      if (info === null) continue;
      if (info.isDirectory()) {
        if (this.covered(path)) continue;
        this.roots.push(path);
        await this.walk(path, false, 0);
      } else {
        this.fileRoots.add(path);
        this.files.add(path);
        await this.watchDir(dirname(path));
      }
    }
  }

  close(): void {
    this.closed = true;
    this.debouncer.cancel();
    for (const w of this.dirs.values()) w.close();
    this.dirs.clear();
  }

  /** Whether a folder lies under a folder root already. */
  private covered(dir: string): boolean {
    return this.roots.some((r) => dir === r || dir.startsWith(`${r}${sep}`));
  }

  private ignored(path: string): boolean {
    return isIgnored(path, this.roots, this.options.ignore);
  }

  /** Watches `dir` and everything below it; with `report`, files found are reported as added. */
  private async walk(dir: string, report: boolean, depth: number): Promise<void> {
    if (depth > 24 || this.closed) return;
    await this.watchDir(dir);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (this.ignored(path)) continue;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await stat(path).catch(() => null);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (isDir) await this.walk(path, report, depth + 1);
      else if (isFile && !this.files.has(path)) {
        this.files.add(path);
        if (report) this.debouncer.push(path, "add");
      }
    }
  }

  private async watchDir(dir: string): Promise<void> {
    if (this.dirs.has(dir) || this.closed) return;
    let watcher: FSWatcher;
    try {
      watcher = fsWatch(dir, { persistent: true }, (_type, name) => {
        if (name === null) this.rescan(dir);
        else this.entry(dir, name.toString());
      });
    } catch (err) {
      this.options.onError?.(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    watcher.on("error", () => this.forget(dir));
    this.dirs.set(dir, watcher);
  }

  /** Something happened to `name` in `dir`: find out what by looking. */
  private entry(dir: string, name: string): void {
    const path = join(dir, name);
    // A file root (a `.wasm`, maybe under `target/`) counts whatever its path; other files
    // count when they lie under a folder root and are not ignored.
    if (!this.fileRoots.has(path) && (!this.covered(dir) || this.ignored(path))) return;
    stat(path).then(
      (info) => {
        if (this.closed) return;
        if (info.isDirectory()) {
          if (!this.dirs.has(path) && this.covered(path)) {
            this.walk(path, true, 0).catch(() => {});
          }
        } else if (info.isFile()) {
          const known = this.files.has(path);
          this.files.add(path);
          const kind = known ? "change" : "add";
          if (!path.endsWith(".wasm")) this.debouncer.push(path, kind);
          else
            readFile(path).then(
              (bytes) => {
                if (!this.closed) this.debouncer.push(path, kind, completeWasm(bytes));
              },
              () => {
                if (!this.closed) this.debouncer.push(path, kind);
              },
            );
        }
      },
      () => {
        if (this.closed) return;
        if (this.dirs.has(path)) this.forget(path);
        else if (this.files.delete(path)) this.debouncer.push(path, "unlink");
      },
    );
  }

  /** The watcher lost track of `dir`'s entries: look at all of them. */
  private rescan(dir: string): void {
    readdir(dir).then(
      (names) => {
        for (const n of names) this.entry(dir, n);
      },
      () => this.forget(dir),
    );
  }

  /** A folder went away: stop watching it and what was below it, reporting its files gone. */
  private forget(dir: string): void {
    for (const [d, w] of this.dirs) {
      if (d === dir || d.startsWith(`${dir}${sep}`)) {
        w.close();
        this.dirs.delete(d);
      }
    }
    for (const f of this.files) {
      if (f.startsWith(`${dir}${sep}`)) {
        this.files.delete(f);
        this.debouncer.push(f, "unlink");
      }
    }
  }
}
