/**
 * Quality metrics of the benchmark, as pure functions on label maps (one label per pixel,
 * row-major, `width * height`): matched IoU, boundary F-score, id switches over a sequence,
 * count stability for clips without ground truth, object-only scores (truth objects matched
 * one-to-one to islands: object mIoU, recall at IoU 0.5, per kind) and (re-exported) the
 * adjusted Rand index.
 *
 * Labels are compared only for equality: their values carry no meaning, except that the
 * id-switch counter and the object scores treat truth label 0 as background (as
 * `streams/synthetic.ts` and `bench/quality/semireal.ts` do).
 *
 * @module
 */

export { adjustedRandIndex, downsampleLabelsMode } from "../../src/islands/adjusted_rand_index.ts";

/** A label map: one label per pixel, row-major. */
export type Labels = ArrayLike<number>;

/**
 * Minimum-cost assignment of the rows of `cost` to distinct columns (Hungarian algorithm,
 * the shortest-augmenting-path form with potentials). `cost` is `rows x cols`, row-major;
 * when there are more rows than columns it is padded with zero-cost columns (so some rows
 * get a column `>= cols`, i.e. none). O(rows^2 * cols) after padding.
 *
 * @returns for each row, its column, or -1 when it went to a padding column.
 */
export function hungarian(cost: ArrayLike<number>, rows: number, cols: number): Int32Array {
  if (cost.length !== rows * cols) {
    throw new RangeError(`hungarian: ${cost.length} costs for a ${rows}x${cols} matrix`);
  }
  const n = rows, m = Math.max(rows, cols);
  const at = (i: number, j: number) => (j < cols ? cost[i * cols + j] : 0);
  // 1-based arrays; column 0 is the virtual start of each augmenting path.
  const u = new Float64Array(n + 1), v = new Float64Array(m + 1);
  const rowOf = new Int32Array(m + 1); // rowOf[j]: row assigned to column j (0 = none)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0];
      let delta = Infinity, j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = at(i0 - 1, j - 1) - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOf[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    // Flip the augmenting path back to the start.
    do {
      const j1 = way[j0];
      rowOf[j0] = rowOf[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOf = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if (rowOf[j] > 0 && j <= cols) colOf[rowOf[j] - 1] = j - 1;
  return colOf;
}

/**
 * Mean matched IoU: each truth object (every distinct truth label, background included) is
 * matched to at most one predicted island and vice versa, by the one-to-one matching that
 * maximises the total IoU (Hungarian algorithm); the result is the mean, over truth objects,
 * of the matched IoU, an unmatched truth object counting 0. In [0, 1]; 1 exactly when the
 * two maps are the same partition, whatever the label values. Over-segmentation is punished
 * (only one fragment of an object can match it), and so is under-segmentation.
 *
 * @throws {RangeError} if the maps differ in length or are empty.
 */
export function meanMatchedIoU(pred: Labels, truth: Labels): number {
  const n = truth.length;
  if (pred.length !== n || n === 0) {
    throw new RangeError(`meanMatchedIoU: maps of ${pred.length} and ${n} pixels`);
  }
  const t = compact(truth), p = compact(pred);
  const inter = new Float64Array(t.count * p.count);
  const tArea = new Float64Array(t.count), pArea = new Float64Array(p.count);
  for (let i = 0; i < n; i++) {
    inter[t.labels[i] * p.count + p.labels[i]]++;
    tArea[t.labels[i]]++;
    pArea[p.labels[i]]++;
  }
  // Cost = -IoU: the Hungarian algorithm minimises. Rows are the (few) truth objects, so the
  // cost is O(T^2 * P) even for an over-segmentation with thousands of islands.
  const cost = new Float64Array(t.count * p.count);
  for (let a = 0; a < t.count; a++) {
    for (let b = 0; b < p.count; b++) {
      const o = inter[a * p.count + b];
      cost[a * p.count + b] = o === 0 ? 0 : -o / (tArea[a] + pArea[b] - o);
    }
  }
  const match = hungarian(cost, t.count, p.count);
  let sum = 0;
  for (let a = 0; a < t.count; a++) if (match[a] >= 0) sum -= cost[a * p.count + match[a]];
  return sum / t.count;
}

/**
 * Boundary F-score. A pixel is a boundary pixel when its right or bottom neighbour has a
 * different label. Precision is the share of predicted boundary pixels within `tolerancePx`
 * (Chebyshev distance: a `(2t+1)^2` square) of a truth boundary pixel; recall is the share of
 * truth boundary pixels within tolerance of a predicted one; F = 2PR / (P + R) (0 when both
 * are 0). By convention F is 1 when neither map has a boundary and 0 when exactly one has none.
 *
 * @throws {RangeError} if a map's length is not `width * height` or the tolerance is negative.
 */
export function boundaryFScore(
  pred: Labels,
  truth: Labels,
  width: number,
  height: number,
  tolerancePx = 2,
): number {
  const n = width * height;
  if (pred.length !== n || truth.length !== n || !(tolerancePx >= 0)) {
    throw new RangeError(
      `boundaryFScore: maps of ${pred.length} and ${truth.length} pixels for ${width}x${height}` +
        `, tolerance ${tolerancePx}`,
    );
  }
  const pb = boundaries(pred, width, height), tb = boundaries(truth, width, height);
  const pCount = countOnes(pb), tCount = countOnes(tb);
  if (pCount === 0 && tCount === 0) return 1;
  if (pCount === 0 || tCount === 0) return 0;
  const r = Math.floor(tolerancePx);
  const precision = countAnd(pb, dilate(tb, width, height, r)) / pCount;
  const recall = countAnd(tb, dilate(pb, width, height, r)) / tCount;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

/** 1 where the right or bottom neighbour has another label. */
function boundaries(labels: Labels, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x, l = labels[i];
      if ((x + 1 < width && labels[i + 1] !== l) || (y + 1 < height && labels[i + width] !== l)) {
        out[i] = 1;
      }
    }
  }
  return out;
}

/** Binary dilation by a `(2r+1)^2` square, separably: rows, then columns (sliding counts). */
function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r === 0) return mask;
  const rows = new Uint8Array(mask.length), out = new Uint8Array(mask.length);
  const pass = (src: Uint8Array, dst: Uint8Array, len: number, lines: number, step: number) => {
    const along = step === 1 ? width : 1; // distance between the starts of two lines
    for (let k = 0; k < lines; k++) {
      const base = k * along;
      let inWindow = 0;
      for (let i = 0; i < Math.min(r, len); i++) inWindow += src[base + i * step];
      for (let i = 0; i < len; i++) {
        if (i + r < len) inWindow += src[base + (i + r) * step];
        if (i - r - 1 >= 0) inWindow -= src[base + (i - r - 1) * step];
        dst[base + i * step] = inWindow > 0 ? 1 : 0;
      }
    }
  };
  pass(mask, rows, width, height, 1);
  pass(rows, out, height, width, width);
  return out;
}

