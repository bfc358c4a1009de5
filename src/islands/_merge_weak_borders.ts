/**
 * Second pass of the segmentation: adjacent regions whose shared border is, on average, no
 * stronger than ordinary disagreement are joined.
 *
 * @module
 */

import { findRoot } from "./_union_find.ts";
import { MinHeap } from "./_min_heap.ts";

/**
 * Join adjacent regions, weakest border first, while the mean edge weight along their shared
 * border is at most `threshold`. Averaging over the whole border is what makes this robust:
 * one noisy low edge across a real boundary cannot join two regions (single linkage would),
 * while a seam the first pass left inside a smooth or noisy area, whose edges are ordinary,
 * closes.
 *
 * `labels` holds region indices `0..count-1`; the edges list each grid adjacency once. Returns
 * new labels `0..K-1` numbered in raster order of first appearance, and `K`.
 */
export function mergeWeakBorders(
  labels: Int32Array,
  count: number,
  from: Int32Array,
  to: Int32Array,
  weight: Float32Array,
  threshold: number,
): { labels: Int32Array; count: number } {
  // Border of each adjacent pair: endpoints, summed weight and edge count.
  const pairA: number[] = [],
    pairB: number[] = [],
    pairSum: number[] = [],
    pairCount: number[] = [];
  const alive: boolean[] = [];
  const around: Map<number, number>[] = Array.from({ length: count }, () => new Map());
  for (let e = 0; e < weight.length; e++) {
    const a = labels[from[e]], b = labels[to[e]];
    if (a === b) continue;
    let p = around[a].get(b);
    if (p === undefined) {
      p = pairA.length;
      pairA.push(a);
      pairB.push(b);
      pairSum.push(0);
      pairCount.push(0);
      alive.push(true);
      around[a].set(b, p);
      around[b].set(a, p);
    }
    pairSum[p] += weight[e];
    pairCount[p]++;
  }
  const mean = (p: number) => pairSum[p] / pairCount[p];

  const heap = new MinHeap();
  for (let p = 0; p < pairA.length; p++) heap.push(mean(p), p);

  const parent = new Int32Array(count);
  for (let r = 0; r < count; r++) parent[r] = r;

  while (heap.size > 0 && heap.peekKey() <= threshold) {
    const key = heap.peekKey();
    const p = heap.pop();
    // Stale entry: the border was absorbed, or grew and was queued again with a new mean.
    if (!alive[p] || mean(p) !== key) continue;
    alive[p] = false;
    // The region with more neighbours survives, so the fewest border records move.
    let keep = pairA[p], gone = pairB[p];
    if (around[keep].size < around[gone].size) [keep, gone] = [gone, keep];
    parent[gone] = keep;
    around[keep].delete(gone);
    for (const [other, q] of around[gone]) {
      if (other === keep) continue;
      around[other].delete(gone);
      const shared = around[keep].get(other);
      if (shared === undefined) {
        // Only `gone` bordered `other`: the same border now belongs to `keep`.
        if (pairA[q] === gone) pairA[q] = keep;
        else pairB[q] = keep;
        around[keep].set(other, q);
        around[other].set(keep, q);
      } else {
        pairSum[shared] += pairSum[q];
        pairCount[shared] += pairCount[q];
        alive[q] = false;
        heap.push(mean(shared), shared);
      }
    }
    around[gone].clear();
  }

  const next = new Int32Array(count).fill(-1);
  const out = new Int32Array(labels.length);
  let k = 0;
  for (let i = 0; i < labels.length; i++) {
    const r = findRoot(parent, labels[i]);
    if (next[r] < 0) next[r] = k++;
    out[i] = next[r];
  }
  return { labels: out, count: k };
}
