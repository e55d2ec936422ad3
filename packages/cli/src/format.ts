/** `13.2 MiB`, `84 KiB`, `512 B`: binary units, as loop-host prints sizes. */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ["GiB", 2 ** 30],
    ["MiB", 2 ** 20],
    ["KiB", 2 ** 10],
  ];
  for (const [unit, size] of units) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${unit}`;
    }
  }
  return `${bytes} B`;
}

/** `340ms`, `9.2s`, `1m 05s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
}
