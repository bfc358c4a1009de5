import assert from "node:assert/strict";
import { defaultMinArea, segmentField } from "../../src/islands/segment_field.ts";
import { adjustedRandIndex } from "../../src/islands/adjusted_rand_index.ts";
import type { FeatureField } from "../../src/islands/types.ts";
import {
  countLabels,
  fieldFromLabels,
  gradientField,
  meanNeighbourDistance,
  paintRect,
  plantedBlocks,
} from "./_fields.ts";

Deno.test("segmentField recovers planted blocks at low and moderate noise with the same default options", () => {
  for (const [size, blocks] of [[32, 4], [64, 8]]) {
    // Noise norm 0.2 and 1.0 times the signal: neighbour distances inside a block are ~0.02
    // in the first and ~0.5 in the second.
    for (const noise of [0.2, 1]) {
      for (const seed of [1, 2]) {
        const { field, truth } = plantedBlocks({
          width: size,
          height: size,
          dim: 192,
          blocks,
          noise,
          seed,
        });
        const ari = adjustedRandIndex(truth, segmentField(field));
        assert.ok(ari > 0.9, `${size}x${size}, ${blocks}^2 blocks, noise ${noise}: ARI ${ari}`);
      }
    }
  }
});

Deno.test("segmentField adapts its threshold: a washed-out field whose boundaries are weaker than a noisy field's interior is recovered too", () => {
  const noisy = plantedBlocks({ width: 32, height: 32, dim: 192, blocks: 4, noise: 1, seed: 3 });
  const washed = plantedBlocks({
    width: 32,
    height: 32,
    dim: 192,
    blocks: 4,
    noise: 0.2,
    seed: 3,
    common: 20,
  });
  const acrossWashed = meanNeighbourDistance(
    washed.field,
    (i, j) => washed.truth[i] !== washed.truth[j],
  );
  const insideNoisy = meanNeighbourDistance(
    noisy.field,
    (i, j) => noisy.truth[i] === noisy.truth[j],
  );
  // No fixed cut-off could both keep the washed-out boundaries and join the noisy interiors.
  assert.ok(acrossWashed * 10 < insideNoisy, `${acrossWashed} vs ${insideNoisy}`);
  for (const { field, truth } of [noisy, washed]) {
    const ari = adjustedRandIndex(truth, segmentField(field));
    assert.ok(ari > 0.9, `ARI ${ari}`);
  }
});

Deno.test("segmentField does not shatter a smooth gradient field without boundaries", () => {
  const cases: [number, number, Parameters<typeof gradientField>[2]][] = [
    [32, 32, { noise: 0 }],
    [32, 32, { noise: 0.05 }],
    [64, 64, { noise: 0.1, wy: 1 }],
    // Noiseless and one-directional: half the edges are exactly 0, the rest all equal.
    [48, 32, { noise: 0, wx: 0, wy: 1 }],
    [48, 32, { noise: 0, wx: 1, wy: 0 }],
  ];
  for (const [width, height, options] of cases) {
    const islands = countLabels(segmentField(gradientField(width, height, options)));
    assert.ok(islands <= 2, `${width}x${height} ${JSON.stringify(options)}: ${islands} islands`);
  }
});

Deno.test("segmentField gives one island for a constant field", () => {
  const dim = 16;
  const constant = new Float32Array(32 * 32 * dim);
  for (let i = 0; i < constant.length; i++) constant[i] = (i % dim) - 3.5;
  const labels = segmentField({ width: 32, height: 32, dim, data: constant });
  assert.deepEqual(new Set(labels), new Set([0]));
  const zeros = segmentField({ width: 8, height: 8, dim, data: new Float32Array(64 * dim) });
  assert.deepEqual(new Set(zeros), new Set([0]));
});

/** 16x16 field: columns 0..5 along e0, 6..15 along e1, a 2-cell patch straddling the border. */
function straddlingPatch(patch: number[]): FeatureField {
  const width = 16, height = 16, dim = 4;
  const data = new Float32Array(width * height * dim);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * dim;
      if (y === 7 && (x === 5 || x === 6)) data.set(patch, o);
      else data[o + (x < 6 ? 0 : 1)] = 1;
    }
  }
  return { width, height, dim, data };
}