function countOnes(mask: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < mask.length; i++) c += mask[i];
  return c;
}

function countAnd(a: Uint8Array, b: Uint8Array): number {
  let c = 0;
  for (let i = 0; i < a.length; i++) c += a[i] & b[i];
  return c;
}

/** Options of {@linkcode createIdSwitchCounter}. */
export interface IdSwitchOptions {
  /** Truth labels that are not objects. Default `[0]`: background in `streams/synthetic.ts`. */
  ignore?: number[];
  /**
   * When an object is absent for some frames and comes back, compare its new island id with
   * the one it had when last seen (the MOT convention) instead of starting afresh. Default
   * false: only consecutive frames that both show the object are compared.
   */
  acrossGaps?: boolean;
}

/** Counts id switches over a sequence of (predicted ids, truth) frames; see the factory. */
export interface IdSwitchCounter {
  /** Add one frame; returns the switches it caused. */
  update(pred: Labels, truth: Labels): number;
  /** Switches so far. */
  readonly switches: number;
  /** Frames so far. */
  readonly frames: number;
  /** Switches per 100 frames so far (0 before any frame). */
  per100Frames(): number;
}

/**
 * Id-switch counter. `pred` must be tracked ids (e.g. from `createIdTracker`), not raw
 * per-frame labels, or it counts every relabelling. In each frame, each truth object present
 * (every truth label but {@linkcode IdSwitchOptions.ignore}) gets its dominant predicted id:
 * the one covering most of its pixels (ties to the smaller id). A switch is counted when an
 * object's dominant id differs from its dominant id in the previous frame, when the object is
 * present in both; objects absent from a frame are skipped (see `acrossGaps`).
 */
