/**
 * Querying the field on a lattice finer than the training grid: the positional code is
 * continuous, so the trained MLP answers between its training locations.
 */
import assert from "node:assert/strict";
import {
  type ApmConfig,
  DEFAULT_APM_CONFIG,
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

Deno.test("lattice points: the grid's own side gives the grid centres; 2x puts 2x2 queries per cell", () => {
  assert.deepEqual(latticePoints(8, 8), gridPoints(8, 8));
  const pts = latticePoints(4, 2);
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
    Array.from(latticeCells(4, 2)),
    [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3],
  );
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
      assert.equal(fine.info.lattice, 16);
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
