/**
 * Stable island ids across frames: each frame's labels `0..K-1` are matched to the tracks of
 * the islands seen before, so the same thing keeps the same id while it moves, grows, shrinks,
 * splits, merges with something else for a while, or drops out of the segmentation for a few
 * frames.
 *
 * A track remembers its island's last mask (as runs), its centroid, area and bounding box, and a
 * smoothed velocity, with the noise of its measurements: a velocity that does not stand out of
 * that noise (the centroid of a fragmented island jitters) is taken as none. Only *steady*
 * observations (alone, and about as large as the time before) move a track's own state; a jump
 * in size (a merge, half of it hidden) holds it for up to a few frames, and the track remembers
 * its whole size through a partial view. Matching has two stages:
 *
 * 1. **Overlap with the predicted mask.** Each island of the previous frame is overlapped with
 *    this frame's labels both in place and shifted by its track's predicted displacement
 *    (rounded velocity); the larger overlap counts. Pairs that pass the acceptance rule
 *    ({@linkcode IdTrackerOptions.minIoU}) are taken greedily, highest IoU first, those with
 *    IoU >= minIoU before those that pass by containment alone. Large background islands
 *    barely move, so for them this is the overlap matcher it always was; a small island that
 *    moves further than its own size per frame still overlaps its shifted mask.
 * 2. **Position and size.** What is left (islands with no overlap partner; tracks that found
 *    none, including tracks that have been missing for a while) is matched by the distance
 *    between the island's centroid and the track's predicted centroid, within a gate that
 *    scales with the track's size ({@linkcode IdTrackerOptions.gateScale}) and grows with the
 *    time since it was last seen, and only between compatible areas
 *    ({@linkcode IdTrackerOptions.maxAreaRatio}); confirmed tracks first. This finds a fast
 *    island in its second frame (before any velocity is known) and gives an object its id
 *    back after an occlusion or a dropout of the segmenter.
 *
 * Merges and splits. When two islands merge, the merged island keeps the id of the one it
 * overlaps best (stage 1). The other track, if confirmed, becomes a *passenger* of the merged
 * island's track (its *host*): it is kept, with its own position and velocity, for up to
 * {@linkcode IdTrackerOptions.maxMergedFrames} frames while the host is tracked (a lost track
 * with no host: {@linkcode IdTrackerOptions.maxMissedFrames}). While a track carries passengers
 * its own motion state is held (the merged island's centroid is neither object's, and a
 * velocity measured on it would send the host's mask the wrong way when they part). When the
 * merged island splits again, the part that overlaps the host's shifted mask best keeps the
 * host's id and the passenger finds its part by position and size in stage 2.
 *
 * When an island splits without passengers, the part that overlaps it best (normally the
 * larger) keeps the id. Another part gets the id of a missing track predicted there with a
 * compatible size if there is one, else a new id. A new id is *tentative* until its track has
 * been seen in {@linkcode IdTrackerOptions.minHits} frames: a tentative track that loses its
 * island is forgotten at once (it never becomes a passenger), so a split-off part that merges
 * back at once, or a flickering fragment, neither comes back with its id nor holds the motion
 * state of the island it flickers out of. One that lasts becomes a track of its own (it may be
 * a second thing that was hidden in the first).
 *
 * @module
 */

import {
  createRunBuffers,
  groupRuns,
  type IslandMasks,
  type IslandScan,
  type OverlapPairs,
  overlapPairs,
  type RunBuffers,
  scanIslands,
} from "./_island_runs.ts";