export function createIdSwitchCounter(options: IdSwitchOptions = {}): IdSwitchCounter {
  const ignore = new Set(options.ignore ?? [0]);
  const acrossGaps = options.acrossGaps ?? false;
  let last = new Map<number, number>(); // truth object -> dominant predicted id
  const tally = new SwitchTally();
  return {
    update(pred, truth) {
      if (pred.length !== truth.length) {
        throw new RangeError(`IdSwitchCounter: maps of ${pred.length} and ${truth.length}`);
      }
      const counts = new Map<number, Map<number, number>>();
      for (let i = 0; i < truth.length; i++) {
        const t = truth[i];
        if (ignore.has(t)) continue;
        let c = counts.get(t);
        if (!c) counts.set(t, c = new Map());
        c.set(pred[i], (c.get(pred[i]) ?? 0) + 1);
      }
      const now = acrossGaps ? new Map(last) : new Map<number, number>();
      let frameSwitches = 0;
      for (const [t, c] of counts) {
        let best = 0, bestCount = -1;
        for (const [id, k] of c) {
          if (k > bestCount || (k === bestCount && id < best)) [best, bestCount] = [id, k];
        }
        const before = last.get(t);
        if (before !== undefined && before !== best) frameSwitches++;
        now.set(t, best);
      }
      last = now;
      return tally.add(frameSwitches);
    },
    get switches() {
      return tally.switches;
    },
    get frames() {
      return tally.frames;
    },
    per100Frames: () => tally.per100Frames(),
  };
}

/** Switches and frames so far, shared by the id-switch counters. */
class SwitchTally {
  switches = 0;
  frames = 0;
  /** Counts one frame and its switches; returns them. */
  add(frameSwitches: number): number {
    this.switches += frameSwitches;
    this.frames++;
    return frameSwitches;
  }
  per100Frames(): number {
    return switchesPer100Frames(this.switches, this.frames);
  }
}

/** Counts id switches the CLEAR-MOT way over a sequence of matched frames; see the factory. */
export interface MatchedIdSwitchCounter {
  /** Add one frame's match (null: a frame without objects); returns the switches it caused. */
  update(match: ObjectFrameMatch | null): number;
  /** Switches so far. */
  readonly switches: number;
  /** Frames so far (with or without objects). */
  readonly frames: number;
  /** Switches per 100 frames so far (0 before any frame). */
  per100Frames(): number;
}

/**
 * Id switches as CLEAR MOT counts them (Bernardin and Stiefelhagen 2008), on the one-to-one
 * matches of {@linkcode matchObjects}: an object is tracked in a frame when its matched island
 * covers it at IoU `minIoU` or more, and a switch is counted when a tracked object's island
 * differs from the one it had when it was last tracked, however many frames ago. Frames where
 * the object is missed or only partly covered count no switch (they lower recall instead).
 * {@linkcode createIdSwitchCounter} is stricter: it compares dominant ids frame to frame, so
 * an object that flickers between its island and the background counts two switches a flicker.
 */
export function createMatchedIdSwitchCounter(minIoU = 0.5): MatchedIdSwitchCounter {
  const last = new Map<number, number>(); // truth object -> island it was last tracked by
  const tally = new SwitchTally();
  return {
    update(match) {
      if (!match) return tally.add(0);
      let frameSwitches = 0;
      match.objects.forEach((t, k) => {
        const island = match.matched[k];
        if (island === null || match.iou[k] < minIoU) return;
        const before = last.get(t);
        if (before !== undefined && before !== island) frameSwitches++;
        last.set(t, island);
      });
      return tally.add(frameSwitches);
    },
    get switches() {
      return tally.switches;
    },
    get frames() {
      return tally.frames;
    },
    per100Frames: () => tally.per100Frames(),
  };
}

/** Total id switches over a whole sequence of frames; see {@linkcode createIdSwitchCounter}. */
export function idSwitches(
  predSequence: readonly Labels[],
  truthSequence: readonly Labels[],
  options: IdSwitchOptions = {},
): number {
  if (predSequence.length !== truthSequence.length) {
    throw new RangeError(
      `idSwitches: ${predSequence.length} predicted and ${truthSequence.length} truth frames`,
    );
  }
  const counter = createIdSwitchCounter(options);
  for (let f = 0; f < predSequence.length; f++) counter.update(predSequence[f], truthSequence[f]);
  return counter.switches;
}

/** `100 * switches / frames`, or 0 when there are no frames. */
export function switchesPer100Frames(switches: number, frames: number): number {
  return frames > 0 ? (100 * switches) / frames : 0;
}

/** Summary of {@linkcode countStability}. */
export interface CountStability {
  /** Mean count. */
  mean: number;
  /** Population standard deviation of the counts. */
  std: number;
  /** Coefficient of variation `std / mean` (0 when the mean is 0). */
  cv: number;
  /** Mean of `|count[t] - count[t-1]|` over consecutive pairs (0 with fewer than two counts). */
  meanAbsChange: number;
}

