/**
 * Islands of agreement: split a feature field into connected regions whose neighbouring
 * vectors point the same way.
 *
 * The grid is a 4-neighbour graph weighted by the cosine distance `1 - cos` of neighbouring
 * vectors (each norm is computed once). Everything is measured against this frame's
 * *agreement level* `m`, a quantile (default 0.6) of its own edge distances: most edges of a
 * field lie inside islands, so `m` says how much neighbours ordinarily disagree in this frame.
 * Scaling every distance by a factor scales `m` by the same factor and leaves the result
 * unchanged, so one setting serves a sharp field, a noisy one and a washed-out (low-contrast)
 * one.
 *
 * Four passes:
 * 1. Felzenszwalb-Huttenlocher growth: edges lightest first; two regions join when the edge is
 *    no heavier than either region's tolerance `Int(C) + k / |C|`, with `Int(C)` the heaviest
 *    edge already inside `C` and `k = growScale * m`. This never crosses a clear boundary but,
 *    with `k / |C|` vanishing for large regions, leaves seams inside noisy or smoothly varying
 *    areas.
 * 2. Border merging: adjacent regions join, weakest first, while the *mean* distance along
 *    their shared border is at most `borderScale * m`. Seams close (their edges are ordinary);
 *    a real boundary stays, and because it is judged on its average, a few noisy low edges
 *    across it cannot leak as they would with a plain threshold.
 * 3. Mean merging: adjacent regions join, most similar first, while their mean directions differ
 *    by at most `meanScale` times their own spread. Fields cut from upsampled or learned maps
 *    have ramps, not steps, between things, and textured regions fragment; border edges see
 *    neither, region means do.
 * 4. Islands smaller than `minArea` are folded into their most similar neighbour.
 *
 * @module
 */

import type { FeatureField } from "./types.ts";
import { compactRoots, findRoot } from "./_union_find.ts";
import { cosineEdges, type FieldNorms, KIND_UNIT } from "./_cosine_edges.ts";
import { mergeSimilarRegions } from "./_merge_similar_regions.ts";
import { mergeWeakBorders } from "./_merge_weak_borders.ts";
import { mergeSmallIslands } from "./_merge_small_islands.ts";

/** Options of {@linkcode segmentField}. */
export interface SegmentOptions {
  /**
   * Quantile of this frame's neighbour distances taken as its agreement level `m`. It stays a
   * within-island statistic while fewer than `1 - quantile` of all edges cross a boundary; 0.6
   * rather than the median so that a noiseless one-directional gradient (about half its edges
   * exactly 0) still gets a non-zero level.
   *
   * @default {0.6}
   */
  quantile?: number;
  /**
   * Felzenszwalb-Huttenlocher constant `k` in units of `m`. At 1 a lone location joins a
   * neighbour no farther than the agreement level, which pre-merges the bulk of each island
   * cheaply; much below 1 the first pass does almost nothing (distances of high-dimensional
   * vectors concentrate near `m`) and the slower border pass does all the work; well above 1
   * small regions start to bridge boundaries in noisy fields.
   *
   * @default {1}
   */
  growScale?: number;
  /**
   * Adjacent regions whose mean border distance is at most `borderScale * m` join. Between 1
   * (seams of ordinary edges must close) and the ratio of boundary to within-island distances
   * (about 1.45 for 192-d vectors whose noise equals the signal in norm, more when cleaner).
   *
   * @default {1.25}
   */
  borderScale?: number;
  /**
   * Adjacent regions whose mean directions differ by at most `meanScale` times their own
   * spread (mean distance of their locations to their mean direction, at least `m`) join: two
   * parts of one thing differ about as much as each varies inside. This closes what border
   * edges cannot see: ramps between regions of a smooth (upsampled or learned) field, and
   * fragments of a textured region.
   *
   * @default {1.5}
   */
  meanScale?: number;
  /**
   * Islands with fewer locations than this are merged into their most similar neighbour;
   * `1` or less keeps every island.
   *
   * @default {defaultMinArea(width * height)}
   */
  minArea?: number;
  /**
   * At most this many islands: past the other rules, the most similar adjacent islands keep
   * merging (by their mean directions) until no more remain.
   *
   * @default {Infinity}
   */
  maxIslands?: number;
}

