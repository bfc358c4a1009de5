import assert from "node:assert/strict";
import { createFeatureColorizer } from "../../src/islands/feature_colors.ts";
import type { FeatureField } from "../../src/islands/types.ts";
import { fieldFromLabels, gaussian, paintRect, randomDirections, seededRandom } from "./_fields.ts";

const W = 32, H = 32, DIM = 64;

/** Labels: three vertical bands, or (with `quadrants`) four quadrants. */
function regions(quadrants = false): Int32Array {
  const labels = new Int32Array(W * H);
  if (quadrants) {
    paintRect(labels, W, [16, 0, 32, 16], 1);
    paintRect(labels, W, [0, 16, 16, 32], 2);
    paintRect(labels, W, [16, 16, 32, 32], 3);
  } else {
    paintRect(labels, W, [11, 0, 22, 32], 1);
    paintRect(labels, W, [22, 0, 32, 32], 2);
  }
  return labels;
}

/** Mean colour of each label's locations. */
function meanColors(rgb: Uint8Array, labels: Int32Array, count: number): number[][] {
  const sums = Array.from({ length: count }, () => [0, 0, 0, 0]);
  labels.forEach((l, i) => {
    for (let c = 0; c < 3; c++) sums[l][c] += rgb[i * 3 + c];
    sums[l][3]++;
  });
  return sums.map((s) => [s[0] / s[3], s[1] / s[3], s[2] / s[3]]);
}

const distance = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Mean absolute difference per byte. */
function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** `count` orthonormal directions (Gram-Schmidt on random ones). */
function orthonormalDirections(count: number): Float32Array {
  const dirs = randomDirections(count, DIM, seededRandom(7));
  for (let j = 0; j < count; j++) {
    const v = dirs.subarray(j * DIM, (j + 1) * DIM);
    for (let p = 0; p < j; p++) {
      const u = dirs.subarray(p * DIM, (p + 1) * DIM);
      const dot = v.reduce((s, x, d) => s + x * u[d], 0);
      v.forEach((x, d) => v[d] = x - dot * u[d]);
    }
    const norm = Math.hypot(...v);
    v.forEach((x, d) => v[d] = x / norm);
  }
  return dirs;
}

/**
 * Frame `t` of a field made of three orthogonal directions with strengths that change over
 * time: location i carries `strength[j] * pattern_j(i)` of direction j, and the directions
 * turn by `turn` radians per frame towards three other directions, so the principal
 * directions are known at every frame.
 */
function movingField(t: number, strengths: number[], turn: number): FeatureField {
  const dirs = orthonormalDirections(6);
  const normal = gaussian(seededRandom(100 + t));
  const data = new Float32Array(W * H * DIM);
  const c = Math.cos(turn * t), s = Math.sin(turn * t);
  for (let i = 0; i < W * H; i++) {
    const x = i % W, y = Math.floor(i / W);
    // Three spatially uncorrelated patterns (+-1 each).
    const patterns = [x < 16 ? 1 : -1, y < 16 ? 1 : -1, (x >> 3) % 2 === (y >> 3) % 2 ? 1 : -1];
    for (let d = 0; d < DIM; d++) {
      let v = 0.02 * normal();
      for (let j = 0; j < 3; j++) {
        const dir = c * dirs[j * DIM + d] + s * dirs[(j + 3) * DIM + d];
        v += strengths[j] * patterns[j] * dir;
      }
      data[i * DIM + d] = v;
    }
  }
  return { width: W, height: H, dim: DIM, data };
}

Deno.test("feature colours tell regions of distinct feature vectors clearly apart", () => {
  const labels = regions();
  const rgb = createFeatureColorizer()(fieldFromLabels(labels, W, H, { dim: DIM, noise: 0.2 }));
  assert.equal(rgb.length, W * H * 3);
  const means = meanColors(rgb, labels, 3);
  for (let a = 0; a < 3; a++) {
    for (let b = a + 1; b < 3; b++) {
      const d = distance(means[a], means[b]);
      assert.ok(d > 100, `regions ${a} and ${b}: mean colours ${d.toFixed(1)} apart`);
    }
  }
});

Deno.test("feature colours are deterministic and identical for the same field twice", () => {
  const field = fieldFromLabels(regions(true), W, H, { dim: DIM, noise: 0.2 });
  const colorize = createFeatureColorizer();
  const first = colorize(field);
  assert.deepEqual(colorize(field), first);
  assert.deepEqual(createFeatureColorizer()(field), first);
});

Deno.test("feature colours stay steady while the field turns and its components swap order", () => {
  const colorize = createFeatureColorizer();
  // The strongest direction becomes the weakest and vice versa: the eigenvalue order changes
  // (never passing through a tie), and every direction turns a little each frame.
  const schedule = [
    [1, 0.75, 0.5],
    [0.9, 0.75, 0.6],
    [0.8, 0.72, 0.66],
    [0.62, 0.72, 0.81],
    [0.5, 0.75, 1],
  ];
  let previous: Uint8Array | null = null;
  schedule.forEach((strengths, t) => {
    const rgb = colorize(movingField(t, strengths, 0.05));
    if (previous) {
      const change = meanAbsDiff(previous, rgb);
      // Measured: about 1.6 (the noise); without the alignment, the order swap costs 35.
      assert.ok(change < 4, `frame ${t}: colours changed by ${change.toFixed(2)} on average`);
    }
    previous = rgb;
  });
});

Deno.test("feature colours of a constant field are mid-grey", () => {
  const data = new Float32Array(W * H * DIM).fill(0.3);
  const rgb = createFeatureColorizer()({ width: W, height: H, dim: DIM, data });
  assert.ok(rgb.every((v) => v === 128));
});

Deno.test("feature colours leave channels without a component mid-grey when dim < 3", () => {
  for (const dim of [1, 2]) {
    const field = fieldFromLabels(regions(), W, H, { dim, noise: 0.1 });
    const rgb = createFeatureColorizer()(field);
    for (let i = 0; i < W * H; i++) {
      for (let c = dim; c < 3; c++) assert.equal(rgb[i * 3 + c], 128);
    }
    assert.ok(new Set(Array.from({ length: W * H }, (_, i) => rgb[i * 3])).size > 2);
  }
});

Deno.test("feature colours read non-finite values as 0", () => {
  const field = fieldFromLabels(regions(), W, H, { dim: DIM });
  const zeroed = { ...field, data: field.data.slice() };
  zeroed.data[5] = 0;
  zeroed.data[700] = 0;
  field.data[5] = NaN;
  field.data[700] = Infinity;
  assert.deepEqual(createFeatureColorizer()(field), createFeatureColorizer()(zeroed));
});

Deno.test("feature colours reject a field of the wrong length", () => {
  const field = { width: W, height: H, dim: DIM, data: new Float32Array(10) };
  assert.throws(() => createFeatureColorizer()(field), RangeError);
});
