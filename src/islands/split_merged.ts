/**
 * Keeping things apart when they touch: two people who cross, a person who walks past a parked
 * car, become one connected foreground region for a few frames. The previous frame knew them as
 * separate islands; a region that swallows two or more of them, each established (seen apart for
 * several frames), is split between them, each pixel going to the island it is nearest to
 * (a multi-source breadth-first search inside the region, from where each island overlaps it),
 * when they moved differently: parts of one thing move together.
 * The split is its own prior: while they touch, each part carries its island on; once they part,
 * they are separate regions again and nothing needs splitting. Something new that is one region
 * from the start (two people entering side by side) stays one.
 *
 * @module
 */

/** Foreground components of one frame, as the splitter keeps them. */
export interface SplitState {
  /** Component of each pixel, `1..count` (0: background). */
  labels: Int32Array;
  /** Frames each component has been seen as an island of its own (index 0 unused). */
  ages: number[];
  /** Centroid `[x, y]` of each component (index 0 unused). */
  centroids: [number, number][];
  /** Smoothed motion of each component, pixels a frame (index 0 unused). */
  velocities: [number, number][];
}

/** Options of {@linkcode splitMerged}. */
export interface SplitOptions {
  /**
   * A previous component counts as swallowed when at least this share of it lies inside the
   * current region.
   *
   * @default {0.5}
   */
  minInside?: number;
  /**
   * Frames a previous component must have been an island of its own to be split out: fragments
   * of one thing flicker apart for a frame or two, separate things stay apart.
   *
   * @default {5}
   */
  minAge?: number;
  /** Smallest previous component (pixels) that is split out. @default {16} */
  minArea?: number;
  /**
   * The swallowed components must move differently, by at least this many pixels a frame:
   * parts of one thing move together, a person passing a parked car or another person does
   * not.
   *
   * @default {0.5}
   */
  minSpeedGap?: number;
}

/**
 * Splits the components of `labels` (`1..count`, 0 background; `width x height`) that swallowed
 * two or more established components of `previous`, and ages every component. Returns the new
 * labels (`1..count'`) and state; `labels` is not changed.
 *
 * @example
 * ```ts
 * import { splitMerged } from "./split_merged.ts";
 * // Two 2-pixel things, apart for 5 frames and moving apart, then touching: they stay two.
 * const previous = {
 *   labels: Int32Array.from([1, 1, 0, 2, 2]),
 *   ages: [0, 5, 5],
 *   centroids: [[0, 0], [0.5, 0], [3.5, 0]] as [number, number][],
 *   velocities: [[0, 0], [1, 0], [-1, 0]] as [number, number][],
 * };
 * splitMerged(Int32Array.from([1, 1, 1, 1, 1]), 1, 5, 1, previous, { minArea: 1 }).count; // 2
 * ```
 */
export function splitMerged(
  labels: Int32Array,
  count: number,
  width: number,
  height: number,
  previous: SplitState | null,
  options: SplitOptions = {},
): { labels: Int32Array; count: number; state: SplitState } {
  const { minInside = 0.5, minAge = 5, minArea = 16, minSpeedGap = 0.5 } = options;
  const n = width * height;
  const out = new Int32Array(n);
  if (!previous || previous.labels.length !== n) {
    out.set(labels);
    const centroids = centroidsOf(out, count, width);
    return {
      labels: out,
      count,
      state: {
        labels: out,
        ages: new Array(count + 1).fill(1),
        centroids,
        velocities: centroids.map(() => [0, 0]),
      },
    };
  }
  const prev = previous.labels, prevCount = previous.ages.length - 1;
  // Overlap of every current component with every previous one (sparse: a map per component).
  const overlap: Map<number, number>[] = Array.from({ length: count + 1 }, () => new Map());
  const prevArea = new Int32Array(prevCount + 1);
  for (let i = 0; i < n; i++) {
    const p = prev[i];
    if (p === 0) continue;
    prevArea[p]++;
    const c = labels[i];
    if (c !== 0) overlap[c].set(p, (overlap[c].get(p) ?? 0) + 1);
  }
  let next = 0;
  // The new label of each (current component, previous component it is split by) pair.
  const splitLabel = new Map<number, number>();
  const keepLabel = new Int32Array(count + 1);
  const ages: number[] = [0];
  // The previous component each new one continues (0: none), for its age and motion.
  const from: number[] = [0];
  const splitting = new Uint8Array(count + 1);
  const v = previous.velocities;
  const apart = (a: number, b: number) =>
    Math.hypot(v[a][0] - v[b][0], v[a][1] - v[b][1]) >= minSpeedGap;
  for (let c = 1; c <= count; c++) {
    const swallowed = [...overlap[c].entries()].filter(([p, k]) =>
      k >= minInside * prevArea[p] && prevArea[p] >= minArea && previous.ages[p] >= minAge
    ).map(([p]) => p);
    const moving = swallowed.length >= 2 &&
      swallowed.some((a, i) => swallowed.slice(i + 1).some((b) => apart(a, b)));
    if (moving) {
      splitting[c] = 1;
      for (const p of swallowed) {
        splitLabel.set(c * (prevCount + 1) + p, ++next);
        ages.push(previous.ages[p] + 1);
        from.push(p);
      }
    } else {
      keepLabel[c] = ++next;
      // The previous component this one continues: the one it overlaps most.
      let best = 0, bestK = 0;
      for (const [p, k] of overlap[c]) if (k > bestK) (best = p, bestK = k);
      ages.push(best ? previous.ages[best] + 1 : 1);
      from.push(best);
    }
  }
  // Seeds of the split regions: pixels inside both the region and a swallowed component.
  const queue = new Int32Array(n);
  let head = 0, tail = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    if (c === 0) continue;
    if (!splitting[c]) {
      out[i] = keepLabel[c];
      continue;
    }
    const l = splitLabel.get(c * (prevCount + 1) + prev[i]);
    if (l !== undefined) {
      out[i] = l;
      queue[tail++] = i;
    }
  }
  // Grow every seed through its region, nearest first (4-neighbours).
  while (head < tail) {
    const i = queue[head++];
    const x = i % width, y = (i - x) / width;
    const c = labels[i];
    const grow = (j: number) => {
      if (labels[j] === c && out[j] === 0) {
        out[j] = out[i];
        queue[tail++] = j;
      }
    };
    if (x > 0) grow(i - 1);
    if (x < width - 1) grow(i + 1);
    if (y > 0) grow(i - width);
    if (y < height - 1) grow(i + width);
  }
  const centroids = centroidsOf(out, next, width);
  const velocities: [number, number][] = centroids.map(([x, y], k) => {
    const p = from[k];
    if (!p || k === 0) return [0, 0];
    // Half the new displacement, half the old motion: centroids of changing shapes jitter.
    const [px, py] = previous.centroids[p];
    return [0.5 * (x - px) + 0.5 * v[p][0], 0.5 * (y - py) + 0.5 * v[p][1]];
  });
  return { labels: out, count: next, state: { labels: out, ages, centroids, velocities } };
}

/** Centroid of each component `1..count` of `labels` (index 0 unused, `[0, 0]`). */
function centroidsOf(labels: Int32Array, count: number, width: number): [number, number][] {
  const sx = new Float64Array(count + 1), sy = new Float64Array(count + 1);
  const k = new Float64Array(count + 1);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c === 0) continue;
    const x = i % width;
    sx[c] += x;
    sy[c] += (i - x) / width;
    k[c]++;
  }
  return Array.from({ length: count + 1 }, (_, c) => k[c] ? [sx[c] / k[c], sy[c] / k[c]] : [0, 0]);
}
