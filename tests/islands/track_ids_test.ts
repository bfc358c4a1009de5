import assert from "node:assert/strict";
import { createIdTracker } from "../../src/islands/track_ids.ts";
import { paintRect, seededRandom } from "./_fields.ts";

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
  // Something appears where the vanished block was: it is a new thing, with a new id. (The
  // block had been seen in one frame only; a track seen in minHits frames is remembered.)
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

// ---------------------------------------------------------------------------------------------
// Motion, occlusion, crossing and background noise: the next five tests failed with the
// overlap-only tracker this one replaced (greedy IoU against the previous frame, no memory).

/** A `width x height` map: `background`, then each `[x0, y0, x1, y1, label]` clipped to the map. */
function scene(
  width: number,
  height: number,
  rects: [number, number, number, number, number][],
  background = 0,
): Int32Array {
  const labels = new Int32Array(width * height).fill(background);
  for (const [x0, y0, x1, y1, label] of rects) {
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) labels[y * width + x] = label;
    }
  }
  return labels;
}

Deno.test("IdTracker keeps the id of a small block that moves further than its width each frame", () => {
  const w = 64, h = 16;
  const tracker = createIdTracker();
  const seen: number[] = [];
  let background = -1;
  for (let f = 0; f < 10; f++) {
    const x = 1 + 6 * f; // a 4x4 block, 6 px a frame: no overlap at all from frame to frame
    const ids = tracker.assign(scene(w, h, [[x, 6, x + 4, 10, 1]]), w, h);
    seen.push(ids[7 * w + x + 1]);
    if (f === 0) background = ids[0];
    assert.equal(ids[0], background, `frame ${f}: background id`);
  }
  assert.deepEqual(seen, seen.map(() => seen[0]), `block ids ${seen}`);
});

Deno.test("IdTracker gives an object its id back after 5 frames missing, not to a fragment", () => {
  const w = 48, h = 16;
  const tracker = createIdTracker();
  let objectId = -1;
  const used = new Set<number>();
  for (let f = 0; f < 17; f++) {
    const x = 2 + f; // a 4x6 block, 1 px a frame, missed by the segmenter in frames 6-10
    const rects: [number, number, number, number, number][] = [];
    if (f < 6 || f > 10) rects.push([x, 5, x + 4, 11, 1]);
    // A 1x2 speck right where the block is predicted to be: far too small to be it.
    if (f === 8) rects.push([x + 1, 7, x + 2, 9, 2]);
    const ids = tracker.assign(scene(w, h, rects), w, h);
    if (f === 0) objectId = ids[7 * w + x + 1];
    if (f === 8) {
      const speck = ids[7 * w + x + 1];
      assert.notEqual(speck, objectId, "the speck took the missing block's id");
      assert.ok(!used.has(speck), `the speck got id ${speck}, used before`);
    }
    if (rects.length > 0 && f !== 8) {
      assert.equal(ids[7 * w + x + 1], objectId, `frame ${f}: the block's id`);
    }
    ids.forEach((id) => used.add(id));
  }
});

Deno.test("IdTracker gives an object its id back as it comes out from behind something", () => {
  const w = 48, h = 16;
  const tracker = createIdTracker();
  let objectId = -1;
  for (let f = 0; f < 36; f++) {
    // A 4x12 block walks right at 1 px a frame behind a post (x 20..25, drawn in front): it
    // shrinks to a sliver, is gone for 3 frames, and comes out a 1-px sliver first.
    const x = 2 + f;
    const ids = tracker.assign(scene(w, h, [[x, 2, x + 4, 14, 1], [20, 0, 26, 16, 2]]), w, h);
    if (f === 0) objectId = ids[5 * w + x];
    const visible = [x, x + 1, x + 2, x + 3].find((px) => px < 20 || px >= 26);
    if (visible !== undefined) {
      assert.equal(ids[5 * w + visible], objectId, `frame ${f}: the block's id at x ${visible}`);
    }
  }
});

Deno.test("IdTracker gives two crossing objects their own ids back after they split", () => {
  // Two blocks cross head-on; while they touch or overlap the segmenter sees one island.
  for (
    const { size, speed, frames } of [
      { size: 4, speed: 2, frames: 16 }, // merged for 3 frames
      { size: 6, speed: 1, frames: 31 }, // merged for 7 frames, fully overlapping in the middle
    ]
  ) {
    for (const [labelA, labelB] of [[1, 2], [2, 1]]) {
      const w = 48, h = 16;
      const tracker = createIdTracker();
      let idA = -1, idB = -1;
      for (let f = 0; f < frames; f++) {
        const xa = 2 + speed * f, xb = w - 2 - size - speed * f;
        const merged = Math.abs(xa - xb) <= size;
        const rects: [number, number, number, number, number][] = [
          [xa, 4, xa + size, 12, labelA],
          [xb, 4, xb + size, 12, merged ? labelA : labelB],
        ];
        const ids = tracker.assign(scene(w, h, rects), w, h);
        const a = ids[8 * w + xa + 1], b = ids[8 * w + xb + 1];
        const what = `size ${size}, speed ${speed}, labels ${labelA}/${labelB}, frame ${f}`;
        if (f === 0) [idA, idB] = [a, b];
        if (merged) {
          assert.ok(a === idA || a === idB, `${what}: the merged island has id ${a}`);
        } else {
          assert.deepEqual([a, b], [idA, idB], what);
        }
      }
    }
  }
});

