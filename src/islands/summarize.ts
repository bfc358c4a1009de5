/**
 * Per-island summaries of an id map: area, bounding box and centroid, in grid cells.
 *
 * @module
 */

import type { IslandSummary } from "./types.ts";

/**
 * Summarise every island of a `width x height` id map: its area (locations), inclusive
 * bounding box `[x0, y0, x1, y1]` and centroid `[x, y]` (mean location). One entry per
 * distinct id, sorted by id. Ids can be any integers (persistent ids are sparse).
 *
 * @example
 * ```ts
 * import { summarizeIslands } from "./summarize.ts";
 * summarizeIslands(new Int32Array([7, 7, 3, 3]), 2, 2);
 * // [{ id: 3, area: 2, bbox: [0, 1, 1, 1], centroid: [0.5, 1] },
 * //  { id: 7, area: 2, bbox: [0, 0, 1, 0], centroid: [0.5, 0] }]
 * ```
 *
 * @throws {RangeError} if `ids.length` is not `width * height`.
 */
export function summarizeIslands(
  ids: Int32Array,
  width: number,
  height: number,
): IslandSummary[] {
  if (ids.length !== width * height) {
    throw new RangeError(
      `summarizeIslands: ${ids.length} ids for a ${width}x${height} map; pass one id per location`,
    );
  }
  const byId = new Map<number, IslandSummary & { sumX: number; sumY: number }>();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const id = ids[y * width + x];
      const s = byId.get(id);
      if (s === undefined) {
        byId.set(id, { id, area: 1, bbox: [x, y, x, y], centroid: [0, 0], sumX: x, sumY: y });
        continue;
      }
      s.area++;
      s.sumX += x;
      s.sumY += y;
      // Raster order: y only grows, and the first cell seen fixed y0.
      if (x < s.bbox[0]) s.bbox[0] = x;
      if (x > s.bbox[2]) s.bbox[2] = x;
      s.bbox[3] = y;
    }
  }
  return [...byId.values()]
    .sort((a, b) => a.id - b.id)
    .map(({ id, area, bbox, sumX, sumY }) => ({
      id,
      area,
      bbox,
      centroid: [sumX / area, sumY / area],
    }));
}
