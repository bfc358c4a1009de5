/** Islands from features joined with the frame's colour. */
import assert from "node:assert/strict";
import { joinColor } from "../../src/islands/color_field.ts";
import { segmentField } from "../../src/islands/segment_field.ts";
import { cosine } from "./_fields.ts";

const cosDist = (a: Float32Array, b: Float32Array) => 1 - cosine(a, b);

Deno.test("joinColor: the joined distance is (1 - w) * feature distance + w * colour distance", () => {
  const data = new Float32Array([1, 0, 0.6, 0.8]);
  const colors = Float32Array.from([10, 200, 30, 120, 40, 220], (v) => v / 255);
  const field = { width: 2, height: 1, dim: 2, data };
  const parts = (w: number) => {
    const j = joinColor(field, colors, w).data;
    return cosDist(j.subarray(0, 6), j.subarray(6, 12));
  };
  const dFeature = 1 - 0.6;
  const dColor = parts(1);
  assert.ok(Math.abs(parts(0) - dFeature) < 1e-6);
  for (const w of [0.3, 0.7]) {
    assert.ok(Math.abs(parts(w) - ((1 - w) * dFeature + w * dColor)) < 1e-5, `w ${w}`);
  }
  assert.throws(() => joinColor(field, colors, 1.2), /colour weight must lie in \[0, 1\]/);
});

Deno.test("joinColor: colour splits what the features cannot, and washed-out colour counts less", () => {
  // 16x8 field with one feature direction everywhere; the frame's left and right halves differ
  // in colour.
  const w = 16, h = 8;
  const data = new Float32Array(w * h * 2).map((_, i) => i % 2 === 0 ? 1 : 0.01 * ((i * 7) % 3));
  // The frame's colour in each cell, one cell per field location.
  const frame = (a: number, b: number) => {
    const colors = new Float32Array(w * h * 3);
    for (let i = 0; i < w * h; i++) colors.fill((i % w < w / 2 ? a : b) / 255, i * 3, i * 3 + 3);
    return colors;
  };
  const field = { width: w, height: h, dim: 2, data };
  const islands = (colors: Float32Array, weight: number) =>
    new Set(segmentField(joinColor(field, colors, weight), { minArea: 1 })).size;
  assert.equal(islands(frame(40, 200), 0), 1, "features alone: one island");
  assert.equal(islands(frame(40, 200), 0.7), 2, "with colour: the two halves");
  // The same edge at a twentieth of the contrast (haze) against feature noise of the same order:
  // in absolute colour units it is small, so it no longer dominates the distance.
  const clear = joinColor(field, frame(40, 200), 0.7).data;
  const hazy = joinColor(field, frame(116, 124), 0.7).data;
  const edge = (j: Float32Array) => cosDist(j.subarray(7 * 6, 8 * 6), j.subarray(8 * 6, 9 * 6));
  assert.ok(edge(hazy) < edge(clear) / 100, `hazy ${edge(hazy)} clear ${edge(clear)}`);
});