Deno.test("IdTracker keeps the ids of big background regions through noise, merges and splits", () => {
  const w = 64, h = 48;
  const random = seededRandom(7);
  const jitter = () => Math.floor(random() * 5) - 2; // -2..2 px
  const tracker = createIdTracker();
  // Five regions: the left part cut in two, the right part in three; each frame every border
  // moves by up to 2 px, three specks appear, and the segmenter numbers the islands anew.
  const cores: [number, number, number, number][] = [
    [3, 3, 27, 17], // 0: top left
    [3, 23, 27, 45], // 1: bottom left
    [33, 3, 61, 11], // 2: top right
    [33, 17, 61, 29], // 3: middle right
    [33, 35, 61, 45], // 4: bottom right
  ];
  let first: number[] = [];
  for (let f = 0; f < 40; f++) {
    const xSplit = 30 + jitter(), yLeft = 20 + jitter(), yRight1 = 14 + jitter();
    const yRight2 = 32 + jitter();
    const region = new Int32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        region[y * w + x] = x < xSplit
          ? (y < yLeft ? 0 : 1)
          : y < yRight1
          ? 2
          : y < yRight2
          ? 3
          : 4;
      }
    }
    // Frames 10-12: regions 0 and 1 come out as one island. Frames 20-22: region 3 is cut in
    // two (a third and two thirds).
    const labels = new Int32Array(w * h);
    // A Fisher-Yates shuffle (sort with a random comparator is not reproducible in V8).
    const perm = [0, 1, 2, 3, 4, 5];
    for (let k = perm.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [perm[k], perm[j]] = [perm[j], perm[k]];
    }
    for (let i = 0; i < w * h; i++) {
      let r = region[i];
      if (f >= 10 && f <= 12 && r === 1) r = 0;
      if (f >= 20 && f <= 22 && r === 3 && i % w < 42) r = 5;
      labels[i] = perm[r];
    }
    for (let k = 0; k < 3; k++) {
      const x = Math.floor(random() * (w - 3)), y = Math.floor(random() * (h - 3));
      const s = 2 + Math.floor(random() * 2);
      paintRect(labels, w, [x, y, x + s, y + s], 6 + k);
    }
    const ids = tracker.assign(labels, w, h);
    const dominant = cores.map(([x0, y0, x1, y1]) => {
      const counts = new Map<number, number>();
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) {
          counts.set(ids[y * w + x], (counts.get(ids[y * w + x]) ?? 0) + 1);
        }
      }
      return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    });
    if (f === 0) first = dominant;
    assert.equal(new Set(first).size, 5);
    for (let r = 0; r < 5; r++) {
      if (r < 2 && f >= 10 && f <= 12) {
        // One island then, with the id of one of the two (the one it overlaps best).
        assert.equal(dominant[0], dominant[1], `frame ${f}: regions 0 and 1 merged`);
        assert.ok(dominant[r] === first[0] || dominant[r] === first[1], `frame ${f}, merged`);
        continue;
      }
      assert.equal(dominant[r], first[r], `frame ${f}, region ${r}`);
    }
  }
});

Deno.test("IdTracker is deterministic and never gives one id to two islands of a frame", () => {
  const w = 40, h = 30;
  const run = () => {
    const random = seededRandom(3);
    const tracker = createIdTracker();
    const out: Int32Array[] = [];
    const boxes = Array.from({ length: 6 }, () => ({
      x: random() * 30,
      y: random() * 20,
      vx: random() * 4 - 2,
      vy: random() * 4 - 2,
    }));
    for (let f = 0; f < 60; f++) {
      const rects: [number, number, number, number, number][] = [];
      boxes.forEach((b, k) => {
        b.x = (b.x + b.vx + 40) % 40;
        b.y = (b.y + b.vy + 30) % 30;
        if (random() < 0.85) {
          const x = Math.floor(b.x), y = Math.floor(b.y);
          rects.push([x, y, x + 4, y + 6, k + 1]);
        }
      });
      const labels = scene(w, h, rects);
      const ids = tracker.assign(labels, w, h);
      const idOfLabel = new Map<number, number>();
      const labelOfId = new Map<number, number>();
      for (let i = 0; i < w * h; i++) {
        assert.equal(idOfLabel.get(labels[i]) ?? ids[i], ids[i], "one label, one id");
        assert.equal(labelOfId.get(ids[i]) ?? labels[i], labels[i], `frame ${f}: id shared`);
        idOfLabel.set(labels[i], ids[i]);
        labelOfId.set(ids[i], labels[i]);
      }
      out.push(ids);
    }
    return out;
  };
  assert.deepEqual(run(), run());
});

Deno.test("IdTracker rejects options out of range", () => {
  assert.throws(() => createIdTracker({ velocitySmoothing: 0 }), RangeError);
  assert.throws(() => createIdTracker({ maxMissedFrames: -1 }), RangeError);
  assert.throws(() => createIdTracker({ minHits: 0 }), RangeError);
  assert.throws(() => createIdTracker({ maxAreaRatio: 0.5 }), RangeError);
  assert.throws(() => createIdTracker({ minIoU: 0 }), RangeError);
});
