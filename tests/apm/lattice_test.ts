/**
 * Querying the field on a lattice finer than the training grid: the positional code is
 * continuous, so the trained MLP answers between its training locations.
 */
import assert from "node:assert/strict";
import {
  type ApmConfig,
  DEFAULT_APM_CONFIG,
  gridSize,
  latticeSize,
  minIslandArea,
  validateApmConfig,
} from "../../src/apm/apm_config.ts";
import { createEngine } from "../../src/apm/engine.ts";
import { cosine } from "../islands/_fields.ts";
import { SMALL_APM } from "./_small_apm.ts";
import { gridPoints, latticeCells, latticePoints } from "../../src/apm/positional_code.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";

const sanitize = { sanitizeResources: false, sanitizeOps: false };

// More steps than the shared tiny APM, so one frame shapes the field.
const SMALL: ApmConfig = { ...SMALL_APM, stepsPerFrame: 20, locationsPerStep: 64 };

Deno.test("lattice points: the grid's own size gives the grid centres; 2x puts 2x2 queries per cell", () => {
  assert.deepEqual(latticePoints(8, 8, 8, 8), gridPoints(8, 8));
  assert.deepEqual(latticePoints(5, 3, 5, 3), gridPoints(5, 3));
  const pts = latticePoints(4, 4, 2, 2);
  // Cell 0 spans [-0.5, 0.5]: its queries sit at -0.25 and 0.25, symmetric about its centre.
  assert.deepEqual(Array.from(pts.slice(0, 8)), [
    -0.25,
    -0.25,
    0.25,
    -0.25,
    0.75,
    -0.25,
    1.25,
    -0.25,
  ]);
  assert.deepEqual(
    Array.from(latticeCells(4, 4, 2, 2)),
    [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3],
  );
  // A wide grid (3 x 2) under a lattice twice as fine (6 x 4): each cell gets its own 2 x 2.
  const wide = latticePoints(6, 4, 3, 2);
  assert.deepEqual(Array.from(wide.slice(0, 4)), [-0.25, -0.25, 0.25, -0.25]);
  assert.deepEqual(Array.from(wide.slice(-2)), [2.25, 1.25], "the last query, bottom right");
  assert.deepEqual(
    Array.from(latticeCells(6, 4, 3, 2)),
    [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 3, 3, 4, 4, 5, 5],
  );
});

Deno.test("the grid takes the frame's aspect with about grid^2 cells; the lattice follows the grid", () => {
  const c = DEFAULT_APM_CONFIG;
  const size = (width: number, height: number) => gridSize(c, { width, height });
  assert.deepEqual(gridSize(c), { width: 32, height: 32 }, "no frame: square");
  assert.deepEqual(size(224, 224), { width: 32, height: 32 });
  assert.deepEqual(size(640, 480), { width: 37, height: 28 });
  assert.deepEqual(size(640, 360), { width: 43, height: 24 });
  assert.deepEqual(size(360, 640), { width: 24, height: 43 });
  assert.deepEqual(size(1920, 1080), size(640, 360), "only the aspect counts");
  assert.deepEqual(size(10_000, 1), { width: 3200, height: 1 }, "never fewer than 1 cell");

  const lattice = (l: number, width: number, height: number) =>
    latticeSize({ ...c, lattice: l }, { width, height });
  assert.deepEqual(lattice(0, 43, 24), { width: 43, height: 24 }, "0: the grid");
  assert.deepEqual(lattice(64, 43, 24), { width: 64, height: 36 }, "long side 64, 16:9");
  assert.deepEqual(lattice(64, 24, 43), { width: 36, height: 64 }, "portrait");
  assert.deepEqual(lattice(64, 32, 32), { width: 64, height: 64 }, "square as before");
  assert.deepEqual(lattice(40, 43, 24), { width: 43, height: 24 }, "never coarser than the grid");
});

