/**
 * Run-length views of a label map for the id tracker: one scan gives every island's area,
 * centroid and bounding box and cuts the map into horizontal runs of equal labels; the runs
 * grouped by island are that island's mask (all pixels of the label, connected or not), which
 * the next frame overlaps (in place and shifted) without touching anything but the mask's own
 * pixels.
 *
 * @module
 */

/** Run buffers, `width * height` long (a map can have no more runs than pixels); reused. */
export interface RunBuffers {
  /** Label of each run, in scan order. */
  label: Int32Array;
  /** Index of the first pixel of each run (`y * width + x`). */
  start: Int32Array;
  /** Length of each run. */
  len: Int32Array;
}

/** Allocate run buffers for a `pixels`-pixel map. */
export function createRunBuffers(pixels: number): RunBuffers {
  return {
    label: new Int32Array(pixels),
    start: new Int32Array(pixels),
    len: new Int32Array(pixels),
  };
}

/** Per-island statistics of one map and its runs in scan order (in the given buffers). */
export interface IslandScan {
  /** Labels are `0..count-1`; a label with area 0 is absent. */
  count: number;
  area: Int32Array;
  /** Centroid: mean column and mean row of the island's pixels. */
  cx: Float64Array;
  cy: Float64Array;
  /** Bounding box width and height. */
  boxW: Int32Array;
  boxH: Int32Array;
  runs: RunBuffers;
  runCount: number;
}

/**
 * Areas, centroids, bounding boxes and runs of a `width x height` map whose labels are `0..count-1` (checked by
 * the caller). One pass; per run, not per pixel, for everything but the run boundaries.
 */
export function scanIslands(
  labels: Int32Array,
  width: number,
  height: number,
  count: number,
  runs: RunBuffers,
): IslandScan {
  const area = new Int32Array(count);
  const sumX = new Float64Array(count), sumY = new Float64Array(count);
  const minX = new Int32Array(count), maxX = new Int32Array(count);
  const minY = new Int32Array(count), maxY = new Int32Array(count);
  const { label: runLabel, start: runStart, len: runLen } = runs;
  let r = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let x = 0;
    while (x < width) {
      const l = labels[row + x];
      let x1 = x + 1;
      while (x1 < width && labels[row + x1] === l) x1++;
      const len = x1 - x;
      if (area[l] === 0) {
        minX[l] = x;
        maxX[l] = x1 - 1;
        minY[l] = y; // rows come in order: the first run is on the top row
      } else {
        if (x < minX[l]) minX[l] = x;
        if (x1 - 1 > maxX[l]) maxX[l] = x1 - 1;
      }
      maxY[l] = y;
      area[l] += len;
      sumX[l] += ((x + x1 - 1) * len) / 2;
      sumY[l] += y * len;
      runLabel[r] = l;
      runStart[r] = row + x;
      runLen[r] = len;
      r++;
      x = x1;
    }
  }
  const cx = new Float64Array(count), cy = new Float64Array(count);
  const boxW = new Int32Array(count), boxH = new Int32Array(count);
  for (let l = 0; l < count; l++) {
    if (area[l] > 0) {
      cx[l] = sumX[l] / area[l];
      cy[l] = sumY[l] / area[l];
      boxW[l] = maxX[l] - minX[l] + 1;
      boxH[l] = maxY[l] - minY[l] + 1;
    }
  }
  return { count, area, cx, cy, boxW, boxH, runs, runCount: r };
}

/** Each island's runs, grouped: island `l`'s runs are `first[l] .. first[l + 1] - 1`. */
export interface IslandMasks {
  count: number;
  area: Int32Array;
  first: Int32Array;
  start: Int32Array;
  len: Int32Array;
}

/**
 * Group a scan's runs by island (a counting sort, so each island's runs stay in scan order)
 * into `into` (run buffers of the map's size; its `label` array is not used).
 */
