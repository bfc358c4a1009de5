/**
 * One frame's feature field to its island map: segment, give the islands stable ids,
 * summarise them.
 *
 * @module
 */

import type { FeatureField, IslandMap } from "./types.ts";
import { segmentField, type SegmentOptions } from "./segment_field.ts";
import type { IdTracker } from "./track_ids.ts";
import { summarizeIslands } from "./summarize.ts";

/**
 * Islands of one frame: {@linkcode segmentField}, then ids from `tracker` (which remembers the
 * previous frame, so pass the same tracker for every frame of a stream), then
 * {@linkcode summarizeIslands}. `labels` of the result holds the persistent ids.
 *
 * @example
 * ```ts
 * import { islandsFromField } from "./island_map.ts";
 * import { createIdTracker } from "./track_ids.ts";
 * const tracker = createIdTracker();
 * const data = new Float32Array([1, 0, 1, 0, 0, 1, 0, 1]);
 * const map = islandsFromField({ width: 4, height: 1, dim: 2, data }, tracker, { minArea: 1 });
 * map.islands.length; // 2
 * ```
 */
export function islandsFromField(
  field: FeatureField,
  tracker: IdTracker,
  options: SegmentOptions = {},
): IslandMap {
  const { width, height } = field;
  const labels = tracker.assign(segmentField(field, options), width, height);
  return { width, height, labels, islands: summarizeIslands(labels, width, height) };
}
