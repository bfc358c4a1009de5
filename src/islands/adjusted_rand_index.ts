/**
 * Agreement between two labellings of the same locations: the adjusted Rand index, and a
 * mode-downsampler to put a pixel ground truth on the island grid before comparing.
 *
 * @module
 */

/**
 * Adjusted Rand index (Hubert & Arabie, 1985) of two labellings of the same items: 1 when they
 * group the items identically (whatever the label values), about 0 for unrelated groupings,
 * negative when they agree less than chance. Labels can be any numbers; only equality counts.
 *
 * When the index is undefined (0/0), which happens only when both labellings put everything in
 * one group or both put every item alone (or there are fewer than two items), the two
 * partitions are identical, so it returns 1.
 *
 * @example
 * ```ts
 * import { adjustedRandIndex } from "./adjusted_rand_index.ts";
 * adjustedRandIndex([0, 0, 1, 1], [5, 5, 2, 2]); // 1
 * adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]); // 4/7
 * ```
 *
 * @throws {RangeError} if the two labellings differ in length.
 */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) {
    throw new RangeError(
      `adjustedRandIndex: labellings have ${n} and ${b.length} items; compare maps of one size ` +
        `(see downsampleLabelsMode)`,
    );
  }
  const ca = compact(a);
  const cb = compact(b);
  const rowSums = new Float64Array(ca.count);
  const colSums = new Float64Array(cb.count);
  // Sparse contingency table: at most n non-zero cells, however many labels there are.
  const cells = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = ca.labels[i], c = cb.labels[i];
    rowSums[r]++;
    colSums[c]++;
    const key = r * cb.count + c;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  let index = 0;
  for (const v of cells.values()) index += pairs(v);
  let sumA = 0, sumB = 0;
  for (const v of rowSums) sumA += pairs(v);
  for (const v of colSums) sumB += pairs(v);
  const total = pairs(n);
  const expected = total > 0 ? (sumA * sumB) / total : 0;
  const max = (sumA + sumB) / 2;
  const denom = max - expected;
  if (denom === 0) return 1;
  return (index - expected) / denom;
}

/**
 * Downsample a `width x height` label map to `gridWidth x gridHeight` by taking, in each grid
 * cell, the label that covers most of its pixels (ties go to the smaller label). Cell `(gx, gy)`
 * covers pixels `floor(gx * width / gridWidth) ..` up to the next cell's start; when the grid is
 * finer than the map, an empty cell takes the pixel under its centre.
 *
 * @example
 * ```ts
 * import { downsampleLabelsMode } from "./adjusted_rand_index.ts";
 * // 4x2 pixels -> 2x1 cells.
 * downsampleLabelsMode([1, 1, 2, 2, 1, 3, 2, 2], 4, 2, 2, 1); // Int32Array [1, 2]
 * ```
 *
 * @throws {RangeError} if `labels.length` is not `width * height` or a size is not positive.
 */
export function downsampleLabelsMode(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  gridWidth: number,
  gridHeight: number,
): Int32Array {
  if (
    labels.length !== width * height || !(width > 0) || !(height > 0) || !(gridWidth > 0) ||
    !(gridHeight > 0)
  ) {
    throw new RangeError(
      `downsampleLabelsMode: got ${labels.length} labels for a ${width}x${height} map and a ` +
        `${gridWidth}x${gridHeight} grid; sizes must be positive and match the labels`,
    );
  }
  const out = new Int32Array(gridWidth * gridHeight);
  const counts = new Map<number, number>();
  for (let gy = 0; gy < gridHeight; gy++) {
    let y0 = Math.floor((gy * height) / gridHeight);
    let y1 = Math.floor(((gy + 1) * height) / gridHeight);
    if (y1 <= y0) [y0, y1] = centre(gy, height, gridHeight);
    for (let gx = 0; gx < gridWidth; gx++) {
      let x0 = Math.floor((gx * width) / gridWidth);
      let x1 = Math.floor(((gx + 1) * width) / gridWidth);
      if (x1 <= x0) [x0, x1] = centre(gx, width, gridWidth);
      counts.clear();
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          const v = labels[y * width + x];
          counts.set(v, (counts.get(v) ?? 0) + 1);
        }
      }
      let best = 0, bestCount = -1;
      for (const [v, c] of counts) {
        if (c > bestCount || (c === bestCount && v < best)) {
          best = v;
          bestCount = c;
        }
      }
      out[gy * gridWidth + gx] = best;
    }
  }
  return out;
}

/** The single pixel row/column under the centre of cell `g` of `cells` over `size` pixels. */
function centre(g: number, size: number, cells: number): [number, number] {
  const p = Math.min(size - 1, Math.floor(((g + 0.5) * size) / cells));
  return [p, p + 1];
}

/** Number of unordered pairs among `v` items. */
function pairs(v: number): number {
  return (v * (v - 1)) / 2;
}

/** Labels renumbered `0..count-1` in order of first appearance. */
function compact(labels: ArrayLike<number>): { labels: Int32Array; count: number } {
  const index = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let k = index.get(labels[i]);
    if (k === undefined) {
      k = index.size;
      index.set(labels[i], k);
    }
    out[i] = k;
  }
  return { labels: out, count: index.size };
}