Deno.test("lattice option: 0 or from the grid to 256, else a clear error", () => {
  validateApmConfig({ ...SMALL, lattice: 0 });
  validateApmConfig({ ...SMALL, lattice: 8 });
  validateApmConfig({ ...SMALL, lattice: 256 });
  for (const lattice of [4, 257, 12.5, -1]) {
    assert.throws(() => validateApmConfig({ ...SMALL, lattice }), /lattice must be 0 \(the grid\)/);
  }
  assert.throws(() => validateApmConfig({ ...SMALL, colorWeight: 1.5 }), /colorWeight/);
  assert.throws(() => validateApmConfig({ ...SMALL, minIsland: 0.6 }), /minIsland/);
  // The smallest island is a share of the frame, so it covers the same area on any lattice.
  assert.equal(minIslandArea(DEFAULT_APM_CONFIG, 32, 32), 2);
  assert.equal(minIslandArea(DEFAULT_APM_CONFIG, 64, 64), 8);
  assert.equal(minIslandArea({ ...DEFAULT_APM_CONFIG, minIsland: 0 }, 32, 32), 1);
});

Deno.test(
  "a lattice twice the grid answers 4x the queries, and agrees with the grid's field",
  sanitize,
  async () => {
    const frame = renderSyntheticFrame({ width: 32, height: 32, seed: 3 }, 0).data;
    const grid = await createEngine({ apm: SMALL, backend: "wasm" });
    const fine = await createEngine({ apm: { ...SMALL, lattice: 16 }, backend: "wasm" });
    try {
      assert.deepEqual(fine.info.lattice, { width: 16, height: 16 });
      // Same seed and the first frame (uniform sampling): both nets train identically.
      const g = await grid.process({ width: 32, height: 32, data: frame });
      const f = await fine.process({ width: 32, height: 32, data: frame });
      assert.equal(g.width, 8);
      assert.equal(f.width, 16);
      assert.equal(f.field.length, 16 * 16 * f.dim);
      assert.ok(f.field.every(Number.isFinite));
      // Each grid cell's vector against the mean of its 2x2 lattice queries: the field is a smooth
      // function of position, so they agree far better than two random cells do.
      const dim = g.dim;
      let own = 0, other = 0;
      for (let cy = 0; cy < 8; cy++) {
        for (let cx = 0; cx < 8; cx++) {
          const mean = new Float32Array(dim);
          for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
            const q = (2 * cy + dy) * 16 + 2 * cx + dx;
            for (let k = 0; k < dim; k++) mean[k] += f.field[q * dim + k] / 4;
          }
          const c = cy * 8 + cx, far = (cy * 8 + cx + 27) % 64;
          own += cosine(g.field.subarray(c * dim, (c + 1) * dim), mean) / 64;
          other += cosine(g.field.subarray(far * dim, (far + 1) * dim), mean) / 64;
        }
      }
      assert.ok(own > 0.9, `grid vs its lattice queries: mean cosine ${own.toFixed(3)}`);
      assert.ok(
        1 - own < (1 - other) / 5,
        `cosine distance to own cell ${(1 - own).toFixed(4)}, to another ${(1 - other).toFixed(4)}`,
      );
    } finally {
      grid.dispose();
      fine.dispose();
    }
  },
);

Deno.test(
  "a 16:9 engine runs end to end: grid and lattice shaped like the frame, other sizes refused",
  sanitize,
  async () => {
    const [width, height] = [64, 36];
    const data = renderSyntheticFrame({ width, height, seed: 3 }, 0).data;
    const engine = await createEngine({
      apm: { ...SMALL, lattice: 16 },
      backend: "wasm",
      frame: { width, height },
    });
    try {
      // grid 8 at 16:9: round(8 * 4/3) x round(8 * 3/4); the lattice's long side 16.
      assert.deepEqual(engine.info.frame, { width, height });
      assert.deepEqual(engine.info.grid, { width: 11, height: 6 });
      assert.deepEqual(engine.info.lattice, { width: 16, height: 9 });
      const r = await engine.process({ width, height, data });
      assert.deepEqual([r.width, r.height], [16, 9]);
      assert.equal(r.field.length, 16 * 9 * r.dim);
      assert.ok(r.field.every(Number.isFinite));
      assert.ok(Number.isFinite(r.loss), "it trained");
      const square = renderSyntheticFrame({ width: 36, height: 36, seed: 3 }, 0).data;
      await assert.rejects(
        () => engine.process({ width: 36, height: 36, data: square }),
        /started for 64x36 frames/,
      );
    } finally {
      engine.dispose();
    }
  },
);
