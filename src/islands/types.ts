/**
 * Types of the islands stage: the feature field it reads and the island map it writes.
 *
 * @module
 */

/** A dense feature field: one `dim`-vector per grid location, row-major. */
export interface FeatureField {
  width: number;
  height: number;
  dim: number;
  /** `width * height * dim` values; location (x, y) starts at `(y * width + x) * dim`. */
  data: Float32Array;
}

/** Summary of one island, in grid cells. */
export interface IslandSummary {
  id: number;
  /** Number of grid locations. */
  area: number;
  /** Inclusive bounding box `[x0, y0, x1, y1]`. */
  bbox: [number, number, number, number];
  /** Mean location `[x, y]`. */
  centroid: [number, number];
}

/** Islands of one frame: a label per location, ids stable across frames. */
export interface IslandMap {
  width: number;
  height: number;
  /** `width * height` island ids, row-major. */
  labels: Int32Array;
  islands: IslandSummary[];
}
