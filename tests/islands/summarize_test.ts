import assert from "node:assert/strict";
import { summarizeIslands } from "../../src/islands/summarize.ts";

Deno.test("summarizeIslands gives area, inclusive bbox and mean centroid per id, sorted by id", () => {
  // deno-fmt-ignore
  const ids = new Int32Array([
    5, 5, 2, 2,
    5, 9, 9, 2,
    9, 9, 9, 2,
  ]);
  assert.deepEqual(summarizeIslands(ids, 4, 3), [
    { id: 2, area: 4, bbox: [2, 0, 3, 2], centroid: [2.75, 0.75] },
    { id: 5, area: 3, bbox: [0, 0, 1, 1], centroid: [1 / 3, 1 / 3] },
    { id: 9, area: 5, bbox: [0, 1, 2, 2], centroid: [1.2, 1.6] },
  ]);
});

Deno.test("summarizeIslands rejects ids that do not fit the grid", () => {
  assert.throws(() => summarizeIslands(new Int32Array(5), 2, 2), RangeError);
});