/** Default {@linkcode SegmentOptions.quantile}. */
export const DEFAULT_QUANTILE = 0.6;
/** Default {@linkcode SegmentOptions.growScale}. */
export const DEFAULT_GROW_SCALE = 1;
/** Default {@linkcode SegmentOptions.borderScale}. */
export const DEFAULT_BORDER_SCALE = 1.25;
/**
 * Options for fields a network learned (the APM's): they have ramps, not steps, between things,
 * so region means merge more generously than in a teacher's field. Measured on the synthetic
 * stream, APM islands vs ground truth: ARI 0.49 at 2.5, 0.33 at the default 1.5; the teacher's
 * own field prefers 1.5 (0.61 vs 0.35).
 */
export const LEARNED_FIELD_OPTIONS: Readonly<SegmentOptions> = Object.freeze({ meanScale: 2.5 });

/** Default {@linkcode SegmentOptions.meanScale}. */
export const DEFAULT_MEAN_SCALE = 1.5;

/**
 * Default minimum island area for a grid of `locations` cells: `max(4, round(locations / 256))`,
 * i.e. 4 cells on a 32x32 grid and 16 on a 64x64 one, so that a handful of stray cells never
 * count as a thing while a small object of a few cells survives.
 *
 * @example
 * ```ts
 * import { defaultMinArea } from "./segment_field.ts";
 * defaultMinArea(64 * 64); // 16
 * ```
 */
export function defaultMinArea(locations: number): number {
  return Math.max(4, Math.round(locations / 256));
}

// Cosine distances below this are float32 rounding noise, so the agreement level never drops
// under it: an exactly constant field still joins into one island.
const LEVEL_FLOOR = 1e-6;

/**
 * Label each location of `field` with its island, `0..K-1` numbered in raster order of first
 * appearance. Islands are 4-connected. A location holding NaN or an infinity is treated as
 * disagreeing (distance 1) with every neighbour, so it cannot crash the pass and ends up in
 * whichever neighbouring island the small-island clean-up gives it. Pure: reads `field`,
 * returns a new array.
 *
 * @example
 * ```ts
 * import { segmentField } from "./segment_field.ts";
 * // 4x1 field, two directions: two islands.
 * const data = new Float32Array([1, 0, 1, 0, 0, 1, 0, 1]);
 * segmentField({ width: 4, height: 1, dim: 2, data }, { minArea: 1 }); // Int32Array [0, 0, 1, 1]
 * ```
 *
 * @throws {RangeError} if a size is not a non-negative integer, `data.length` is not
 * `width * height * dim`, or an option is out of range.
 */