export function groupRuns(scan: IslandScan, into: RunBuffers): IslandMasks {
  const { count, runCount, runs } = scan;
  const first = new Int32Array(count + 1);
  for (let r = 0; r < runCount; r++) first[runs.label[r] + 1]++;
  for (let l = 0; l < count; l++) first[l + 1] += first[l];
  const next = first.slice(0, count);
  for (let r = 0; r < runCount; r++) {
    const k = next[runs.label[r]]++;
    into.start[k] = runs.start[r];
    into.len[k] = runs.len[r];
  }
  return { count, area: scan.area, first, start: into.start, len: into.len };
}

/** Overlapping (current, previous) island pairs; see {@linkcode overlapPairs}. */
export interface OverlapPairs {
  c: Int32Array;
  p: Int32Array;
  o: Int32Array;
  pairFirst: Int32Array;
}

/**
 * Every (current island, previous island) pair that overlaps: for each previous island `p`,
 * the current labels under its mask are counted twice, in place and shifted by
 * `(shiftX[p], shiftY[p])` (its predicted motion), and the pair's overlap is the larger count.
 * In place covers what barely moves (and a wrong prediction); shifted covers a small island that
 * moved further than its own size. Pixels shifted off the map count for nothing.
 *
 * Cost: the previous masks' pixels, once or twice (each previous pixel is in one mask): O(N).
 *
 * @returns the pairs, grouped by `p` in increasing order (`pairFirst[p] .. pairFirst[p+1]-1`):
 *   each pair's current island `c`, previous island `p` and overlap `o` in pixels.
 */
export function overlapPairs(
  labels: Int32Array,
  width: number,
  height: number,
  count: number,
  prev: IslandMasks,
  shiftX: Int32Array,
  shiftY: Int32Array,
): OverlapPairs {
  const inPlace = new Int32Array(count), shifted = new Int32Array(count);
  const stamp = new Int32Array(count).fill(-1);
  const touched = new Int32Array(count);
  const outC: number[] = [], outP: number[] = [], outO: number[] = [];
  const pairFirst = new Int32Array(prev.count + 1);
  const { first, start, len } = prev;
  for (let p = 0; p < prev.count; p++) {
    pairFirst[p] = outC.length;
    const r0 = first[p], r1 = first[p + 1];
    let nt = 0;
    for (let r = r0; r < r1; r++) {
      const s = start[r], e = s + len[r];
      for (let i = s; i < e; i++) {
        const c = labels[i];
        if (stamp[c] !== p) {
          stamp[c] = p;
          inPlace[c] = 0;
          shifted[c] = 0;
          touched[nt++] = c;
        }
        inPlace[c]++;
      }
    }
    const sx = shiftX[p], sy = shiftY[p];
    if (sx !== 0 || sy !== 0) {
      for (let r = r0; r < r1; r++) {
        const s = start[r];
        const y = (s / width) | 0;
        const yy = y + sy;
        if (yy < 0 || yy >= height) continue;
        const x0 = s - y * width + sx;
        const xa = x0 < 0 ? 0 : x0, xb = Math.min(width, x0 + len[r]);
        const row = yy * width;
        for (let x = xa; x < xb; x++) {
          const c = labels[row + x];
          if (stamp[c] !== p) {
            stamp[c] = p;
            inPlace[c] = 0;
            shifted[c] = 0;
            touched[nt++] = c;
          }
          shifted[c]++;
        }
      }
    }
    // Touched in first-seen order, which depends only on the maps: deterministic.
    for (let k = 0; k < nt; k++) {
      const c = touched[k];
      outC.push(c);
      outP.push(p);
      outO.push(Math.max(inPlace[c], shifted[c]));
    }
  }
  pairFirst[prev.count] = outC.length;
  return {
    c: Int32Array.from(outC),
    p: Int32Array.from(outP),
    o: Int32Array.from(outO),
    pairFirst,
  };
}
