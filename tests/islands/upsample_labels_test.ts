import assert from "node:assert/strict";
import { nearestUpsampleLabels, upsampleLabels } from "../../src/islands/upsample_labels.ts";

const GRID = 32, GUIDE = 224, OUT = 640;
const CELL = GUIDE / GRID; // 7 guide pixels per cell

/**
 * True label at a guide position: a vertical edge at 0.37 of a cell, a horizontal edge at 0.63
 * of a cell, and a disk, so edges fall at sub-cell positions of every kind.
 */
function truthAt(x: number, y: number): number {
  if (y >= (21 + 0.63) * CELL) return 3;
  if ((x - 150) ** 2 + (y - 80) ** 2 < 40 ** 2) return 2;
  return x < (10 + 0.37) * CELL ? 1 : 0;
}
const COLORS = [[30, 120, 40], [200, 50, 50], [240, 220, 60], [40, 60, 200]];

/** The scene: per-pixel truth, guide colours (with a little deterministic noise) and grid labels
 * from each cell's majority. */
function scene() {
  const truth = new Int32Array(GUIDE * GUIDE);
  const guide = new Uint8Array(GUIDE * GUIDE * 3);
  let seed = 1;
  for (let y = 0; y < GUIDE; y++) {
    for (let x = 0; x < GUIDE; x++) {
      const t = truthAt(x + 0.5, y + 0.5), p = y * GUIDE + x;
      truth[p] = t;
      for (let c = 0; c < 3; c++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        guide[p * 3 + c] = COLORS[t][c] + Math.round((seed / 2 ** 32 - 0.5) * 16);
      }
    }
  }
  const grid = new Int32Array(GRID * GRID);
  for (let cy = 0; cy < GRID; cy++) {
    for (let cx = 0; cx < GRID; cx++) {
      const votes = [0, 0, 0, 0];
      for (let y = 0; y < CELL; y++) {
        for (let x = 0; x < CELL; x++) votes[truth[(cy * CELL + y) * GUIDE + cx * CELL + x]]++;
      }
      grid[cy * GRID + cx] = votes.indexOf(Math.max(...votes));
    }
  }
  return { truth, guide, grid };
}

/** Fraction of output pixels whose label is the truth of the guide pixel under them. */
function accuracy(labels: Int32Array, truth: Int32Array): number {
  let right = 0;
  for (let y = 0; y < OUT; y++) {
    const gy = Math.floor(((y + 0.5) * GUIDE) / OUT);
    for (let x = 0; x < OUT; x++) {
      const gx = Math.floor(((x + 0.5) * GUIDE) / OUT);
      if (labels[y * OUT + x] === truth[gy * GUIDE + gx]) right++;
    }
  }
  return right / (OUT * OUT);
}

Deno.test("upsampleLabels snaps boundaries to sub-cell colour edges", () => {
  const { truth, guide, grid } = scene();
  const edgeAware = accuracy(
    upsampleLabels(grid, GRID, GRID, guide, GUIDE, GUIDE, OUT, OUT),
    truth,
  );
  const nearest = accuracy(nearestUpsampleLabels(grid, GRID, GRID, OUT, OUT), truth);
  // Measured: edge-aware 0.99999, nearest 0.969.
  assert.ok(edgeAware > 0.995, `edge-aware accuracy ${edgeAware}`);
  assert.ok(edgeAware - nearest > 0.025, `edge-aware ${edgeAware} vs nearest ${nearest}`);
});

Deno.test("upsampleLabels keeps a uniform label map uniform", () => {
  const { guide } = scene();
  const out = upsampleLabels(
    new Int32Array(GRID * GRID).fill(7),
    GRID,
    GRID,
    guide,
    GUIDE,
    GUIDE,
    OUT,
    OUT,
  );
  assert.ok(out.every((l) => l === 7));
});

Deno.test("upsampleLabels is nearest-neighbour upsampling where the guide is flat", () => {
  const { grid } = scene();
  const flat = new Uint8Array(GUIDE * GUIDE * 3).fill(90);
  assert.deepEqual(
    upsampleLabels(grid, GRID, GRID, flat, GUIDE, GUIDE, OUT, OUT),
    nearestUpsampleLabels(grid, GRID, GRID, OUT, OUT),
  );
});

Deno.test("upsampleLabels rejects mismatched sizes", () => {
  const labels = new Int32Array(GRID * GRID);
  const guide = new Uint8Array(GUIDE * GUIDE * 3);
  assert.throws(() => upsampleLabels(labels, GRID, 31, guide, GUIDE, GUIDE, OUT, OUT), RangeError);
  assert.throws(() => upsampleLabels(labels, GRID, GRID, guide, GUIDE, 100, OUT, OUT), RangeError);
  assert.throws(() => nearestUpsampleLabels(labels, GRID, GRID, 0, OUT), RangeError);
});
