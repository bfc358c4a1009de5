/**
 * Islands stage: turns a per-frame feature field into an island map whose ids stay the same
 * for the same thing from frame to frame. Pure functions over typed arrays, fit to run inside
 * a Worker per frame.
 *
 * @example
 * ```ts
 * import { createIdTracker, islandsFromField } from "./mod.ts";
 * const tracker = createIdTracker(); // one per stream
 * const field = { width: 2, height: 1, dim: 2, data: new Float32Array([1, 0, 1, 0]) };
 * islandsFromField(field, tracker).islands; // one island of area 2
 * ```
 *
 * @module
 */

export type { FeatureField, IslandMap, IslandSummary } from "./types.ts";
export {
  DEFAULT_BORDER_SCALE,
  DEFAULT_GROW_SCALE,
  DEFAULT_QUANTILE,
  defaultMinArea,
  segmentField,
  type SegmentOptions,
} from "./segment_field.ts";
export {
  createIdTracker,
  DEFAULT_MIN_IOU,
  type IdTracker,
  type IdTrackerOptions,
} from "./track_ids.ts";
export { summarizeIslands } from "./summarize.ts";
export { adjustedRandIndex, downsampleLabelsMode } from "./adjusted_rand_index.ts";
export { islandsFromField } from "./island_map.ts";
