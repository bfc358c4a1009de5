import assert from "node:assert/strict";
import {
  adjustedRandIndex,
  boundaryFScore,
  countStability,
  createIdSwitchCounter,
  hungarian,
  idSwitches,
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

Deno.test("countStability", () => {
  const s = countStability([4, 6, 4, 6]);
  assert.equal(s.mean, 5);
  assert.equal(s.std, 1);
  assert.equal(s.cv, 0.2);
  assert.equal(s.meanAbsChange, 2);
  assert.deepEqual(countStability([]), { mean: 0, std: 0, cv: 0, meanAbsChange: 0 });
  assert.deepEqual(countStability([3]), { mean: 3, std: 0, cv: 0, meanAbsChange: 0 });
});
