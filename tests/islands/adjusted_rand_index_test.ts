import assert from "node:assert/strict";
import { adjustedRandIndex, downsampleLabelsMode } from "../../src/islands/adjusted_rand_index.ts";
import { seededRandom } from "./_fields.ts";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not ${expected}`);

Deno.test("adjustedRandIndex is 1 for identical labellings", () => {
  const a = [0, 0, 1, 1, 2, 2, 2, 3];
  assert.equal(adjustedRandIndex(a, a), 1);
});

Deno.test("adjustedRandIndex is 1 for the same grouping under other label values", () => {
  assert.equal(adjustedRandIndex([0, 0, 1, 1, 2, 2, 2], [7, 7, 3, 3, -1, -1, -1]), 1);
});

Deno.test("adjustedRandIndex is about 0 for independent random labellings", () => {
  const random = seededRandom(11);
  const n = 20000;
  const a = Array.from({ length: n }, () => Math.floor(random() * 6));
  const b = Array.from({ length: n }, () => Math.floor(random() * 5));
  const ari = adjustedRandIndex(a, b);
  assert.ok(Math.abs(ari) < 0.01, `ARI ${ari}`);
});

Deno.test("adjustedRandIndex matches hand-computed values", () => {
  // Pairs together in both: 2; in a: 6, in b: 3; of 15. (2 - 6*3/15) / ((6+3)/2 - 6*3/15) = 8/33.
  close(adjustedRandIndex([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 8 / 33);
  close(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]), 4 / 7);
  close(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1]), -0.5);
  close(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3]), 0);
});

Deno.test("adjustedRandIndex is 1 for identical degenerate partitions", () => {
  assert.equal(adjustedRandIndex([4, 4, 4], [1, 1, 1]), 1);
  assert.equal(adjustedRandIndex([0, 1, 2], [5, 6, 7]), 1);
  assert.equal(adjustedRandIndex([3], [9]), 1);
  assert.equal(adjustedRandIndex([], []), 1);
});

Deno.test("adjustedRandIndex rejects labellings of different lengths", () => {
  assert.throws(() => adjustedRandIndex([0, 1], [0]), RangeError);
});

Deno.test("downsampleLabelsMode takes the most frequent label of each cell", () => {
  // deno-fmt-ignore
  const pixels = [
    1, 1, 2, 2,
    1, 3, 2, 2,
    4, 4, 5, 6,
    4, 4, 6, 6,
  ];
  assert.deepEqual(downsampleLabelsMode(pixels, 4, 4, 2, 2), new Int32Array([1, 2, 4, 6]));
  // A tie goes to the smaller label.
  assert.deepEqual(downsampleLabelsMode([8, 7, 7, 8], 2, 2, 1, 1), new Int32Array([7]));
});

Deno.test("downsampleLabelsMode handles sizes that do not divide and grids finer than the map", () => {
  // 5x3 -> 2x2: columns [0, 2) and [2, 5), rows [0, 1) and [1, 3).
  // deno-fmt-ignore
  const pixels = [
    1, 1, 2, 2, 2,
    3, 3, 3, 4, 4,
    3, 3, 4, 4, 4,
  ];
  assert.deepEqual(downsampleLabelsMode(pixels, 5, 3, 2, 2), new Int32Array([1, 2, 3, 4]));
  assert.deepEqual(downsampleLabelsMode([1, 2], 2, 1, 4, 1), new Int32Array([1, 1, 2, 2]));
});
