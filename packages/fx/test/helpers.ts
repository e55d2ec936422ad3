// Shared test scaffolding: a runtime wired to a headless DOM, recording every patch.
import {
  type ComponentFactory,
  FxRuntime,
  HeadlessDom,
  type HNode,
  jsDriver,
  type LogEntry,
  type Patch,
  patchToJson,
  type RuntimeOptions,
  TEXT_TAG,
  type View,
} from "@loop-kit/fx";

/** A runtime plus the headless tree its patches are applied to. */
export class Harness {
  readonly dom = new HeadlessDom();
  /** Receives the same patches as objects, to check both application paths agree. */
  readonly shadow = new HeadlessDom();
  /** Every patch so far, in order. */
  readonly patches: Patch[] = [];
  /** Patch batches, one per flush. */
  readonly batches: Patch[][] = [];
  readonly emitted: [string, string][] = [];
  readonly rt: FxRuntime;

  constructor(
    components: Record<string, ComponentFactory>,
    root: string,
    extra: Partial<Omit<RuntimeOptions, "driver" | "root" | "onPatches" | "onEmit">> = {},
  ) {
    this.rt = new FxRuntime({
      ...extra,
      driver: jsDriver(components),
      root,
      onPatches: (batch) => {
        const ps = batch.toArray();
        this.batches.push(ps);
        for (const p of ps) this.patches.push(p);
        this.dom.apply(batch);
        this.shadow.apply(ps);
        if (this.shadow.toHtml() !== this.dom.toHtml())
          throw new Error("batch and object application disagree");
      },
      onEmit: (name, payload) => {
        this.emitted.push([name, payload]);
      },
    });
  }

  /** Patches since the given index, as JSON lines. */
  json(from = 0): string {
    return this.patches
      .slice(from)
      .map((p) => patchToJson(p))
      .join("\n");
  }

  html(): string {
    return this.dom.toHtml();
  }
}

/**
 * HTML plus the listened events of each element (`{click,input}`), so two trees that differ
 * only in listeners do not compare equal.
 */
export function snapshot(dom: HeadlessDom): string {
  const walk = (n: HNode): string => {
    if (n.tag === TEXT_TAG) return JSON.stringify(n.text);
    const attrs = n.names.map((name, i) => `${name}=${JSON.stringify(n.values[i])}`).join(" ");
    const events = n.events && n.events.length > 0 ? `{${[...n.events].sort().join(",")}}` : "";
    const kids = n.children.map(walk).join("");
    return `<${n.tag}${attrs ? ` ${attrs}` : ""}${events}>${kids}</${n.tag}>`;
  };
  return dom.root.children.map(walk).join("");
}

/** A root component that renders whatever `view()` returns; `host` is captured for invalidation. */
export function viewHarness(
  view: () => View,
  more: Record<string, ComponentFactory> = {},
): { h: Harness; invalidate: () => void } {
  let inv: (() => void) | null = null;
  const h = new Harness(
    {
      ...more,
      Root: (host) => {
        inv = () => host.invalidate();
        return { render: () => view(), handle: () => {} };
      },
    },
    "Root",
  );
  h.rt.startSync();
  return {
    h,
    invalidate: () => {
      if (inv === null) throw new Error("root not instantiated");
      inv();
    },
  };
}

/** Length of a longest strictly increasing subsequence, by the O(n²) textbook DP (a reference). */
export function naiveLisLength(seq: readonly number[]): number {
  const best: number[] = [];
  let max = 0;
  for (let i = 0; i < seq.length; i++) {
    let b = 1;
    for (let j = 0; j < i; j++)
      if ((seq[j] as number) < (seq[i] as number)) b = Math.max(b, (best[j] as number) + 1);
    best.push(b);
    max = Math.max(max, b);
  }
  return max;
}

/** Collects log entries. */
export function collect(): { entries: LogEntry[]; onRecord: (e: LogEntry) => void } {
  const entries: LogEntry[] = [];
  return { entries, onRecord: (e) => entries.push(e) };
}