/** Options of {@linkcode createIdTracker}. */
export interface IdTrackerOptions {
  /**
   * Stage 1: an island inherits a previous island's id when their intersection-over-union is
   * at least this, or when the overlap is more than half of either island (so a shrinking,
   * growing or split-off island still counts as the same thing when nothing overlaps it
   * better). The overlap is the larger of the in-place one and the one with the previous
   * island shifted by its predicted motion.
   *
   * @default {0.3}
   */
  minIoU?: number;
  /**
   * How many frames a confirmed track that lost its island (occluded, missed by the segmenter,
   * gone out of view) is kept, at its predicted position, to be given back to an island that
   * appears there. 0 forgets lost tracks at once.
   *
   * @default {15}
   */
  maxMissedFrames?: number;
  /**
   * How many frames a confirmed track that merged into another track's island (a passenger,
   * see the module documentation) is kept while that island is tracked: two people crossing at
   * 1 px a frame stay merged for as many frames as they are wide together.
   *
   * @default {45}
   */
  maxMergedFrames?: number;
  /**
   * Frames a track must have been seen in before it is kept when it loses its island. Younger
   * tracks (fragments that flicker) are dropped at once, and their ids are never seen again.
   *
   * @default {3}
   */
  minHits?: number;
  /**
   * Weight of the newest velocity measurement in the track's smoothed velocity (exponential
   * smoothing), in (0, 1]. 1 keeps only the last displacement.
   *
   * @default {0.5}
   */
  velocitySmoothing?: number;
  /**
   * Stage 2 gate: an island can take a track's id by position when its centroid lies within
   * `gateScale * sqrt(trackArea) + 1 + trackSpeed` pixels of the track's predicted centroid
   * (the radius grows by 10% per frame the track has not been seen alone and steady). 2 lets
   * an island of side `s` be found about `2s` away in its second frame, before its velocity is
   * known.
   *
   * @default {2}
   */
  gateScale?: number;
  /**
   * Stage 2: an island's area may be at most this many times the track's whole size (or the
   * track's at most this many times the island's) for it to take the track's id by position,
   * so a small fragment never takes the id of a person who walked behind something. A smaller
   * island passes as a partial view when its bounding box spans most of the track's width or
   * height (a sliver of a person coming out from behind a post).
   *
   * @default {2.5}
   */
  maxAreaRatio?: number;
}

/** Default {@linkcode IdTrackerOptions.minIoU}. */
export const DEFAULT_MIN_IOU = 0.3;
/** Default {@linkcode IdTrackerOptions.maxMissedFrames}. */
export const DEFAULT_MAX_MISSED_FRAMES = 15;
/** Default {@linkcode IdTrackerOptions.maxMergedFrames}. */
export const DEFAULT_MAX_MERGED_FRAMES = 45;
/** Default {@linkcode IdTrackerOptions.minHits}. */
export const DEFAULT_MIN_HITS = 3;
/** Default {@linkcode IdTrackerOptions.velocitySmoothing}. */
export const DEFAULT_VELOCITY_SMOOTHING = 0.5;
/** Default {@linkcode IdTrackerOptions.gateScale}. */
export const DEFAULT_GATE_SCALE = 2;
/** Default {@linkcode IdTrackerOptions.maxAreaRatio}. */
export const DEFAULT_MAX_AREA_RATIO = 2.5;

/** Maps each frame's island labels to ids that persist from frame to frame. */
export interface IdTracker {
  /**
   * Ids for this frame's `width x height` labels (`0..K-1`, as {@linkcode segmentField} gives;
   * unused labels are allowed), matched against the tracks so far. Returns a new array of ids,
   * one per location; two islands of one frame never share an id.
   *
   * @throws {RangeError} if `labels.length` is not `width * height` or a label is negative.
   */
  assign(labels: Int32Array, width: number, height: number): Int32Array;
  /** Forget every track; the next frame's islands get fresh ids. Ids are never reused. */
  reset(): void;
}

/** What {@linkcode createIdTracker} returns: an {@linkcode IdTracker} and its track count. */
export interface TrackingIdTracker extends IdTracker {
  /** Tracks kept now: those seen in the last frame plus the missing ones still remembered. */
  readonly trackCount: number;
}

/**
 * One thing being tracked. Position, area and velocity are its own, from the last frame it was
 * seen alone and at a steady size; `size, w, h` are what it looks like whole.
 */
