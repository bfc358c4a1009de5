import assert from "node:assert/strict";
import { joinParts } from "../../src/islands/join_parts.ts";
import type { SplitState } from "../../src/islands/split_merged.ts";

const W = 30, H = 30;

/** Rectangles `[x0, y0, x1, y1]` (inclusive) drawn as labels 1.. in order. */
function rects(...boxes: [number, number, number, number][]): Int32Array {
  const labels = new Int32Array(W * H);
  boxes.forEach(([x0, y0, x1, y1], k) => {
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) labels[y * W + x] = k + 1;
  });
  return labels;
}

/** A split state for `count` parts with these ages and velocities. */
function state(parts: Int32Array, ages: number[], velocities: [number, number][]): SplitState {
  return {
    labels: parts,
    ages: [0, ...ages],
    centroids: [[0, 0], ...velocities.map((): [number, number] => [0, 0])],
    velocities: [[0, 0], ...velocities],
  };
}

// A person 8 px wide: torso rows 4-12, a band cut out at rows 13-14, legs rows 15-26.
const TORSO: [number, number, number, number] = [10, 4, 17, 12];
const LEGS: [number, number, number, number] = [10, 15, 17, 26];
const WHOLE = rects([10, 4, 17, 26]); // the region before the shadow test

Deno.test("torso and legs that move together become one island, the band between them too", () => {
  const parts = rects(TORSO, LEGS);
  const out = joinParts(parts, 2, WHOLE, W, H, state(parts, [5, 5], [[1, 0], [1.2, 0]]), null);
  assert.equal(out.count, 1);
  assert.deepEqual(out.parts, [0, 2]);
  assert.equal(out.labels[13 * W + 12], 1, "the band is filled");
  assert.equal(out.labels[13 * W + 9], 0, "nothing outside the parts' columns");
});

Deno.test("parts that move differently stay apart: one stands while another walks past", () => {
  const parts = rects(TORSO, LEGS);
  const out = joinParts(parts, 2, WHOLE, W, H, state(parts, [5, 5], [[0, 0], [1, 0]]), null);
  assert.equal(out.count, 2);
  assert.equal(out.labels[13 * W + 12], 0);
});

Deno.test("parts side by side, or of different regions, or not yet seen moving stay apart", () => {
  const side = rects([2, 4, 8, 20], [12, 4, 18, 20]);
  const region = rects([2, 4, 18, 20]);
  const moving = state(side, [5, 5], [[1, 0], [1, 0]]);
  assert.equal(joinParts(side, 2, region, W, H, moving, null).count, 2, "side by side");
  const parts = rects(TORSO, LEGS);
  const two = rects([10, 4, 17, 13], [10, 14, 17, 26]);
  const together = state(parts, [5, 5], [[1, 0], [1, 0]]);
  assert.equal(joinParts(parts, 2, two, W, H, together, null).count, 2, "two regions");
  const young = state(parts, [1, 5], [[1, 0], [1, 0]]);
  assert.equal(joinParts(parts, 2, WHOLE, W, H, young, null).count, 2, "seen once");
  const still = state(parts, [5, 5], [[0, 0], [0, 0]]);
  assert.equal(joinParts(parts, 2, WHOLE, W, H, still, null).count, 2, "standing");
});

Deno.test("a joined thing that stops stays one island", () => {
  const parts = rects(TORSO, LEGS);
  const walking = joinParts(parts, 2, WHOLE, W, H, state(parts, [5, 5], [[1, 0], [1, 0]]), null);
  const stopped = joinParts(parts, 2, WHOLE, W, H, state(parts, [6, 6], [[0, 0], [0, 0]]), walking);
  assert.equal(stopped.count, 1);
  assert.equal(stopped.labels[13 * W + 12], 1);
});

Deno.test("a gap over half the shorter part's height is not a band across one thing", () => {
  const parts = rects([10, 2, 17, 7], [10, 14, 17, 26]); // 6 px tall, 6 px gap
  const region = rects([10, 2, 17, 26]);
  const out = joinParts(parts, 2, region, W, H, state(parts, [5, 5], [[1, 0], [1, 0]]), null);
  assert.equal(out.count, 2);
});

Deno.test("joinParts rejects maps of the wrong size", () => {
  const parts = rects(TORSO);
  assert.throws(
    () => joinParts(parts, 1, new Int32Array(5), W, H, state(parts, [1], [[0, 0]]), null),
    RangeError,
  );
});
