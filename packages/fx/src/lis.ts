/**
 * Positions of one longest strictly increasing subsequence of `seq`, in ascending order; negative
 * entries (children that are new, so have no old position) are skipped. O(n log n).
 */
export function lis(seq: ArrayLike<number>): number[] {
  const n = seq.length;
  // tails[k]: position of the smallest value ending an increasing run of length k + 1.
  const tails = new Int32Array(n);
  const pred = new Int32Array(n);
  let len = 0;
  for (let i = 0; i < n; i++) {
    const v = seq[i] as number;
    if (v < 0) continue;
    // Already-sorted runs are the common case (retained children keep their order): O(1) append.
    if (len === 0 || (seq[tails[len - 1] as number] as number) < v) {
      pred[i] = len === 0 ? -1 : (tails[len - 1] as number);
      tails[len++] = i;
      continue;
    }
    let lo = 0;
    let hi = len - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((seq[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    pred[i] = lo === 0 ? -1 : (tails[lo - 1] as number);
    tails[lo] = i;
  }
  const out = new Array<number>(len);
  let k = len === 0 ? -1 : (tails[len - 1] as number);
  for (let j = len - 1; j >= 0; j--) {
    out[j] = k;
    k = pred[k] as number;
  }
  return out;
}
