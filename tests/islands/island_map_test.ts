import assert from "node:assert/strict";
import { islandsFromField } from "../../src/islands/island_map.ts";
import { createIdTracker } from "../../src/islands/track_ids.ts";
import { summarizeIslands } from "../../src/islands/summarize.ts";
import { fieldFromLabels, paintRect } from "./_fields.ts";

Deno.test("islandsFromField keeps a moving object's id and summarises the ids it returns", () => {
  const width = 32, height = 32;
  const tracker = createIdTracker();
  const maps = [0, 1, 2].map((shift) => {
    const truth = paintRect(
      new Int32Array(width * height),
      width,
      [8 + shift, 8, 18 + shift, 18],
      1,
    );
    // Same seed: the same two directions every frame, as a static scene with a mover gives.
    return islandsFromField(fieldFromLabels(truth, width, height, { seed: 9 }), tracker);
  });
  for (const [k, map] of maps.entries()) {
    assert.equal(map.width, width);
    assert.equal(map.height, height);
    assert.equal(map.islands.length, 2);
    assert.deepEqual(map.islands, summarizeIslands(map.labels, width, height));
    assert.equal(map.labels[10 * width + 9 + k], maps[0].labels[10 * width + 9]);
    assert.equal(map.labels[0], maps[0].labels[0]);
  }
  const object = maps[2].islands.find((s) => s.id === maps[0].labels[10 * width + 9])!;
  assert.deepEqual(object.bbox, [10, 8, 19, 17]);
  assert.equal(object.area, 100);
});