interface Track {
  id: number;
  /** Frames it was matched in. */
  hits: number;
  /** Last frame it was matched in. */
  lastSeen: number;
  /**
   * Frame of `cx, cy, area`: the last frame it was seen alone (carrying no passengers) and
   * about as large as the time before (see {@linkcode STEADY_AREA_RATIO}).
   */
  cleanFrame: number;
  cx: number;
  cy: number;
  area: number;
  /**
   * Its size whole: area and bounding box, each the largest seen lately (a maximum that decays
   * by {@linkcode SIZE_DECAY} a frame), so that a partial view (half hidden behind something)
   * does not make it forget how large it is.
   */
  size: number;
  w: number;
  h: number;
  /** Smoothed velocity, pixels a frame. */
  vx: number;
  vy: number;
  /** Smoothed size of the velocity measurements' residuals: how much `vx, vy` is noise. */
  vNoise: number;
  hasVelocity: boolean;
  /** While missing: the track whose island swallowed it, if any. */
  host: Track | null;
  /** Its island in the current frame, -1 when none. */
  label: number;
  /** Its island in the previous frame, -1 when none. */
  prevLabel: number;
}

/** The run buffers and masks kept from one frame to the next. */
interface Previous {
  masks: IslandMasks;
  /** The track of each previous label. */
  trackOf: (Track | null)[];
}

/**
 * An observation is *steady* when the island kept its area within this factor of the track's
 * last steady one; only steady observations move the track's own state (a centroid jump that
 * comes with a jump in size is the shape changing, a merge, or an occlusion, not motion).
 */
const STEADY_AREA_RATIO = 1.5;
/** After this many frames without a steady observation, the track takes the island as it is. */
const REANCHOR_FRAMES = 5;
/** Per frame, the remembered whole size may shrink to this fraction of itself. */
const SIZE_DECAY = 0.97;
/**
 * Stage 2: an island smaller than `size / maxAreaRatio` may still be the track, seen in part
 * (a sliver coming out from behind something), when its bounding box spans at least this
 * fraction of the track's whole width or height. A speck does not span a person.
 */
const PARTIAL_VIEW_SPAN = 0.7;
/** See the crumb rule in `assign`: how much smaller than a swallowed island a crumb is. */
const CRUMB_SHRINK = 8;
/**
 * A bound on containment alone (a weak stage 1 pair; see also the crumb rule in `assign`): an
 * island that grew around a *tentative* track's island by more than this factor is not that
 * track's: a speck that flickered where an object reappears whole is not the object (the
 * object's own track, missing, is then found by position). Growth from a confirmed track, or
 * from a small one (an object coming out from behind something grows fast), is not bounded.
 */
const WEAK_MAX_GROWTH = 8;
/** The stage 2 gate grows by this fraction per frame since the track was last seen alone. */
const GATE_GROWTH_PER_FRAME = 0.1;

/**
 * Create a tracker that keeps island ids stable across the frames of one stream (see the
 * module documentation for the algorithm). Unmatched islands get fresh ids from a counter that
 * only grows, so an id is never handed to something else: an id comes back only to the track
 * it belonged to. Deterministic: the same sequence of maps gives the same ids.
 *
 * Cost per frame: a few O(N) passes over the labels (a validation, a run-length scan, the
 * previous masks overlapped in place and, for moving islands, shifted, the output), plus work
 * per island and per overlapping pair; stage 2 looks at the free islands within each free
 * track's gate (a grid of cells). About 0.5 ms a frame at 384 x 288 with ~20 islands and
 * 1.5 ms at 640 x 480 with ~90 (medians, `bench/islands_tracking_bench.ts`).
 *
 * The tracker holds the previous frame, so use one per stream. A change of grid size starts
 * afresh (nothing can be matched across geometries).
 *
 * @example
 * ```ts
 * import { createIdTracker } from "./track_ids.ts";
 * const tracker = createIdTracker({ maxMissedFrames: 10 });
 * tracker.assign(new Int32Array([0, 0, 1, 1]), 4, 1); // Int32Array [0, 0, 1, 1]
 * // Same two islands, labelled the other way round: the ids follow the islands.
 * tracker.assign(new Int32Array([1, 1, 0, 0]), 4, 1); // Int32Array [0, 0, 1, 1]
 *
 * // A 1-px island that moves by 2 px: no overlap with where it was, found by position.
 * const moving = createIdTracker();
 * moving.assign(new Int32Array([1, 0, 0, 0, 0, 0]), 6, 1); // Int32Array [1, 0, 0, 0, 0, 0]
 * moving.assign(new Int32Array([0, 0, 1, 0, 0, 0]), 6, 1); // Int32Array [0, 0, 1, 0, 0, 0]
 * ```
 */
