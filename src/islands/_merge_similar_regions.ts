/**
 * Region merging on mean features: adjacent regions join, most similar first, while the cosine
 * distance between their mean unit vectors stays within a threshold.
 *
 * Why means and not border edges: a field cut from an upsampled or smoothly learned map has
 * ramps, not steps, at object boundaries, so every local edge is small and edge-based rules
 * either leak across the ramp or shatter the flat parts. Region means average the ramp and the
 * texture away, and a region's mean stays put as it grows, so merging stops where two different
 * things meet.
 *
 * @module
 */

import { MinHeap } from "./_min_heap.ts";

/**
 * Merges adjacent regions of `regions` (ids `0..count-1`, unit-vector sums `sums`, `count x
 * dim`, and location counts `sizes`) while the cosine distance between their mean directions
 * is at most `scale` times their spread: the mean cosine distance of a region's locations to
 * its own mean direction, which for unit vectors is `1 - |sum| / size`, averaged over the two
 * regions and never below `floor`. Like a two-sample test, two parts of one thing differ by
 * about as much as each varies inside; two different things differ by much more, however many
 * things the frame holds and however strong its contrast. Most mergeable pair first; then,
 * while more than `maxCount` regions remain, the next most mergeable pairs join anyway. Returns
 * labels `0..K-1` in raster order of first appearance.
 */
export function mergeSimilarRegions(
  regions: Int32Array,
  count: number,
  sums: Float64Array,
  sizes: Float64Array,
  dim: number,
  width: number,
  height: number,
  scale: number,
  floor: number,
  maxCount = Infinity,
): { labels: Int32Array; count: number } {
  const n = width * height;
  const parent = Int32Array.from({ length: count }, (_, i) => i);
  const find = (a: number) => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const neighbours: Set<number>[] = Array.from({ length: count }, () => new Set<number>());
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = regions[y * width + x];
      if (x + 1 < width) link(a, regions[y * width + x + 1]);
      if (y + 1 < height) link(a, regions[(y + 1) * width + x]);
    }
  }
  function link(a: number, b: number) {
    if (a === b) return;
    neighbours[a].add(b);
    neighbours[b].add(a);
  }
  const norm = new Float64Array(count);
  const updateNorm = (r: number) => {
    let s = 0;
    for (let k = r * dim, end = k + dim; k < end; k++) s += sums[k] * sums[k];
    norm[r] = Math.sqrt(s);
  };
  for (let r = 0; r < count; r++) updateNorm(r);
  const spread = (r: number) => sizes[r] > 0 ? Math.max(0, 1 - norm[r] / sizes[r]) : 1;
  // Merge score: distance of the means over the pair's tolerance; the pair merges at <= 1.
  const score = (a: number, b: number) => {
    const tolerance = scale * Math.max((spread(a) + spread(b)) / 2, floor);
    if (norm[a] === 0 || norm[b] === 0) return 1 / tolerance;
    let dot = 0;
    for (let k = 0, ia = a * dim, ib = b * dim; k < dim; k++) dot += sums[ia + k] * sums[ib + k];
    return (1 - dot / (norm[a] * norm[b])) / tolerance;
  };

  // Heap entries are pairs encoded as a * count + b; stale ones are skipped by version checks.
  const version = new Int32Array(count);
  const heap = new MinHeap();
  const pairVersion = new Map<number, number>();
  const push = (a: number, b: number) => {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    const key = lo * count + hi;
    const v = version[lo] * 65536 + version[hi];
    pairVersion.set(key, v);
    heap.push(score(lo, hi), key);
  };
  for (let a = 0; a < count; a++) for (const b of neighbours[a]) if (a < b) push(a, b);

  // Past the threshold, the most similar pairs keep merging while more than maxCount remain.
  let live = count;
  while (heap.size > 0 && (heap.peekKey() <= 1 || live > maxCount)) {
    const key = heap.pop();
    const lo = Math.floor(key / count), hi = key % count;
    if (find(lo) !== lo || find(hi) !== hi) continue;
    if (pairVersion.get(key) !== version[lo] * 65536 + version[hi]) continue;
    live--;
    const [keep, gone] = sizes[lo] >= sizes[hi] ? [lo, hi] : [hi, lo];
    parent[gone] = keep;
    sizes[keep] += sizes[gone];
    for (let k = 0; k < dim; k++) sums[keep * dim + k] += sums[gone * dim + k];
    updateNorm(keep);
    version[keep]++;
    neighbours[keep].delete(gone);
    for (const c of neighbours[gone]) {
      if (c === keep) continue;
      neighbours[c].delete(gone);
      neighbours[c].add(keep);
      neighbours[keep].add(c);
    }
    neighbours[gone].clear();
    for (const c of neighbours[keep]) push(keep, c);
  }

  const out = new Int32Array(n);
  const relabel = new Int32Array(count).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    const r = find(regions[i]);
    if (relabel[r] < 0) relabel[r] = next++;
    out[i] = relabel[r];
  }
  return { labels: out, count: next };
}
