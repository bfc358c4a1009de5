import assert from "node:assert/strict";
import { createIdTracker } from "../../src/islands/track_ids.ts";
import { paintRect } from "./_fields.ts";

const W = 16, H = 16;
type Rect = [number, number, number, number];

/** Label map: background 0 (or `background`), then each rectangle gets label 1, 2, ... */
function frame(rects: Rect[], labelsFor: number[] = rects.map((_, k) => k + 1), background = 0) {
  const labels = new Int32Array(W * H).fill(background);
  rects.forEach((r, k) => paintRect(labels, W, r, labelsFor[k]));
  return labels;
}
const idAt = (ids: Int32Array, x: number, y: number) => ids[y * W + x];

Deno.test("IdTracker keeps the id of a block that moves by one cell", () => {
  const tracker = createIdTracker();
  const first = tracker.assign(frame([[4, 4, 12, 12]]), W, H);
  // Moved right by one, and the segmenter happened to number it 0 and the background 1.
  const second = tracker.assign(frame([[5, 4, 13, 12]], [0], 1), W, H);
  assert.equal(idAt(second, 5, 4), idAt(first, 4, 4));
  assert.equal(idAt(second, 0, 0), idAt(first, 0, 0));
  assert.notEqual(idAt(second, 5, 4), idAt(second, 0, 0));
});

Deno.test("IdTracker gives a block that appears a fresh id", () => {
  const tracker = createIdTracker();
  const first = tracker.assign(frame([[4, 4, 12, 12]]), W, H);
  const second = tracker.assign(frame([[0, 12, 4, 16], [4, 4, 12, 12]]), W, H);
  const newId = idAt(second, 0, 12);
  assert.ok(!new Set(first).has(newId), `id ${newId} was already in use`);
  assert.equal(idAt(second, 4, 4), idAt(first, 4, 4));
  assert.equal(idAt(second, 15, 0), idAt(first, 15, 0));
});

Deno.test("IdTracker never reuses the id of a vanished island", () => {
  const tracker = createIdTracker();
  const seen = new Set<number>();
  const first = tracker.assign(frame([[1, 1, 5, 5], [10, 10, 14, 14]]), W, H);
  first.forEach((id) => seen.add(id));
  const gone = idAt(first, 10, 10);
  const second = tracker.assign(frame([[1, 1, 5, 5]]), W, H);
  assert.ok(!new Set(second).has(gone));
  second.forEach((id) => seen.add(id));
  // Something appears where the vanished block was: it is a new thing, with a new id.
  const third = tracker.assign(frame([[1, 1, 5, 5], [10, 10, 14, 14]]), W, H);
  const back = idAt(third, 10, 10);
  assert.notEqual(back, gone);
  assert.ok(!seen.has(back), `id ${back} was used before`);
  assert.equal(idAt(third, 1, 1), idAt(first, 1, 1));
});

Deno.test("IdTracker keeps the old id on the larger part of a split", () => {
  const tracker = createIdTracker();
  const first = tracker.assign(frame([[4, 4, 12, 12]]), W, H);
  const second = tracker.assign(frame([[4, 4, 12, 7], [4, 7, 12, 12]]), W, H);
  assert.equal(idAt(second, 4, 7), idAt(first, 4, 4), "the 8x5 part keeps the id");
  assert.ok(!new Set(first).has(idAt(second, 4, 4)), "the 8x3 part gets a fresh id");
});

Deno.test("IdTracker keeps the id of the larger previous island on a merge", () => {
  const tracker = createIdTracker();
  const first = tracker.assign(frame([[4, 4, 12, 7], [4, 7, 12, 12]]), W, H);
  const larger = idAt(first, 4, 7);
  const second = tracker.assign(frame([[4, 4, 12, 12]]), W, H);
  assert.equal(idAt(second, 4, 4), larger);
  assert.equal(idAt(second, 4, 11), larger);
});

Deno.test("IdTracker gives fresh ids after reset or a change of grid size", () => {
  const tracker = createIdTracker();
  const first = tracker.assign(frame([[4, 4, 12, 12]]), W, H);
  tracker.reset();
  const afterReset = tracker.assign(frame([[4, 4, 12, 12]]), W, H);
  assert.ok(afterReset.every((id) => !new Set(first).has(id)));
  const resized = tracker.assign(new Int32Array(8 * 8), 8, 8);
  assert.ok(resized.every((id) => !new Set(afterReset).has(id)));
});

Deno.test("IdTracker rejects labels that do not fit the grid", () => {
  const tracker = createIdTracker();
  assert.throws(() => tracker.assign(new Int32Array(10), 4, 4), RangeError);
  assert.throws(() => tracker.assign(new Int32Array([0, -1, 0, 0]), 2, 2), RangeError);
});
