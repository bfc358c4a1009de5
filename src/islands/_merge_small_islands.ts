/**
 * Clean-up pass of the segmentation: islands below a minimum area are folded into the
 * neighbouring island whose mean feature they most resemble.
 *
 * @module
 */

import type { FeatureField } from "./types.ts";
import { type FieldNorms, KIND_UNIT } from "./_cosine_edges.ts";
import { findRoot } from "./_union_find.ts";

/**
 * Merge every island smaller than `minArea` into its most similar 4-neighbour island, smallest
 * first, until none is small. `regions` holds island indices `0..count-1` numbered in raster
 * order of first appearance, and so do the labels returned.
 *
 * Similarity is the cosine between the islands' mean unit vectors (a location without a usable
 * direction adds nothing, so an island of such locations is equally similar, 0, to every
 * neighbour); ties go to the larger neighbour, then to the lower index, so the result is
 * deterministic.
 */
export function mergeSmallIslands(
  regions: Int32Array,
  count: number,
  { width, height, dim, data }: FeatureField,
  { invNorm, kind }: FieldNorms,
  minArea: number,
): Int32Array {
  const n = width * height;
  if (minArea <= 1 || count <= 1) return regions;

  const area = new Int32Array(count);
  for (let i = 0; i < n; i++) area[regions[i]]++;
  let small = 0;
  for (let c = 0; c < count; c++) if (area[c] < minArea) small++;
  // The usual frame has no small island: skip the field-sized pass below.
  if (small === 0) return regions;

  const sums = new Float64Array(count * dim);
  for (let i = 0; i < n; i++) {
    if (kind[i] !== KIND_UNIT) continue;
    const src = i * dim, dst = regions[i] * dim, inv = invNorm[i];
    for (let d = 0; d < dim; d++) sums[dst + d] += data[src + d] * inv;
  }

  // Areas only grow, so a region that starts large never needs its neighbour list: only the
  // small ones are ever asked for theirs.
  const neighbours: (Set<number> | null)[] = new Array(count).fill(null);
  for (let c = 0; c < count; c++) if (area[c] < minArea) neighbours[c] = new Set();
  const link = (a: number, b: number) => {
    if (a === b) return;
    neighbours[a]?.add(b);
    neighbours[b]?.add(a);
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x + 1 < width) link(regions[i], regions[i + 1]);
      if (y + 1 < height) link(regions[i], regions[i + width]);
    }
  }

  // Bucket queue keyed by area: a merge only ever moves a region to a larger bucket, so one
  // forward sweep visits the smallest remaining region first without a heap.
  const buckets: number[][] = Array.from({ length: minArea }, () => []);
  for (let c = 0; c < count; c++) if (area[c] < minArea) buckets[area[c]].push(c);

  const regionParent = new Int32Array(count);
  for (let c = 0; c < count; c++) regionParent[c] = c;
  const seen = new Int32Array(count).fill(-1);

  for (let a = 1; a < minArea; a++) {
    const bucket = buckets[a];
    for (let q = 0; q < bucket.length; q++) {
      const c = bucket[q];
      // Stale entry: the region was absorbed, or grew and was queued again elsewhere.
      if (regionParent[c] !== c || area[c] !== a) continue;
      const best = mostSimilarNeighbour(c, neighbours[c]!, regionParent, seen, sums, area, dim);
      if (best < 0) continue; // the whole grid is one region
      regionParent[c] = best;
      area[best] += area[c];
      const src = c * dim, dst = best * dim;
      for (let d = 0; d < dim; d++) sums[dst + d] += sums[src + d];
      if (area[best] < minArea) {
        neighbours[best] = unionInto(neighbours[best]!, neighbours[c]!);
        buckets[area[best]].push(best);
      }
      neighbours[c] = null;
    }
  }

  const labels = new Int32Array(n);
  const next = new Int32Array(count).fill(-1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = findRoot(regionParent, regions[i]);
    if (next[r] < 0) next[r] = k++;
    labels[i] = next[r];
  }
  return labels;
}

function mostSimilarNeighbour(
  c: number,
  around: Set<number>,
  regionParent: Int32Array,
  seen: Int32Array,
  sums: Float64Array,
  area: Int32Array,
  dim: number,
): number {
  const oc = c * dim;
  let normC = 0;
  for (let d = 0; d < dim; d++) normC += sums[oc + d] * sums[oc + d];
  let best = -1, bestCos = -Infinity;
  for (const nb of around) {
    const r = findRoot(regionParent, nb);
    if (r === c || seen[r] === c) continue;
    seen[r] = c;
    const or = r * dim;
    let dot = 0, normR = 0;
    for (let d = 0; d < dim; d++) {
      dot += sums[oc + d] * sums[or + d];
      normR += sums[or + d] * sums[or + d];
    }
    const denom = Math.sqrt(normC * normR);
    const cos = denom > 0 ? dot / denom : 0;
    if (
      cos > bestCos ||
      (cos === bestCos && (area[r] > area[best] || (area[r] === area[best] && r < best)))
    ) {
      best = r;
      bestCos = cos;
    }
  }
  return best;
}

/** Union of two neighbour sets, adding the smaller into the larger to keep merges cheap. */
function unionInto(a: Set<number>, b: Set<number>): Set<number> {
  const [big, small] = a.size >= b.size ? [a, b] : [b, a];
  for (const x of small) big.add(x);
  return big;
}