Deno.test("segmentField merges a tiny island into its most similar neighbour, not the larger one", () => {
  const at = (x: number, y: number) => y * 16 + x;
  // cos 0.8 with the smaller left region, 0 with the larger right one.
  const nearLeft = straddlingPatch([0.8, 0, 0.6, 0]);
  assert.equal(countLabels(segmentField(nearLeft, { minArea: 1 })), 3, "the patch is an island");
  const labels = segmentField(nearLeft);
  assert.equal(countLabels(labels), 2);
  assert.equal(labels[at(5, 7)], labels[at(0, 0)]);
  assert.equal(labels[at(6, 7)], labels[at(0, 0)]);

  const nearRight = segmentField(straddlingPatch([0, 0.8, 0.6, 0]));
  assert.equal(countLabels(nearRight), 2);
  assert.equal(nearRight[at(5, 7)], nearRight[at(15, 15)]);
  assert.equal(nearRight[at(6, 7)], nearRight[at(15, 15)]);
});

Deno.test("segmentField leaves no island below minArea and keeps one at minArea", () => {
  const width = 32, height = 32;
  const truth = paintRect(new Int32Array(width * height), width, [20, 10, 22, 12], 1);
  paintRect(truth, width, [0, 0, 1, 1], 2); // a single stray cell
  const field = fieldFromLabels(truth, width, height, { dim: 64, noise: 0.2, seed: 4 });
  const labels = segmentField(field);
  const areas = new Map<number, number>();
  for (const l of labels) areas.set(l, (areas.get(l) ?? 0) + 1);
  assert.equal(defaultMinArea(width * height), 4);
  for (const area of areas.values()) assert.ok(area >= 4, `island of ${area} cells`);
  // The 2x2 object is exactly minArea and survives as its own island; the stray cell does not.
  assert.equal(areas.size, 2);
  assert.equal(areas.get(labels[10 * width + 20]), 4);
});

Deno.test("segmentField treats NaN and Infinity as disagreement without crashing", () => {
  const { field, truth } = plantedBlocks({
    width: 32,
    height: 32,
    dim: 64,
    blocks: 2,
    noise: 0.2,
    seed: 5,
  });
  const broken = [5 * 32 + 5, 7 * 32 + 20, 20 * 32 + 9, 20 * 32 + 10, 21 * 32 + 9, 21 * 32 + 10];
  broken.forEach((i, k) => field.data[i * 64 + 3] = k % 2 === 0 ? NaN : Infinity);
  const labels = segmentField(field);
  assert.equal(labels.length, 32 * 32);
  const count = countLabels(labels);
  for (const l of labels) assert.ok(l >= 0 && l < count);
  const valid = [...truth.keys()].filter((i) => !broken.includes(i));
  const ari = adjustedRandIndex(valid.map((i) => truth[i]), valid.map((i) => labels[i]));
  assert.ok(ari > 0.9, `ARI on valid cells ${ari}`);
  // Each broken cell joined a neighbouring island.
  for (const i of broken) {
    const around = [i - 1, i + 1, i - 32, i + 32].filter((j) => j >= 0 && j < 1024);
    assert.ok(around.some((j) => labels[j] === labels[i]), `cell ${i} is an island of its own`);
  }

  const allNaN = segmentField({
    width: 8,
    height: 8,
    dim: 4,
    data: new Float32Array(256).fill(NaN),
  });
  assert.equal(allNaN.length, 64);
  for (const l of allNaN) assert.ok(Number.isInteger(l) && l >= 0);
});

Deno.test("segmentField numbers islands 0..K-1 in raster order of first appearance", () => {
  const width = 16, height = 16;
  const truth = paintRect(new Int32Array(width * height).fill(2), width, [8, 0, 16, 16], 0);
  paintRect(truth, width, [0, 8, 8, 16], 1);
  const labels = segmentField(fieldFromLabels(truth, width, height, { seed: 6 }));
  assert.equal(labels[0], 0);
  assert.equal(labels[8], 1);
  assert.equal(labels[8 * width], 2);
});

Deno.test("segmentField rejects data whose length does not match the sizes, and bad options", () => {
  assert.throws(
    () => segmentField({ width: 4, height: 4, dim: 3, data: new Float32Array(47) }),
    RangeError,
  );
  // Top half along x, bottom half along y: two islands of 8.
  const data = new Float32Array(48);
  for (let i = 0; i < 16; i++) data[i * 3 + (i < 8 ? 0 : 1)] = 1;
  const field = { width: 4, height: 4, dim: 3, data };
  assert.throws(() => segmentField(field, { quantile: 1.5 }), RangeError);
  assert.throws(() => segmentField(field, { borderScale: NaN }), RangeError);
  assert.equal(countLabels(segmentField(field)), 2);
  // A fractional or oversized minArea is fine: "below 8.5" swallows both halves into one.
  assert.deepEqual(new Set(segmentField(field, { minArea: 8.5 })), new Set([0]));
});
