/**
 * Stable island ids across frames: each frame's labels `0..K-1` are matched to the previous
 * frame's islands by overlap, so the same thing keeps the same id while it moves, grows,
 * shrinks, splits or merges.
 *
 * @module
 */

/** Options of {@linkcode createIdTracker}. */
export interface IdTrackerOptions {
  /**
   * An island inherits a previous island's id when their intersection-over-union is at least
   * this, or when the overlap is more than half of either island (so a shrinking, growing or
   * split-off island still counts as the same thing when nothing overlaps it better).
   *
   * @default {0.3}
   */
  minIoU?: number;
}

/** Default {@linkcode IdTrackerOptions.minIoU}. */
export const DEFAULT_MIN_IOU = 0.3;

/** Maps each frame's island labels to ids that persist from frame to frame. */
export interface IdTracker {
  /**
   * Ids for this frame's `width x height` labels (`0..K-1`, as {@linkcode segmentField} gives),
   * matched against the frame before. Returns a new array of ids, one per location.
   *
   * @throws {RangeError} if `labels.length` is not `width * height` or a label is negative.
   */
  assign(labels: Int32Array, width: number, height: number): Int32Array;
  /** Forget the previous frame; the next frame's islands get fresh ids. Ids are never reused. */
  reset(): void;
}

/**
 * Create a tracker that keeps island ids stable across the frames of one stream.
 *
 * Matching: a count matrix of current x previous labels gives every overlap; pairs that pass
 * the acceptance rule ({@linkcode IdTrackerOptions.minIoU}) are taken greedily by IoU,
 * highest first, each island used once. Hence a split keeps the old id on the part that
 * overlaps it best (the larger part), and a merge keeps the id of the previous island it
 * overlaps best (the larger one). Unmatched islands get fresh ids from a counter that only
 * grows, so an id that disappeared is never handed to something else. Cost per frame:
 * O(N + K * K_prev) plus a sort of the overlapping pairs (at most N).
 *
 * The tracker holds the previous frame, so use one per stream.
 *
 * @example
 * ```ts
 * import { createIdTracker } from "./track_ids.ts";
 * const tracker = createIdTracker();
 * tracker.assign(new Int32Array([0, 0, 1, 1]), 4, 1); // Int32Array [0, 0, 1, 1]
 * // Same two islands, labelled the other way round: the ids follow the islands.
 * tracker.assign(new Int32Array([1, 1, 0, 0]), 4, 1); // Int32Array [0, 0, 1, 1]
 * ```
 */
export function createIdTracker(options: IdTrackerOptions = {}): IdTracker {
  const { minIoU = DEFAULT_MIN_IOU } = options;
  let nextId = 0;
  // Previous frame: its labels, the id of each label, each label's area, and its size.
  let prevLabels: Int32Array | null = null;
  let prevIds = new Int32Array(0);
  let prevArea = new Int32Array(0);
  let prevWidth = -1, prevHeight = -1;

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
    const area = new Int32Array(count);
    for (let i = 0; i < n; i++) area[labels[i]]++;

    const idOf = new Int32Array(count).fill(-1);
    // A change of grid size means a new stream geometry: nothing can be matched.
    if (prevLabels !== null && width === prevWidth && height === prevHeight) {
      matchByOverlap(labels, area, prevLabels, prevIds, prevArea, minIoU, idOf);
    }
    for (let c = 0; c < count; c++) if (idOf[c] < 0 && area[c] > 0) idOf[c] = nextId++;

    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = idOf[labels[i]];
    prevLabels = labels.slice();
    prevIds = idOf;
    prevArea = area;
    prevWidth = width;
    prevHeight = height;
    return ids;
  }

  function reset(): void {
    prevLabels = null;
    prevWidth = prevHeight = -1;
  }

  return { assign, reset };
}

/** Fill `idOf[c]` with the id of the previous island matched to current label `c`. */
function matchByOverlap(
  labels: Int32Array,
  area: Int32Array,
  prevLabels: Int32Array,
  prevIds: Int32Array,
  prevArea: Int32Array,
  minIoU: number,
  idOf: Int32Array,
): void {
  const count = area.length, prevCount = prevArea.length;
  const overlap = new Int32Array(count * prevCount);
  for (let i = 0; i < labels.length; i++) overlap[labels[i] * prevCount + prevLabels[i]]++;

  const pairs: number[] = [];
  const iou = new Float64Array(count * prevCount);
  for (let c = 0; c < count; c++) {
    for (let p = 0; p < prevCount; p++) {
      const o = overlap[c * prevCount + p];
      if (o === 0) continue;
      const score = o / (area[c] + prevArea[p] - o);
      if (score >= minIoU || 2 * o > area[c] || 2 * o > prevArea[p]) {
        pairs.push(c * prevCount + p);
        iou[c * prevCount + p] = score;
      }
    }
  }
  // Highest IoU first; ties by larger overlap, then by index, so the outcome is deterministic.
  pairs.sort((a, b) => iou[b] - iou[a] || overlap[b] - overlap[a] || a - b);

  const prevTaken = new Uint8Array(prevCount);
  for (const pair of pairs) {
    const c = Math.floor(pair / prevCount), p = pair - c * prevCount;
    if (idOf[c] >= 0 || prevTaken[p]) continue;
    idOf[c] = prevIds[p];
    prevTaken[p] = 1;
  }
}