export function segmentField(field: FeatureField, options: SegmentOptions = {}): Int32Array {
  const { width, height, dim, data } = field;
  const n = width * height;
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || !Number.isInteger(dim) ||
    width < 0 || height < 0 || dim < 0 || data.length !== n * dim
  ) {
    throw new RangeError(
      `segmentField: data holds ${data.length} values but width*height*dim is ` +
        `${width}*${height}*${dim}; pass non-negative integer sizes matching the data`,
    );
  }
  const {
    quantile = DEFAULT_QUANTILE,
    growScale = DEFAULT_GROW_SCALE,
    borderScale = DEFAULT_BORDER_SCALE,
    meanScale = DEFAULT_MEAN_SCALE,
    minArea = defaultMinArea(n),
    maxIslands = Infinity,
  } = options;
  if (!(quantile >= 0 && quantile <= 1) || !(growScale >= 0) || !(borderScale >= 0)) {
    throw new RangeError(
      `segmentField: quantile ${quantile}, growScale ${growScale}, borderScale ${borderScale}; ` +
        `the quantile must lie in [0, 1] and the scales be non-negative numbers`,
    );
  }
  if (n === 0) return new Int32Array(0);
  // Areas are whole cells, so "below 4.5" means "below 5"; past n + 1 nothing changes.
  const smallBelow = Math.min(Math.ceil(Number.isNaN(minArea) ? 1 : minArea), n + 1);

  const graph = cosineEdges(data, width, height, dim);
  const { from, to, weight } = graph;
  const order = ascendingOrder(weight);
  const e = weight.length;
  const level = Math.max(e > 0 ? weight[order[Math.round(quantile * (e - 1))]] : 0, LEVEL_FLOOR);

  const grown = growRegions(n, from, to, weight, order, growScale * level);
  const bordered = mergeWeakBorders(
    grown.labels,
    grown.count,
    from,
    to,
    weight,
    borderScale * level,
  );
  const { sums, sizes } = regionSums(bordered.labels, bordered.count, field, graph);
  const joined = mergeSimilarRegions(
    bordered.labels,
    bordered.count,
    sums,
    sizes,
    dim,
    width,
    height,
    meanScale,
    level,
    maxIslands,
  );
  return mergeSmallIslands(joined.labels, joined.count, field, graph, smallBelow);
}

/** Per-region sums of unit vectors. */
function regionSums(
  regions: Int32Array,
  count: number,
  { width, height, dim, data }: FeatureField,
  { invNorm, kind }: FieldNorms,
) {
  const n = width * height;
  const sums = new Float64Array(count * dim);
  const sizes = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    if (kind[i] !== KIND_UNIT) continue;
    sizes[regions[i]]++;
    const r = regions[i] * dim;
    for (let k = 0; k < dim; k++) sums[r + k] += data[i * dim + k] * invNorm[i];
  }
  return { sums, sizes };
}

/** Felzenszwalb-Huttenlocher pass over edges in ascending order, with constant `k`. */
function growRegions(
  n: number,
  from: Int32Array,
  to: Int32Array,
  weight: Float32Array,
  order: Uint32Array,
  k: number,
) {
  const parent = new Int32Array(n);
  const size = new Int32Array(n);
  const internal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    parent[i] = i;
    size[i] = 1;
  }
  for (let t = 0; t < order.length; t++) {
    const edge = order[t];
    let a = findRoot(parent, from[edge]);
    let b = findRoot(parent, to[edge]);
    if (a === b) continue;
    const w = weight[edge];
    if (w > internal[a] + k / size[a] || w > internal[b] + k / size[b]) continue;
    if (size[a] < size[b]) [a, b] = [b, a];
    parent[b] = a;
    size[a] += size[b];
    // Edges arrive in ascending order, so this one is now the heaviest inside the region.
    internal[a] = w;
  }
  return compactRoots(parent);
}

/** Edge indices by ascending weight, ties by index. */
function ascendingOrder(weight: Float32Array): Uint32Array {
  const e = weight.length;
  // Non-negative float32 values order like their bit patterns read as unsigned integers, so a
  // stable three-pass LSD radix sort (11 bits a pass) orders them in O(E); a comparator sort
  // was the second costliest step of the whole segmentation.
  const bits = new Uint32Array(weight.buffer, weight.byteOffset, e);
  let order = new Uint32Array(e);
  let next = new Uint32Array(e);
  for (let i = 0; i < e; i++) order[i] = i;
  const start = new Uint32Array(RADIX);
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    start.fill(0);
    for (let i = 0; i < e; i++) start[(bits[i] >>> shift) & RADIX_MASK]++;
    let sum = 0;
    for (let b = 0; b < RADIX; b++) {
      const c = start[b];
      start[b] = sum;
      sum += c;
    }
    for (let i = 0; i < e; i++) {
      const edge = order[i];
      next[start[(bits[edge] >>> shift) & RADIX_MASK]++] = edge;
    }
    [order, next] = [next, order];
  }
  return order;
}

const RADIX_BITS = 11;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;