/**
 * How steady a per-frame island count is, for a clip without ground truth: a segmenter that
 * sees the same scene should give about the same number of islands frame after frame. All
 * fields are 0 for an empty list.
 */
export function countStability(counts: readonly number[]): CountStability {
  const n = counts.length;
  if (n === 0) return { mean: 0, std: 0, cv: 0, meanAbsChange: 0 };
  let sum = 0;
  for (const c of counts) sum += c;
  const mean = sum / n;
  let sq = 0;
  for (const c of counts) sq += (c - mean) ** 2;
  const std = Math.sqrt(sq / n);
  let change = 0;
  for (let i = 1; i < n; i++) change += Math.abs(counts[i] - counts[i - 1]);
  return {
    mean,
    std,
    cv: mean === 0 ? 0 : std / mean,
    meanAbsChange: n > 1 ? change / (n - 1) : 0,
  };
}

/** Labels renumbered `0..count-1` in order of first appearance. */
function compact(labels: Labels): { labels: Int32Array; count: number } {
  const index = new Map<number, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let k = index.get(labels[i]);
    if (k === undefined) index.set(labels[i], k = index.size);
    out[i] = k;
  }
  return { labels: out, count: index.size };
}

/** Options of {@linkcode matchObjects} and {@linkcode createObjectScorer}. */
export interface ObjectMatchOptions {
  /** Truth labels that are not objects. Default `[0]`. */
  truthBackground?: readonly number[];
  /**
   * Predicted labels that are not islands, left out of the matching (e.g. `[0]` for a
   * background subtractor whose 0 is "no object"). Default none: every predicted label is an
   * island, whatever its value.
   */
  predIgnore?: readonly number[];
}

/** The objects of one frame matched to islands; see {@linkcode matchObjects}. */
export interface ObjectFrameMatch {
  /** The truth objects present in the frame, ascending. */
  objects: number[];
  /** Each object's matched IoU, 0 when it got no island; in the order of `objects`. */
  iou: number[];
  /** The predicted label matched to each object, or null; in the order of `objects`. */
  matched: (number | null)[];
  /** Object mIoU: the mean of `iou`. */
  miou: number;
  /** Recall at 0.5: the share of objects whose matched IoU is at least 0.5. */
  recall50: number;
  /** Distinct predicted labels in the frame (every label, ignored ones included). */
  islands: number;
}

/**
 * Object-only scores of one frame. The truth objects present (every truth label but
 * `truthBackground`) are matched to distinct predicted islands by the one-to-one matching that
 * maximises the total IoU (Hungarian algorithm over the IoU matrix objects x islands; the
 * IoU counts every pixel of an island, background included, so an island that spills over the
 * background scores lower). Unlike {@linkcode meanMatchedIoU}, the background is not an
 * object: a frame is judged only by how well its objects stand out as islands.
 *
 * @returns null when the frame has no truth object (such frames are skipped).
 * @throws {RangeError} if the maps differ in length or are empty.
 */
export function matchObjects(
  pred: Labels,
  truth: Labels,
  options: ObjectMatchOptions = {},
): ObjectFrameMatch | null {
  const n = truth.length;
  if (pred.length !== n || n === 0) {
    throw new RangeError(`matchObjects: maps of ${pred.length} and ${n} pixels`);
  }
  const background = new Set(options.truthBackground ?? [0]);
  const ignore = new Set(options.predIgnore ?? []);
  const predArea = new Map<number, number>();
  const objectIndex = new Map<number, number>(); // truth label -> row
  const objectArea: number[] = [];
  // Intersections, per island (label -> counts per object row): only islands that touch an
  // object are candidates; an object matched to any other island would score 0 anyway.
  const inter = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const p = pred[i];
    predArea.set(p, (predArea.get(p) ?? 0) + 1);
    const t = truth[i];
    if (background.has(t)) continue;
    let row = objectIndex.get(t);
    if (row === undefined) {
      objectIndex.set(t, row = objectArea.length);
      objectArea.push(0);
    }
    objectArea[row]++;
    if (ignore.has(p)) continue;
    let counts = inter.get(p);
    if (!counts) inter.set(p, counts = []);
    counts[row] = (counts[row] ?? 0) + 1;
  }
  const rows = objectArea.length;
  if (rows === 0) return null;
  const islands = [...inter.keys()];
  const cols = islands.length;
  const cost = new Float64Array(rows * cols);
  islands.forEach((p, c) => {
    const counts = inter.get(p)!, area = predArea.get(p)!;
    for (let r = 0; r < rows; r++) {
      const o = counts[r] ?? 0;
      // Cost = -IoU: the Hungarian algorithm minimises.
      if (o > 0) cost[r * cols + c] = -o / (objectArea[r] + area - o);
    }
  });
  const match = cols > 0 ? hungarian(cost, rows, cols) : new Int32Array(rows).fill(-1);
  const order = [...objectIndex.entries()].sort((a, b) => a[0] - b[0]);
  const iou: number[] = [], matched: (number | null)[] = [];
  let sum = 0, hits = 0;
  for (const [, r] of order) {
    const c = match[r];
    const v = c >= 0 ? -cost[r * cols + c] : 0;
    // A zero-IoU "match" is the padding of the assignment, not an island found.
    iou.push(v);
    matched.push(v > 0 ? islands[c] : null);
    sum += v;
    if (v >= 0.5) hits++;
  }
  return {
    objects: order.map(([t]) => t),
    iou,
    matched,
    miou: sum / rows,
    recall50: hits / rows,
    islands: predArea.size,
  };
}

