import assert from "node:assert/strict";
import {
  adjustedRandIndex,
  boundaryFScore,
  countStability,
  createIdSwitchCounter,
  createMatchedIdSwitchCounter,
  createObjectScorer,
  hungarian,
  idSwitches,
  matchObjects,
  meanMatchedIoU,
  switchesPer100Frames,
} from "../../bench/quality/metrics.ts";
import { mulberry32 } from "../../src/util/mulberry32.ts";

const close = (actual: number, expected: number, tol = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not ${expected}`);

/** A `w x h` map from a function of (x, y). */
function map(w: number, h: number, f: (x: number, y: number) => number): Int32Array {
  const out = new Int32Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f(x, y);
  return out;
}

/** Minimum total cost over every assignment of rows to distinct columns (rows <= cols). */
function bruteForce(cost: number[], rows: number, cols: number): number {
  let best = Infinity;
  const used = new Array(cols).fill(false);
  const go = (r: number, total: number) => {
    if (r === rows) {
      best = Math.min(best, total);
      return;
    }
    for (let c = 0; c < cols; c++) {
      if (used[c]) continue;
      used[c] = true;
      go(r + 1, total + cost[r * cols + c]);
      used[c] = false;
    }
  };
  go(0, 0);
  return best;
}

Deno.test("hungarian matches brute force on small random matrices", () => {
  const rand = mulberry32(7);
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + Math.floor(rand() * 6), cols = 1 + Math.floor(rand() * 6);
    // Integer costs half the time, so ties are common.
    const cost = Array.from(
      { length: rows * cols },
      () => trial % 2 ? Math.floor(rand() * 4) - 2 : rand() * 10 - 5,
    );
    const match = hungarian(cost, rows, cols);
    const taken = match.filter((c) => c >= 0);
    assert.equal(new Set(taken).size, taken.length, "columns used once");
    assert.equal(taken.length, Math.min(rows, cols));
    let total = 0;
    for (let r = 0; r < rows; r++) if (match[r] >= 0) total += cost[r * cols + match[r]];
    // More rows than columns: brute force over the transpose (padding rows cost 0).
    const transposed = Array.from(
      { length: rows * cols },
      (_, i) => cost[(i % rows) * cols + Math.floor(i / rows)],
    );
    const expected = rows <= cols
      ? bruteForce(cost, rows, cols)
      : bruteForce(transposed, cols, rows);
    close(total, expected);
  }
});

Deno.test("identical maps score 1 on every metric", () => {
  const a = map(12, 9, (x, y) => (x < 5 ? 0 : 1) + (y < 4 ? 0 : 2));
  assert.equal(meanMatchedIoU(a, a), 1);
  assert.equal(boundaryFScore(a, a, 12, 9), 1);
  assert.equal(boundaryFScore(a, a, 12, 9, 0), 1);
  assert.equal(adjustedRandIndex(a, a), 1);
});

Deno.test("a relabelled but identical partition has mIoU 1", () => {
  const a = map(10, 10, (x, y) => (x < 3 ? 0 : y < 6 ? 1 : 2));
  const b = a.map((l) => [42, 7, -3][l]);
  assert.equal(meanMatchedIoU(b, a), 1);
  assert.equal(boundaryFScore(b, a, 10, 10, 0), 1);
});

Deno.test("meanMatchedIoU: halves and unmatched objects", () => {
  // Truth: left/right halves of 4x1. Prediction: one region -> matches one half with IoU 1/2.
  close(meanMatchedIoU([0, 0, 0, 0], [0, 0, 1, 1]), 0.25);
  // Prediction splits each half in two: each truth object gets one fragment, IoU 1/2.
  close(meanMatchedIoU([0, 1, 2, 3], [0, 0, 1, 1]), 0.5);
  // One-to-one: a single island cannot serve two objects even if it overlaps both best.
  close(meanMatchedIoU([5, 5, 5, 9], [0, 0, 1, 1]), (2 / 3 + 1 / 2) / 2);
});

Deno.test("boundaryFScore: a boundary shifted by 1px is within tolerance 2, not 0", () => {
  const w = 16, h = 8;
  const truth = map(w, h, (x) => (x < 8 ? 0 : 1));
  const pred = map(w, h, (x) => (x < 9 ? 0 : 1));
  assert.equal(boundaryFScore(pred, truth, w, h, 2), 1);
  assert.equal(boundaryFScore(pred, truth, w, h, 1), 1);
  assert.equal(boundaryFScore(pred, truth, w, h, 0), 0);
  // Half of the rows shifted: truth has 8 boundary pixels (x = 7); the prediction has 4 at
  // x = 7, 4 at x = 8 and 1 at the step (8, 3). P = 4/9, R = 4/8, so F = 8/17.
  const half = map(w, h, (x, y) => (x < (y < 4 ? 8 : 9) ? 0 : 1));
  close(boundaryFScore(half, truth, w, h, 0), 8 / 17);
  assert.ok(boundaryFScore(half, truth, w, h, 0) < 1);
});

Deno.test("boundaryFScore: precision and recall, and the no-boundary conventions", () => {
  const w = 20, h = 10;
  const truth = map(w, h, (x) => (x < 10 ? 0 : 1));
  // An extra far-away vertical boundary: recall 1, precision 1/2 -> F = 2/3.
  const pred = map(w, h, (x) => (x < 10 ? 0 : x < 16 ? 1 : 2));
  close(boundaryFScore(pred, truth, w, h, 2), 2 / 3);
  const flat = new Int32Array(w * h);
  assert.equal(boundaryFScore(flat, flat, w, h), 1);
  assert.equal(boundaryFScore(flat, truth, w, h), 0);
  assert.equal(boundaryFScore(truth, flat, w, h), 0);
  assert.throws(() => boundaryFScore(flat, truth, w + 1, h), RangeError);
});

Deno.test("idSwitches on a hand-made 3-frame sequence", () => {
  // 6 pixels: background 0, object 1 (pixels 0-1), object 2 (pixels 3-5).
  const truth = [
    [1, 1, 0, 2, 2, 2],
    [1, 1, 0, 2, 2, 2],
    [1, 1, 0, 2, 2, 2],
  ];
  const pred = [
    [10, 10, 0, 20, 20, 21], // object 1 -> 10, object 2 -> 20
    [10, 10, 5, 21, 21, 20], // object 2 -> 21: one switch; background changes don't count
    [11, 10, 5, 21, 21, 21], // object 1 tie 10/11 -> 10 (smaller): no switch
  ];
  assert.equal(idSwitches(pred, truth), 1);
  const counter = createIdSwitchCounter();
  assert.deepEqual(pred.map((p, i) => counter.update(p, truth[i])), [0, 1, 0]);
  assert.equal(counter.frames, 3);
  close(counter.per100Frames(), 100 / 3);
  // Counting background as an object too: it went 0 -> 5, one more switch.
  assert.equal(idSwitches(pred, truth, { ignore: [] }), 2);
});

Deno.test("idSwitches skips absent objects; acrossGaps compares with the last sighting", () => {
  const truth = [[1, 1, 0], [0, 0, 0], [1, 1, 0]];
  const pred = [[3, 3, 0], [3, 3, 0], [4, 4, 0]];
  assert.equal(idSwitches(pred, truth), 0);
  assert.equal(idSwitches(pred, truth, { acrossGaps: true }), 1);
  assert.equal(switchesPer100Frames(3, 0), 0);
});

Deno.test("createMatchedIdSwitchCounter counts CLEAR-MOT switches: tracked objects only, across gaps", () => {
  // One object (pixels 0-3 of 8). Frames: tracked by 7; covered in part (7: IoU 1/4, 5:
  // 3/8: untracked); lost in the background (0: IoU 3/8); tracked by 8 (a switch, across the
  // gap); tracked by 8 (IoU 3/4).
  const truth = [1, 1, 1, 1, 0, 0, 0, 0];
  const frames = [
    [7, 7, 7, 7, 0, 0, 0, 0],
    [7, 5, 5, 5, 5, 5, 5, 5],
    [6, 0, 0, 0, 0, 0, 0, 0],
    [8, 8, 8, 8, 0, 0, 0, 0],
    [8, 8, 8, 0, 0, 0, 0, 0],
  ];
  const counter = createMatchedIdSwitchCounter();
  const got = frames.map((p) => counter.update(matchObjects(p, truth)));
  assert.deepEqual(got, [0, 0, 0, 1, 0]);
  assert.equal(counter.switches, 1);
  assert.equal(counter.frames, 5);
  close(counter.per100Frames(), 20);
  // The dominant-id counter counts every change of the id covering most of it: 7, 5, 0, 8.
  assert.equal(idSwitches(frames, frames.map(() => truth)), 3);
  // Frames without objects count as frames, with no switch.
  assert.equal(counter.update(null), 0);
  assert.equal(counter.frames, 6);
});

Deno.test("countStability", () => {
  const s = countStability([4, 6, 4, 6]);
  assert.equal(s.mean, 5);
  assert.equal(s.std, 1);
  assert.equal(s.cv, 0.2);
  assert.equal(s.meanAbsChange, 2);
  assert.deepEqual(countStability([]), { mean: 0, std: 0, cv: 0, meanAbsChange: 0 });
  assert.deepEqual(countStability([3]), { mean: 3, std: 0, cv: 0, meanAbsChange: 0 });
});

Deno.test("matchObjects: a perfect, relabelled prediction; the background is no object", () => {
  // Two objects on a 10x8 frame; the prediction cuts the background into many islands.
  const truth = map(10, 8, (x, y) => (x < 3 && y < 3 ? 4 : x >= 6 && y >= 5 ? 9 : 0));
  const pred = truth.map((t, i) => (t === 4 ? 100 : t === 9 ? -7 : 1000 + (i % 5)));
  const m = matchObjects(pred, truth)!;
  assert.deepEqual(m.objects, [4, 9]);
  assert.deepEqual(m.iou, [1, 1]);
  assert.deepEqual(m.matched, [100, -7]);
  assert.equal(m.miou, 1);
  assert.equal(m.recall50, 1);
  assert.equal(m.islands, 7);
  // meanMatchedIoU counts the background as an object, and it is cut into five pieces.
  assert.ok(meanMatchedIoU(pred, truth) < 1);
});

Deno.test("matchObjects: halves, thirds, a merge, and a frame without objects", () => {
  // 1 row: background, then object 1 on pixels 2-5, object 2 on pixels 6-7.
  const truth = [0, 0, 1, 1, 1, 1, 2, 2];
  // Object 1 split in two halves: its best fragment has IoU 1/2 (recall@0.5 counts it).
  let m = matchObjects([0, 0, 5, 5, 6, 6, 7, 7], truth)!;
  assert.deepEqual(m.iou, [0.5, 1]);
  close(m.miou, 0.75);
  assert.equal(m.recall50, 1);
  // Split 1 + 3: the larger fragment has IoU 3/4; split into 3 (2 + 1 + 1): 2/4 exactly.
  close(matchObjects([0, 0, 5, 6, 6, 6, 7, 7], truth)!.iou[0], 0.75);
  m = matchObjects([0, 0, 5, 5, 6, 8, 7, 7], truth)!;
  assert.deepEqual(m.iou, [0.5, 1]);
  // Split 1 + 1 + 1 + 1: IoU 1/4, under 0.5.
  m = matchObjects([0, 0, 5, 6, 8, 9, 7, 7], truth)!;
  assert.deepEqual(m.iou, [0.25, 1]);
  assert.equal(m.recall50, 0.5);
  // Both objects in one island that also spills onto the background: one of them gets it
  // (object 1: IoU 4/7 beats object 2's 2/7), the other nothing.
  m = matchObjects([0, 3, 3, 3, 3, 3, 3, 3], truth)!;
  assert.deepEqual(m.matched, [3, null]);
  close(m.iou[0], 4 / 7);
  assert.equal(m.iou[1], 0);
  close(m.miou, 2 / 7);
  assert.equal(m.recall50, 0.5);
  // No truth object: skipped.
  assert.equal(matchObjects([1, 2, 3], [0, 0, 0]), null);
  assert.throws(() => matchObjects([1, 2], [0, 0, 0]), RangeError);
  assert.throws(() => matchObjects([], []), RangeError);
});

Deno.test("matchObjects: predIgnore leaves a peer's background label out of the matching", () => {
  const truth = [0, 0, 0, 0, 0, 0, 1, 1];
  const pred = [0, 0, 0, 0, 0, 0, 0, 0];
  // Every label an island: the object matches the whole-frame island, IoU 2/8.
  close(matchObjects(pred, truth)!.miou, 0.25);
  const m = matchObjects(pred, truth, { predIgnore: [0] })!;
  assert.equal(m.miou, 0);
  assert.deepEqual(m.matched, [null]);
  assert.equal(m.islands, 1);
  // Another truth background label.
  assert.equal(matchObjects([1, 1, 2], [7, 7, 3], { truthBackground: [7] })!.miou, 1);
});

Deno.test("matchObjects maximises the total IoU one-to-one (brute force on random maps)", () => {
  const rand = mulberry32(11);
  const iou = (pred: Int32Array, truth: Int32Array, t: number, p: number) => {
    let inter = 0, union = 0;
    for (let i = 0; i < truth.length; i++) {
      const a = truth[i] === t, b = pred[i] === p;
      if (a && b) inter++;
      if (a || b) union++;
    }
    return union ? inter / union : 0;
  };
  for (let trial = 0; trial < 150; trial++) {
    const n = 30;
    const truth = Int32Array.from({ length: n }, () => Math.floor(rand() * 4));
    const pred = Int32Array.from({ length: n }, () => Math.floor(rand() * 5));
    const m = matchObjects(pred, truth);
    const objects = [...new Set(truth)].filter((t) => t !== 0).sort((a, b) => a - b);
    if (objects.length === 0) {
      assert.equal(m, null);
      continue;
    }
    const islands = [...new Set(pred)];
    // Best total IoU over every injective assignment of objects to islands (or to none).
    let best = 0;
    const go = (k: number, used: Set<number>, total: number) => {
      if (k === objects.length) {
        best = Math.max(best, total);
        return;
      }
      go(k + 1, used, total);
      for (const p of islands) {
        if (used.has(p)) continue;
        used.add(p);
        go(k + 1, used, total + iou(pred, truth, objects[k], p));
        used.delete(p);
      }
    };
    go(0, new Set(), 0);
    assert.ok(m);
    assert.deepEqual(m.objects, objects);
    close(m.miou * objects.length, best);
    // The reported IoUs are those of the reported islands.
    m.matched.forEach((p, i) => {
      close(m.iou[i], p === null ? 0 : iou(pred, truth, objects[i], p));
    });
    const found = m.matched.filter((p) => p !== null);
    assert.equal(new Set(found).size, found.length, "islands used once");
  }
});

Deno.test("createObjectScorer: means over frames with objects, per kind, islands a frame", () => {
  const kinds = new Map([[1, "person"], [2, "car"]]);
  const scorer = createObjectScorer({ kinds });
  const truth = [0, 0, 1, 1, 1, 1, 2, 2];
  // Frame 1: person IoU 1/2, car 1.
  assert.ok(scorer.update([0, 0, 5, 5, 6, 6, 7, 7], truth));
  // Frame 2: no object: skipped for the scores, counted for islands a frame.
  assert.equal(scorer.update([0, 1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 0, 0]), null);
  // Frame 3: only the person, found exactly.
  assert.ok(scorer.update([0, 0, 5, 5, 5, 5, 0, 0], [0, 0, 1, 1, 1, 1, 0, 0]));
  const s = scorer.summary();
  assert.equal(s.frames, 2);
  assert.equal(s.framesSeen, 3);
  close(s.objectMIoU, (0.75 + 1) / 2);
  close(s.recall50, 1);
  close(s.islandsPerFrame, (4 + 8 + 2) / 3);
  assert.deepEqual(Object.keys(s.byKind).sort(), ["car", "person"]);
  assert.equal(s.byKind.person.frames, 2);
  close(s.byKind.person.objectMIoU, (0.5 + 1) / 2);
  assert.equal(s.byKind.car.frames, 1);
  close(s.byKind.car.objectMIoU, 1);
  // Nothing added yet: NaN, not 0.
  assert.ok(Number.isNaN(createObjectScorer().summary().objectMIoU));
  // Labels without a kind are "other".
  const other = createObjectScorer();
  other.update([1, 1], [3, 3]);
  assert.equal(other.summary().byKind.other.objectMIoU, 1);
});
