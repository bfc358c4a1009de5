/**
 * Per-frame cost of the islands stage on random-block fields of the sizes the server uses.
 * Run with `deno bench bench/islands_bench.ts`.
 *
 * @module
 */

import { segmentField } from "../src/islands/segment_field.ts";
import { createIdTracker } from "../src/islands/track_ids.ts";
import { islandsFromField } from "../src/islands/island_map.ts";
import { plantedBlocks } from "../tests/islands/_fields.ts";

const DIM = 192;

for (const size of [32, 64]) {
  const { field } = plantedBlocks({
    width: size,
    height: size,
    dim: DIM,
    blocks: size / 8,
    noise: 0.5,
    seed: 1,
  });
  const noisy = plantedBlocks({
    width: size,
    height: size,
    dim: DIM,
    blocks: size / 8,
    noise: 1.5,
    seed: 1,
  }).field;

  Deno.bench(`segmentField ${size}x${size}x${DIM}, noise 0.5`, { group: `${size}` }, () => {
    segmentField(field);
  });
  Deno.bench(`segmentField ${size}x${size}x${DIM}, noise 1.5`, { group: `${size}` }, () => {
    segmentField(noisy);
  });
  const tracker = createIdTracker();
  Deno.bench(
    `islandsFromField ${size}x${size}x${DIM} (segment + track + summarize)`,
    { group: `${size}`, baseline: true },
    () => {
      islandsFromField(field, tracker);
    },
  );
}