/** Object scores of a kind (or of all objects) over the frames that show one. */
export interface ObjectKindScores {
  /** Frames with at least one object (of the kind). */
  frames: number;
  /** Mean over those frames of the frame's object mIoU. */
  objectMIoU: number;
  /** Mean over those frames of the frame's recall at 0.5. */
  recall50: number;
}

/** Summary of {@linkcode createObjectScorer}. */
export interface ObjectScores extends ObjectKindScores {
  /** Frames added, with or without objects. */
  framesSeen: number;
  /** Mean distinct predicted labels a frame, over every frame added. */
  islandsPerFrame: number;
  /** The same scores per kind of object (only the objects of that kind count in a frame). */
  byKind: Record<string, ObjectKindScores>;
}

/** Accumulates object scores over a sequence; see the factory. */
export interface ObjectScorer {
  /** Add one frame; returns its match (null when it shows no object). */
  update(pred: Labels, truth: Labels): ObjectFrameMatch | null;
  /** The scores so far (NaN where no frame counted yet). */
  summary(): ObjectScores;
}

/**
 * Object scores over a sequence, as the held-out check uses them: each frame is matched with
 * {@linkcode matchObjects}; object mIoU and recall at 0.5 are means over the frames that show
 * an object (frames without one are skipped), islands a frame is over every frame. `kinds`
 * maps truth labels to a kind ("person", "car"; labels not in it count as "other") for the
 * per-kind breakdown: in each frame, the mean over the objects of that kind present.
 */
export function createObjectScorer(
  options: ObjectMatchOptions & { kinds?: ReadonlyMap<number, string> } = {},
): ObjectScorer {
  const kinds = options.kinds ?? new Map<number, string>();
  const all = { frames: 0, miou: 0, recall: 0 };
  const byKind = new Map<string, typeof all>();
  let framesSeen = 0, islands = 0;
  const finish = (a: typeof all): ObjectKindScores => ({
    frames: a.frames,
    objectMIoU: a.frames ? a.miou / a.frames : NaN,
    recall50: a.frames ? a.recall / a.frames : NaN,
  });
  return {
    update(pred, truth) {
      const m = matchObjects(pred, truth, options);
      framesSeen++;
      islands += m ? m.islands : new Set(Array.from(pred)).size;
      if (!m) return null;
      all.frames++;
      all.miou += m.miou;
      all.recall += m.recall50;
      const perKind = new Map<string, number[]>();
      m.objects.forEach((t, i) => {
        const k = kinds.get(t) ?? "other";
        perKind.set(k, [...(perKind.get(k) ?? []), m.iou[i]]);
      });
      for (const [k, ious] of perKind) {
        let acc = byKind.get(k);
        if (!acc) byKind.set(k, acc = { frames: 0, miou: 0, recall: 0 });
        acc.frames++;
        acc.miou += ious.reduce((a, v) => a + v, 0) / ious.length;
        acc.recall += ious.filter((v) => v >= 0.5).length / ious.length;
      }
      return m;
    },
    summary() {
      return {
        ...finish(all),
        framesSeen,
        islandsPerFrame: framesSeen ? islands / framesSeen : NaN,
        byKind: Object.fromEntries([...byKind].map(([k, a]) => [k, finish(a)])),
      };
    },
  };
}
