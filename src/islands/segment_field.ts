/**
 * Islands of agreement: split a feature field into connected regions whose neighbouring
 * vectors point the same way.
 *
 * The grid is a 4-neighbour graph weighted by the cosine distance `1 - cos` of neighbouring
 * vectors. Regions grow by the Felzenszwalb-Huttenlocher rule: edges are visited lightest
 * first, and two regions join when the edge is no heavier than either region's tolerance
 * `Int(C) + k / |C|`, where `Int(C)` is the heaviest edge already inside `C`. Because `Int(C)`
 * rises with what a region has absorbed, a slow gradient is swallowed whole while a step that
 * stands out from the region's own spread is kept as a boundary.
 *
 * `k` is set per frame: `scale` times a quantile (the median by default) of this frame's edge
 * distances. Most edges of a field lie inside islands, so that quantile measures how much
 * neighbours disagree *within* an island. Multiplying every distance by a factor multiplies
 * `k` by the same factor and leaves the result unchanged, so one setting serves a sharp field,
 * a noisy one and a washed-out one. Finally, islands smaller than `minArea` are folded into
 * their most similar neighbour.
 *
 * @module
 */

import type { FeatureField } from "./types.ts";
import { findRoot } from "./_union_find.ts";
import { mergeSmallIslands } from "./_merge_small_islands.ts";

/** Options of {@linkcode segmentField}. */
export interface SegmentOptions {
  /**
   * Multiplies this frame's typical neighbour distance to give the Felzenszwalb-Huttenlocher
   * constant `k`; larger merges more.
   *
   * @default {1}
   */
  scale?: number;
  /**
   * Which quantile of this frame's edge distances counts as "typical". The median stays a
   * within-island statistic as long as fewer than half of all edges cross a boundary.
   *
   * @default {0.5}
   */
  quantile?: number;
  /**
   * Islands with fewer locations than this are merged into their most similar neighbour;
   * `1` or less keeps every island.
   *
   * @default {defaultMinArea(width * height)}
   */
  minArea?: number;
}

/** Default {@linkcode SegmentOptions.scale}. */
export const DEFAULT_SCALE = 1;
/** Default {@linkcode SegmentOptions.quantile}. */
export const DEFAULT_QUANTILE = 0.5;

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

// Below this, cosine distances are float32 rounding noise, so `k` never drops under it: an
// exactly constant field still joins into one island.
const K_FLOOR = 1e-6;

const KIND_INVALID = 0; // some value is NaN or infinite
const KIND_ZERO = 1; // all zeros: no direction
const KIND_UNIT = 2;

/**
 * Label each location of `field` with its island, `0..K-1` numbered in raster order of first
 * appearance. Islands are 4-connected. A location holding NaN or an infinity is treated as
 * disagreeing (distance 1) with every neighbour, so it never crashes the pass and ends up in
 * whichever neighbouring island the small-island clean-up gives it.
 *
 * @example
 * ```ts
 * import { segmentField } from "./segment_field.ts";
 * // 4x1 field, two directions: two islands.
 * const data = new Float32Array([1, 0, 1, 0, 0, 1, 0, 1]);
 * segmentField({ width: 4, height: 1, dim: 2, data }, { minArea: 1 }); // Int32Array [0, 0, 1, 1]
 * ```
 *
 * @throws {RangeError} if `data.length` is not `width * height * dim`.
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
    scale = DEFAULT_SCALE,
    quantile = DEFAULT_QUANTILE,
    minArea = defaultMinArea(n),
  } = options;
  if (n === 0) return new Int32Array(0);

  const { unit, kind } = normalise(data, n, dim);
  const { from, to, weight } = gridEdges(unit, kind, width, height, dim);
  const order = ascendingOrder(weight);

  const e = weight.length;
  const q = Math.min(1, Math.max(0, quantile));
  const typical = e > 0 ? weight[order[Math.round(q * (e - 1))]] : 0;
  const k = Math.max(scale * typical, K_FLOOR);

  const parent = new Int32Array(n);
  const size = new Int32Array(n);
  const internal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    parent[i] = i;
    size[i] = 1;
  }
  for (let t = 0; t < e; t++) {
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

  return mergeSmallIslands(parent, unit, width, height, dim, minArea);
}

/** Unit vectors, computed once, and what kind of vector each location held. */
function normalise(data: Float32Array, n: number, dim: number) {
  const unit = new Float32Array(n * dim);
  const kind = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += data[o + d] * data[o + d];
    // Float32 squares cannot overflow a float64 sum, so a non-finite sum means a NaN/Inf input.
    if (!Number.isFinite(ss)) kind[i] = KIND_INVALID;
    else if (ss === 0) kind[i] = KIND_ZERO;
    else {
      kind[i] = KIND_UNIT;
      const inv = 1 / Math.sqrt(ss);
      for (let d = 0; d < dim; d++) unit[o + d] = data[o + d] * inv;
    }
  }
  return { unit, kind };
}

/** Right and down neighbour edges with their cosine distances in `[0, 2]`. */
function gridEdges(
  unit: Float32Array,
  kind: Uint8Array,
  width: number,
  height: number,
  dim: number,
) {
  const e = Math.max(0, (width - 1) * height) + Math.max(0, width * (height - 1));
  const from = new Int32Array(e);
  const to = new Int32Array(e);
  const weight = new Float32Array(e);
  let t = 0;
  const add = (a: number, b: number) => {
    from[t] = a;
    to[t] = b;
    weight[t] = cosineDistance(unit, kind, a, b, dim);
    t++;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x + 1 < width) add(i, i + 1);
      if (y + 1 < height) add(i, i + width);
    }
  }
  return { from, to, weight };
}

function cosineDistance(
  unit: Float32Array,
  kind: Uint8Array,
  a: number,
  b: number,
  dim: number,
): number {
  const ka = kind[a], kb = kind[b];
  if (ka === KIND_UNIT && kb === KIND_UNIT) {
    const oa = a * dim, ob = b * dim;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += unit[oa + d] * unit[ob + d];
    return Math.min(2, Math.max(0, 1 - dot));
  }
  if (ka === KIND_INVALID || kb === KIND_INVALID) return 1;
  // Two all-zero vectors agree; a zero vector shares no direction with a non-zero one.
  return ka === kb ? 0 : 1;
}

// Packed sort keys need `weightBits * EDGE_SLOTS + edge` below 2^53; float32 bits of a
// distance in [0, 2] stay under 2^31, leaving 2^21 edge slots (grids up to ~1000x1000).
const EDGE_SLOTS = 2 ** 21;

/** Edge indices by ascending weight, ties by index. */
function ascendingOrder(weight: Float32Array): Uint32Array {
  const e = weight.length;
  const order = new Uint32Array(e);
  if (e < EDGE_SLOTS) {
    // Non-negative float32 bit patterns sort like their values; packing the edge index below
    // them lets the engine's native numeric sort run instead of a JS comparator.
    const bits = new Uint32Array(weight.buffer, weight.byteOffset, e);
    const keys = new Float64Array(e);
    for (let i = 0; i < e; i++) keys[i] = bits[i] * EDGE_SLOTS + i;
    keys.sort();
    for (let i = 0; i < e; i++) order[i] = keys[i] % EDGE_SLOTS;
  } else {
    for (let i = 0; i < e; i++) order[i] = i;
    order.sort((a, b) => weight[a] - weight[b] || a - b);
  }
  return order;
}
