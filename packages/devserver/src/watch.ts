import { relative, sep } from "node:path";
import type { ChangeKind, FileChange } from "./contract.js";
import { canonical } from "./scan.js";

// Watching, with chokidar 4: it prunes ignored folders while walking (so `target/` and
// `node_modules/`, tens of thousands of folders in a Rust or npm workspace, get no inotify
// watches at all: Node 20's recursive `fs.watch` has no ignore option and watches them all),
// it reports an editor's "write a temporary file, rename it over the original" save as one
// change of the original (`atomic`), and it is small (one dependency) and widely used.
//
// Debouncing: events are collected until `debounceMs` pass without a new one (or `maxWaitMs`
// since the first), then handed over as one batch, one entry per path with the last kind seen.
// Editor temporaries (`.x.swp`, `x~`, `4913`, `.#x`, `x.tmp`) are dropped.

/** Names of editor and tool temporaries, never a change of their own. */
const TEMPORARY =
  /(^\.#)|(~$)|(\.sw[a-p]$)|(^4913$)|(\.tmp$)|(\.tmp\.\d+$)|(^\.goutputstream)|(\.crswap$)/;

export interface WatcherOptions {
  /** Folders (or files) to watch, absolute. */
  roots: string[];
  /** Folder names ignored below a root (build outputs, VCS, dependencies). */
  ignore: string[];
  /** Quiet time that ends a burst (default 60 ms). */
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

/** Collects changes and hands them over in debounced batches. */
export class Debouncer {
  private pending = new Map<string, ChangeKind>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private first = 0;

  constructor(
    private readonly deliver: (changes: FileChange[]) => void,
    private readonly debounceMs = 60,
    private readonly maxWaitMs = 400,
  ) {}

  push(path: string, kind: ChangeKind): void {
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
  const { watch: chokidarWatch } = await import("chokidar");
  const roots = options.roots.map(canonical);
  const debouncer = new Debouncer(options.onChanges, options.debounceMs, options.maxWaitMs);
  const watcher = chokidarWatch(roots, {
    ignoreInitial: true,
    atomic: true,
    followSymlinks: true,
    ignored: (path: string) => isIgnored(canonical(path), roots, options.ignore),
  });
  const onEvent = (kind: ChangeKind) => (path: string) => {
    const file = canonical(path);
    if (!isIgnored(file, roots, options.ignore)) debouncer.push(file, kind);
  };
  watcher.on("add", onEvent("add"));
  watcher.on("change", onEvent("change"));
  watcher.on("unlink", onEvent("unlink"));
  watcher.on("error", (err: unknown) =>
    options.onError?.(err instanceof Error ? err : new Error(String(err))),
  );
  const ready = new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  return {
    ready,
    add(paths) {
      const fresh = paths
        .map(canonical)
        .filter((p) => !roots.some((r) => p === r || p.startsWith(`${r}${sep}`)));
      if (fresh.length === 0) return;
      roots.push(...fresh);
      watcher.add(fresh);
    },
    async close() {
      debouncer.cancel();
      await watcher.close();
    },
  };
}
