/**
 * Keeping one thing whole when it falls apart: a person whose belt or dark waist passes the
 * shadow test (`foregroundMask` cuts cast shadows off a region) becomes two foreground
 * components, torso and legs, which then take turns at covering most of the person, and the
 * person's id flips between them. Parts of one thing share a fate (the Gestalt principle of
 * common fate), so two components are joined into one island when
 *
 * - they were one region before the shadows were cut (`Foreground.regions`),
 * - one lies above the other: they share most of the narrower one's columns, with a gap under
 *   half the shorter one's height (a band across an upright thing; a cast shadow lies beside
 *   or below what casts it, and two things side by side share no columns), and
 * - they move together (both seen for a few frames, moving, with velocities that differ by
 *   less than `maxSpeedGap`), or they were one joined island a frame ago (so a person who
 *   stops stays whole).
 *
 * The band between joined parts, what the shadow test cut out of the thing, joins it too. Two
 * people who pass each other move differently and stay apart; one who stands while another
 * walks past does too.
 *
 * @module
 */

import type { SplitState } from "./split_merged.ts";

/** Options of {@linkcode joinParts}. */
export interface JoinOptions {
  /** Frames each part must have been seen before they are joined by motion. @default {3} */
  minAge?: number;
  /**
   * Parts move together when their velocities differ by less than this, pixels a frame: the
   * same margin `splitMerged` uses to tell things that move differently. Chosen on the tuning
   * sequence (0.75 joined a standing person with one walking past: clear 0.805 to 0.788).
   *
   * @default {0.5}
   */
  maxSpeedGap?: number;
  /**
   * Parts are joined by motion only while one moves at least this fast (pixels a frame): two
   * things standing one behind the other share no motion to judge by.
   *
   * @default {0.5}
   */
  minSpeed?: number;
}

/** Joined islands of one frame, the state {@linkcode joinParts} carries to the next. */
export interface JoinedParts {
  /** Island of each pixel, `1..count` (0: background). */
  labels: Int32Array;
  count: number;
  /** How many parts each island joined (index 0 unused). */
  parts: number[];
}

/**
 * Joins the components of `parts` (`1..count`, 0 background; `width x height` pixels, with
 * their ages and velocities in `state`, as `splitMerged` returns them) that belong together
 * (see the module documentation), and fills the band between them inside their region of
 * `regions` (per pixel, 0 background). `previous` is the last frame's result. Returns new
 * labels `1..count'`; `parts` is not changed.
 *
 * @example
 * ```ts
 * import { joinParts } from "./join_parts.ts";
 * // A 1 x 5 column: torso (1) over a cut band over legs (2), one region, never seen before.
 * const parts = Int32Array.from([1, 1, 0, 2, 2]);
 * const regions = Int32Array.from([1, 1, 1, 1, 1]);
 * const state = { labels: parts, ages: [0, 1, 1], centroids: [[0, 0], [0, 0.5], [0, 3.5]] as [number, number][],
 *   velocities: [[0, 0], [0, 0], [0, 0]] as [number, number][] };
 * joinParts(parts, 2, regions, 1, 5, state, null).count; // 2: no motion seen yet
 * ```
 */
