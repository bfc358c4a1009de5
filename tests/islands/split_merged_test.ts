import assert from "node:assert/strict";
import { splitMerged, type SplitState } from "../../src/islands/split_merged.ts";

const W = 40, H = 12;

/** Labels of boxes `[x0, x1]` (full height 2..9) numbered 1.. in order. */
function boxes(...spans: [number, number][]): Int32Array {
  const labels = new Int32Array(W * H);
  spans.forEach(([x0, x1], k) => {
    for (let y = 2; y <= 9; y++) for (let x = x0; x <= x1; x++) labels[y * W + x] = k + 1;
  });
  return labels;
}

/** Feeds frames of separate boxes, then returns the state. */
function track(frames: [number, number][][]): SplitState | null {
  let state: SplitState | null = null;
  for (const spans of frames) state = splitMerged(boxes(...spans), spans.length, W, H, state).state;
  return state;
}

Deno.test("two things that walk into each other stay two, each keeping its side", () => {
  // Left one walks right, right one walks left, 1 px a frame, for 8 frames; then they touch.
  const frames: [number, number][][] = [];
  for (let t = 0; t < 8; t++) frames.push([[2 + t, 7 + t], [30 - t, 35 - t]]);
  const state = track(frames);
  const touching = boxes([10, 27]);
  const { labels, count } = splitMerged(touching, 1, W, H, state);
  assert.equal(count, 2);
  assert.notEqual(labels[5 * W + 11], labels[5 * W + 26]);
  assert.equal(labels[5 * W + 11], labels[5 * W + 14], "the left part goes to the left one");
});

Deno.test("parts of one thing that move together join when they touch", () => {
  // Head and body apart by a gap, moving together: one region when the gap closes.
  const frames: [number, number][][] = [];
  for (let t = 0; t < 8; t++) frames.push([[2 + t, 7 + t], [9 + t, 14 + t]]);
  const state = track(frames);
  assert.equal(splitMerged(boxes([10, 22]), 1, W, H, state).count, 1);
});

Deno.test("something new that is one region from the start is not split", () => {
  const state = track([[[2, 7], [30, 35]]]); // seen apart for one frame only
  assert.equal(splitMerged(boxes([3, 34]), 1, W, H, state).count, 1);
});
