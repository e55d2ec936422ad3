import { relative, sep } from "node:path";
import type { ComponentInfo, Edge, FileChange, Plan, Reason, Workspace } from "./contract.js";
import { canonical } from "./scan.js";

// The watch graph (file → WIT package → component → dependents) and the default plan over it.
// The scan's edges are refined by what each build actually read (cargo's dep-info, esbuild's
// metafile), so a file a component really uses rebuilds it even where the scan could not tell.

export class WatchGraph {
  private readonly out = new Map<string, Set<string>>();

  constructor(edges: readonly Edge[] = []) {
    for (const e of edges) this.add(e.from, e.to);
  }

  add(from: string, to: string): void {
    let set = this.out.get(from);
    if (set === undefined) {
      set = new Set();
      this.out.set(from, set);
    }
    set.add(to);
  }

  /** Records the files a build of `component` read. */
  addInputs(component: string, files: readonly string[]): void {
    for (const f of files) this.add(`file:${f}`, `component:${component}`);
  }

  /** Whether anything is known about this node. */
  has(node: string): boolean {
    return this.out.has(node);
  }

  /** The component names reachable from a node. */
  componentsFrom(node: string): string[] {
    const seen = new Set<string>([node]);
    const queue = [node];
    const found: string[] = [];
    while (queue.length > 0) {
      const n = queue.shift() as string;
      for (const next of this.out.get(n) ?? []) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
        if (next.startsWith("component:")) found.push(next.slice("component:".length));
      }
    }
    return found;
  }

  /** Every edge, for a workspace handed to a custom plan. */
  edges(): Edge[] {
    const out: Edge[] = [];
    for (const [from, tos] of this.out) for (const to of tos) out.push({ from, to });
    return out;
  }
}

/** Whether `file` lies inside `dir`. */
export function inside(file: string, dir: string): boolean {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep);
}

/**
 * The default plan: the manifest changed → scan again; otherwise every component the changed
 * files reach through the graph, plus, for a file the graph does not know yet (a new source
 * file), the component whose source folder holds it. Components keep the workspace's order.
 */
export function planChanges(workspace: Workspace, changes: readonly FileChange[]): Plan {
  const graph = new WatchGraph(workspace.edges);
  const reasons = new Map<string, Set<string>>();
  const unrelated: string[] = [];
  let rescan = false;
  for (const change of changes) {
    const file = canonical(change.path);
    if (workspace.manifest !== null && file === workspace.manifest) {
      rescan = true;
      continue;
    }
    let names = graph.componentsFrom(`file:${file}`);
    if (names.length === 0) names = owners(workspace.components, file);
    if (names.length === 0) unrelated.push(file);
    for (const n of names) {
      let set = reasons.get(n);
      if (set === undefined) {
        set = new Set();
        reasons.set(n, set);
      }
      set.add(file);
    }
  }
  const order = workspace.components.map((c) => c.name);
  const rebuild = order.filter((n) => reasons.has(n));
  const list: Reason[] = rebuild.map((component) => ({
    component,
    files: [...(reasons.get(component) ?? [])].sort(),
  }));
  return { rebuild, rescan, reasons: list, unrelated: unrelated.sort() };
}

/** Source components whose folder holds `file` (the innermost ones). */
function owners(components: readonly ComponentInfo[], file: string): string[] {
  if (!/\.(rs|toml|wit|m?[jt]sx?|cts|cjs|json)$/.test(file)) return [];
  const holders = components.filter((c) => c.source !== null && inside(file, c.source));
  if (holders.length <= 1) return holders.map((c) => c.name);
  const deepest = Math.max(...holders.map((c) => (c.source as string).length));
  return holders.filter((c) => (c.source as string).length === deepest).map((c) => c.name);
}