export function joinParts(
  parts: Int32Array,
  count: number,
  regions: Int32Array,
  width: number,
  height: number,
  state: SplitState,
  previous: JoinedParts | null,
  options: JoinOptions = {},
): JoinedParts {
  const { minAge = 3, maxSpeedGap = 0.5, minSpeed = 0.5 } = options;
  const n = width * height;
  if (parts.length !== n || regions.length !== n) {
    throw new RangeError(`joinParts: maps must have ${width}x${height} entries`);
  }
  const usePrevious = previous !== null && previous.labels.length === n;
  // Per part: its bounding box, area, the region holding most of it, and its overlap with each
  // of last frame's islands.
  const x0 = new Int32Array(count + 1).fill(width), x1 = new Int32Array(count + 1).fill(-1);
  const y0 = new Int32Array(count + 1).fill(height), y1 = new Int32Array(count + 1).fill(-1);
  const area = new Int32Array(count + 1);
  const regionVotes: Map<number, number>[] = Array.from({ length: count + 1 }, () => new Map());
  const prevVotes: Map<number, number>[] = Array.from({ length: count + 1 }, () => new Map());
  for (let i = 0; i < n; i++) {
    const c = parts[i];
    if (c === 0) continue;
    area[c]++;
    const x = i % width, y = (i - x) / width;
    if (x < x0[c]) x0[c] = x;
    if (x > x1[c]) x1[c] = x;
    if (y < y0[c]) y0[c] = y;
    if (y > y1[c]) y1[c] = y;
    const r = regions[i];
    if (r !== 0) regionVotes[c].set(r, (regionVotes[c].get(r) ?? 0) + 1);
    if (usePrevious) {
      const p = previous.labels[i];
      if (p !== 0) prevVotes[c].set(p, (prevVotes[c].get(p) ?? 0) + 1);
    }
  }
  const byRegion = new Map<number, number[]>();
  for (let c = 1; c <= count; c++) {
    let best = 0, bestK = 0;
    for (const [r, k] of regionVotes[c]) if (k > bestK) (best = r, bestK = k);
    if (best === 0) continue;
    const list = byRegion.get(best);
    if (list) list.push(c);
    else byRegion.set(best, [c]);
  }
  // The joined island of last frame that each part lies mostly in (0: none).
  const wasJoined = new Int32Array(count + 1);
  if (usePrevious) {
    for (let c = 1; c <= count; c++) {
      for (const [p, k] of prevVotes[c]) {
        if (2 * k > area[c] && (previous.parts[p] ?? 0) >= 2) wasJoined[c] = p;
      }
    }
  }
  const root = Int32Array.from({ length: count + 1 }, (_, i) => i);
  const find = (a: number): number => {
    while (root[a] !== a) a = root[a] = root[root[a]];
    return a;
  };
  const { ages, velocities: v } = state;
  const moving = (c: number) => Math.hypot(v[c][0], v[c][1]) >= minSpeed;
  for (const list of byRegion.values()) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i], b = list[j];
        const shared = Math.min(x1[a], x1[b]) - Math.max(x0[a], x0[b]) + 1;
        const narrower = Math.min(x1[a] - x0[a], x1[b] - x0[b]) + 1;
        const gap = Math.max(y0[a], y0[b]) - Math.min(y1[a], y1[b]) - 1;
        const shorter = Math.min(y1[a] - y0[a], y1[b] - y0[b]) + 1;
        if (2 * shared < narrower || 2 * gap > shorter) continue;
        const together = ages[a] >= minAge && ages[b] >= minAge && (moving(a) || moving(b)) &&
          Math.hypot(v[a][0] - v[b][0], v[a][1] - v[b][1]) < maxSpeedGap;
        const wereOne = wasJoined[a] !== 0 && wasJoined[a] === wasJoined[b];
        if (together || wereOne) root[find(a)] = find(b);
      }
    }
  }
  const renumber = new Int32Array(count + 1);
  const joined: number[] = [0];
  let next = 0;
  for (let c = 1; c <= count; c++) {
    const r = find(c);
    if (!renumber[r]) {
      renumber[r] = ++next;
      joined.push(0);
    }
    joined[renumber[r]]++;
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = parts[i] === 0 ? 0 : renumber[find(parts[i])];
  // Bands lie inside the bounding box of the joined parts: most frames have none.
  let bx0 = width, bx1 = -1, by0 = height, by1 = -1;
  for (let c = 1; c <= count; c++) {
    if (joined[renumber[find(c)]] < 2) continue;
    bx0 = Math.min(bx0, x0[c]), bx1 = Math.max(bx1, x1[c]);
    by0 = Math.min(by0, y0[c]), by1 = Math.max(by1, y1[c]);
  }
  if (bx1 >= 0) fillBands(labels, joined, regions, width, [bx0, by0, bx1, by1]);
  return { labels, count: next, parts: joined };
}

/**
 * In each column of the box `[x0, y0, x1, y1]` (inclusive), the background pixels between two
 * pixels of one joined island (`parts >= 2`) join it when they all lie in that island's region:
 * the band the shadow test cut out.
 */
function fillBands(
  labels: Int32Array,
  parts: number[],
  regions: Int32Array,
  width: number,
  [bx0, by0, bx1, by1]: [number, number, number, number],
): void {
  for (let x = bx0; x <= bx1; x++) {
    let last = -1, lastLabel = 0;
    for (let y = by0; y <= by1; y++) {
      const i = y * width + x;
      const l = labels[i];
      if (l === 0) continue;
      if (l === lastLabel && parts[l] >= 2 && y - last > 1 && regions[i] !== 0) {
        let inside = true;
        for (let yy = last + 1; inside && yy < y; yy++) {
          inside = regions[yy * width + x] === regions[i];
        }
        if (inside) { for (let yy = last + 1; yy < y; yy++) labels[yy * width + x] = l; }
      }
      last = y;
      lastLabel = l;
    }
  }
}