export function createIdTracker(options: IdTrackerOptions = {}): TrackingIdTracker {
  const {
    minIoU = DEFAULT_MIN_IOU,
    maxMissedFrames = DEFAULT_MAX_MISSED_FRAMES,
    maxMergedFrames = DEFAULT_MAX_MERGED_FRAMES,
    minHits = DEFAULT_MIN_HITS,
    velocitySmoothing = DEFAULT_VELOCITY_SMOOTHING,
    gateScale = DEFAULT_GATE_SCALE,
    maxAreaRatio = DEFAULT_MAX_AREA_RATIO,
  } = options;
  if (
    !(minIoU > 0 && minIoU <= 1) || !(maxMissedFrames >= 0) || !(maxMergedFrames >= 0) ||
    !(minHits >= 1) || !(gateScale >= 0) || !(maxAreaRatio >= 1)
  ) {
    throw new RangeError(
      `createIdTracker: minIoU ${minIoU} (in (0, 1]), maxMissedFrames ${maxMissedFrames} and ` +
        `maxMergedFrames ${maxMergedFrames} (>= 0), minHits ${minHits} (>= 1), gateScale ` +
        `${gateScale} (>= 0), maxAreaRatio ${maxAreaRatio} (>= 1)`,
    );
  }
  if (!(velocitySmoothing > 0 && velocitySmoothing <= 1)) {
    throw new RangeError(`createIdTracker: velocitySmoothing ${velocitySmoothing}, not in (0, 1]`);
  }
  const logMaxAreaRatio = Math.log(maxAreaRatio);

  let nextId = 0;
  let frame = 0;
  let tracks: Track[] = []; // in increasing id order
  let prev: Previous | null = null;
  let gridWidth = -1, gridHeight = -1;
  // Two sets of run buffers: this frame's scan, and the grouped masks kept for the next frame
  // (overwritten only after the previous masks have been used).
  let scanBuffers: RunBuffers | null = null, maskBuffers: RunBuffers | null = null;

  /**
   * The velocity a track moves by: its smoothed velocity when that stands out of the noise of
   * its measurements, else none. A fragmented island's centroid jitters by a cell or two on a
   * coarse lattice; extrapolating that jitter would shift its mask onto its neighbours.
   */
  function motion(t: Track): [number, number] {
    return Math.hypot(t.vx, t.vy) > t.vNoise ? [t.vx, t.vy] : [0, 0];
  }

  /**
   * The track's predicted centroid now, and the gate radius around it: its size's share, plus
   * its speed (what moves fast can turn by that much: a car that bounces, stops, or was
   * mis-measured), growing with the frames since it was last seen alone and steady.
   */
  function predict(t: Track): { x: number; y: number; gate: number } {
    const gap = frame - t.cleanFrame;
    const [vx, vy] = motion(t);
    const reach = gateScale * Math.sqrt(t.size) + 1 + Math.hypot(t.vx, t.vy);
    return {
      x: t.cx + vx * gap,
      y: t.cy + vy * gap,
      gate: reach * (1 + GATE_GROWTH_PER_FRAME * (gap - 1)),
    };
  }

  /** Cost of giving island `c` the track's id by position, or -1 when outside the gates. */
  function positionCost(
    t: Track,
    scan: IslandScan,
    c: number,
    at: { x: number; y: number; gate: number },
  ): number {
    const ratio = scan.area[c] / t.size;
    if (ratio > maxAreaRatio) return -1;
    if (ratio * maxAreaRatio < 1) {
      // Smaller than the track: only as a partial view that spans most of it one way.
      const spans = scan.boxW[c] >= PARTIAL_VIEW_SPAN * t.w ||
        scan.boxH[c] >= PARTIAL_VIEW_SPAN * t.h;
      if (!spans) return -1;
    }
    const d = Math.hypot(scan.cx[c] - at.x, scan.cy[c] - at.y);
    if (d > at.gate) return -1;
    // Distance in gate radii, plus a size term (0.5 at maxAreaRatio): nearest first, then
    // like-sized.
    return d / at.gate +
      (logMaxAreaRatio > 0 ? 0.5 * Math.abs(Math.log(ratio)) / logMaxAreaRatio : 0);
  }

  function assign(labels: Int32Array, width: number, height: number): Int32Array {
    const n = width * height;
    if (labels.length !== n) {
      throw new RangeError(
        `IdTracker.assign: ${labels.length} labels for a ${width}x${height} map; pass one ` +
          `label per location`,
      );
    }
    let count = 0;
    for (let i = 0; i < n; i++) {
      const l = labels[i];
      if (l < 0) {
        throw new RangeError(`IdTracker.assign: label ${l} at ${i}; labels must be 0..K-1`);
      }
      if (l >= count) count = l + 1;
    }
    if (width !== gridWidth || height !== gridHeight || scanBuffers === null) {
      // A new stream geometry: nothing can be matched; the old ids stay retired.
      tracks = [];
      prev = null;
      gridWidth = width;
      gridHeight = height;
      scanBuffers = createRunBuffers(n);
      maskBuffers = createRunBuffers(n);
    }
    frame++;
    const scan = scanIslands(labels, width, height, count, scanBuffers);
    const { area, cx, cy } = scan;
    const trackOf: (Track | null)[] = new Array(count).fill(null);
    for (const t of tracks) t.label = -1;
    const match = (t: Track, c: number) => {
      t.label = c;
      trackOf[c] = t;
    };

    // Stage 1: overlap with the previous masks, in place and shifted by the predicted motion.
    // Pairs with IoU >= minIoU ("strong") first, then pairs that pass only by containment
    // ("weak": most of one island inside the other).
    let pairs: OverlapPairs | null = null;
    if (prev !== null) {
      const { masks, trackOf: prevTrackOf } = prev;
      const shiftX = new Int32Array(masks.count), shiftY = new Int32Array(masks.count);
      for (let p = 0; p < masks.count; p++) {
        const t = prevTrackOf[p];
        if (t === null) continue;
        const [vx, vy] = motion(t);
        shiftX[p] = Math.round(vx);
        shiftY[p] = Math.round(vy);
      }
      pairs = overlapPairs(labels, width, height, count, masks, shiftX, shiftY);
      const { c: pc, p: pp, o: po } = pairs;
      const strong: number[] = [], weak: number[] = [];
      const iou = new Float64Array(pc.length);
      // Weak pairs where the island is a crumb of the previous one (mostly inside it, but not
      // holding most of it, and CRUMB_SHRINK times smaller): not taken when most of the
      // previous island now lies in an island that another track took. That track swallowed it
      // (a merge, an object lost in the background): it rides along as a passenger instead, and
      // a speck inside its old mask must not take its id and its size (it could not be given
      // back its island when that splits off again). When it shattered, no part holding most of
      // it, the best-overlapping crumb keeps the id, as before.
      const crumb = new Uint8Array(pc.length);
      for (let k = 0; k < pc.length; k++) {
        const c = pc[k], p = pp[k], o = po[k], t = prevTrackOf[p];
        if (t === null) continue;
        iou[k] = o / (area[c] + masks.area[p] - o);
        if (iou[k] >= minIoU) strong.push(k);
        else if (
          2 * o > masks.area[p] && (t.hits >= minHits || area[c] <= WEAK_MAX_GROWTH * masks.area[p])
        ) weak.push(k);
        else if (2 * o > area[c]) {
          weak.push(k);
          if (masks.area[p] > CRUMB_SHRINK * area[c]) crumb[k] = 1;
        }
      }
      // Highest IoU first; ties by larger overlap, then by labels: deterministic.
      const byIoU = (a: number, b: number) =>
        iou[b] - iou[a] || po[b] - po[a] || pc[a] - pc[b] || pp[a] - pp[b];
      takeOverlaps(strong.sort(byIoU), pairs, trackOf, match);
      takeOverlaps(weak.sort(byIoU), pairs, trackOf, match, crumb);
    }

    // Stage 2: what is left, by predicted position and size (fast movers, occlusions,
    // dropouts); the confirmed tracks first.
    matchByPosition(true, scan, trackOf, match);
    matchByPosition(false, scan, trackOf, match);

    // Islands still without a track: new, tentative tracks with fresh ids.
    for (let c = 0; c < count; c++) {
      if (area[c] === 0 || trackOf[c] !== null) continue;
      const t: Track = {
        id: nextId++,
        hits: 0,
        lastSeen: frame,
        cleanFrame: frame,
        cx: cx[c],
        cy: cy[c],
        area: area[c],
        size: area[c],
        w: scan.boxW[c],
        h: scan.boxH[c],
        vx: 0,
        vy: 0,
        vNoise: 0,
        hasVelocity: false,
        host: null,
        label: -1,
        prevLabel: -1,
      };
      tracks.push(t);
      match(t, c);
    }

    // Tracks that lost their island: tentative ones are forgotten; confirmed ones are kept as
    // missing, as passengers of the island that swallowed most of their mask if there is one.
    const dead = new Set<Track>();
    for (const t of tracks) {
      if (t.label >= 0 || t.prevLabel < 0) continue;
      if (t.hits < minHits) dead.add(t);
      else t.host = pairs !== null ? swallower(pairs, t.prevLabel, trackOf) : null;
    }
    // A passenger whose host lost its island too rides on with the host's host (or alone).
    const hosting = new Set<Track>();
    for (const t of tracks) {
      if (t.label >= 0 || dead.has(t)) continue;
      let h = t.host;
      for (let guard = tracks.length; h !== null && h.label < 0 && guard > 0; guard--) h = h.host;
      t.host = h !== null && h.label >= 0 ? h : null;
      if (frame - t.lastSeen > (t.host !== null ? maxMergedFrames : maxMissedFrames)) dead.add(t);
      else if (t.host !== null) hosting.add(t.host);
    }

    // Matched tracks: seen alone and at a steady size, their own state follows the island;
    // carrying passengers, or after a jump in size, it is held (a merged island's centroid is
    // neither object's; a half-hidden one's is not where the object is), for a while.
    for (const t of tracks) {
      const c = t.label;
      if (c < 0) continue;
      t.hits++;
      t.lastSeen = frame;
      t.host = null;
      if (hosting.has(t) || t.cleanFrame === frame) continue;
      const gap = frame - t.cleanFrame;
      const ratio = area[c] / t.area;
      const steady = ratio <= STEADY_AREA_RATIO && ratio * STEADY_AREA_RATIO >= 1;
      if (!steady && gap <= REANCHOR_FRAMES) continue;
      if (steady) {
        const mx = (cx[c] - t.cx) / gap, my = (cy[c] - t.cy) / gap;
        if (t.hasVelocity) {
          const residual = Math.hypot(mx - t.vx, my - t.vy);
          t.vNoise += velocitySmoothing * (residual - t.vNoise);
          t.vx += velocitySmoothing * (mx - t.vx);
          t.vy += velocitySmoothing * (my - t.vy);
        } else {
          t.vx = mx;
          t.vy = my;
          t.hasVelocity = true;
        }
      }
      const decay = SIZE_DECAY ** gap;
      t.cx = cx[c];
      t.cy = cy[c];
      t.area = area[c];
      t.size = Math.max(area[c], t.size * decay);
      t.w = Math.max(scan.boxW[c], t.w * decay);
      t.h = Math.max(scan.boxH[c], t.h * decay);
      t.cleanFrame = frame;
    }

    if (dead.size > 0) tracks = tracks.filter((t) => !dead.has(t));
    for (const t of tracks) t.prevLabel = t.label;
    // This frame's masks replace the previous ones (whose buffers are free again now).
    const masks = groupRuns(scan, maskBuffers!);
    prev = { masks, trackOf };

    const idOf = new Int32Array(count).fill(-1);
    for (let c = 0; c < count; c++) if (trackOf[c] !== null) idOf[c] = trackOf[c]!.id;
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = idOf[labels[i]];
    return ids;
  }

  /** Take overlap pairs in the given order, each island and each track at most once. */
  function takeOverlaps(
    order: number[],
    pairs: OverlapPairs,
    trackOf: (Track | null)[],
    match: (t: Track, c: number) => void,
    crumb: Uint8Array | null = null,
  ): void {
    const prevTrackOf = prev!.trackOf;
    for (const k of order) {
      const t = prevTrackOf[pairs.p[k]], c = pairs.c[k];
      if (t === null || t.label >= 0 || trackOf[c] !== null) continue;
      if (crumb !== null && crumb[k]) {
        const h = holder(pairs, pairs.p[k]);
        if (h >= 0 && trackOf[h] !== null && trackOf[h] !== t) continue;
      }
      match(t, c);
    }
  }

  /** The current island that holds more than half of previous island `p`'s mask, or -1. */
  function holder(pairs: OverlapPairs, p: number): number {
    const { c: pc, o: po, pairFirst } = pairs;
    let best = -1, bestO = 0;
    for (let k = pairFirst[p]; k < pairFirst[p + 1]; k++) {
      if (po[k] > bestO || (po[k] === bestO && pc[k] < best)) [best, bestO] = [pc[k], po[k]];
    }
    return best >= 0 && 2 * bestO > prev!.masks.area[p] ? best : -1;
  }

  /**
   * Stage 2: free islands to free tracks (`confirmedTracks`: those seen in `minHits` frames,
   * else the tentative ones) by predicted position and size, cheapest pair first.
   */
  function matchByPosition(
    confirmedTracks: boolean,
    scan: IslandScan,
    trackOf: (Track | null)[],
    match: (t: Track, c: number) => void,
  ): void {
    const free: number[] = [];
    for (let c = 0; c < scan.count; c++) if (scan.area[c] > 0 && trackOf[c] === null) free.push(c);
    if (free.length === 0) return;
    // The free islands in a grid of cells (about one island a cell) by centroid, so that each
    // track looks only at the cells its gate covers: a map that comes out all new (a thousand
    // specks) would otherwise cost free islands x free tracks.
    const cell = Math.max(8, Math.ceil(Math.sqrt((gridWidth * gridHeight) / free.length)));
    const cols = Math.ceil(gridWidth / cell), rows = Math.ceil(gridHeight / cell);
    const cellOf = (c: number) =>
      Math.floor(scan.cy[c] / cell) * cols + Math.floor(scan.cx[c] / cell);
    const first = new Int32Array(cols * rows + 1);
    for (const c of free) first[cellOf(c) + 1]++;
    for (let k = 0; k < cols * rows; k++) first[k + 1] += first[k];
    const next = first.slice(0, cols * rows), inCell = new Int32Array(free.length);
    for (const c of free) inCell[next[cellOf(c)]++] = c;

    const cost: number[] = [], ct: Track[] = [], cc: number[] = [];
    for (const t of tracks) {
      if (t.label >= 0 || (t.hits >= minHits) !== confirmedTracks) continue;
      const at = predict(t);
      const x0 = Math.max(0, Math.floor((at.x - at.gate) / cell));
      const x1 = Math.min(cols - 1, Math.floor((at.x + at.gate) / cell));
      const y0 = Math.max(0, Math.floor((at.y - at.gate) / cell));
      const y1 = Math.min(rows - 1, Math.floor((at.y + at.gate) / cell));
      for (let gy = y0; gy <= y1; gy++) {
        for (let gx = x0; gx <= x1; gx++) {
          for (let k = first[gy * cols + gx]; k < first[gy * cols + gx + 1]; k++) {
            const c = inCell[k];
            const q = positionCost(t, scan, c, at);
            if (q < 0) continue;
            cost.push(q);
            ct.push(t);
            cc.push(c);
          }
        }
      }
    }
    const order = cost.map((_, k) => k);
    order.sort((a, b) => cost[a] - cost[b] || ct[a].id - ct[b].id || cc[a] - cc[b]);
    for (const k of order) {
      if (ct[k].label >= 0 || trackOf[cc[k]] !== null) continue;
      match(ct[k], cc[k]);
    }
  }

  /** Where a track that lost its island went: the track of {@linkcode holder}, if any. */
  function swallower(pairs: OverlapPairs, p: number, trackOf: (Track | null)[]): Track | null {
    const h = holder(pairs, p);
    return h >= 0 ? trackOf[h] : null;
  }

  function reset(): void {
    tracks = [];
    prev = null;
  }

  return {
    assign,
    reset,
    get trackCount() {
      return tracks.length;
    },
  };
}
