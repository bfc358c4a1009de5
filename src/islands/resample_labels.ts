/**
 * A published frame's island labels at the size a reader asks for: the one place that turns
 * them into labels at another resolution, for subscribers (`src/server/map_encoder.ts`), the
 * snapshot, `deno task segment` and its overlay video.
 *
 * A frame carries its islands at the lattice (`width x height`: `--lattice`, or the APM's grid)
 * and, when the engine cut them at the working frame's pixels, also there (`frameLabels`). A
 * resolution is one of
 *
 * - `"grid"`: the lattice map as the engine made it (an engine that cuts at the frame still
 *   sends its lattice map, e.g. by mode-downsampling its frame labels);
 * - `"frame"`: the working frame the engine saw (`image`, the source's aspect);
 * - `"source"`: the source's own size (`source`);
 * - `{ width, height }`: any size.
 *
 * With `frameLabels` every size other than the lattice is read from them (nearest neighbour:
 * the frame labels already follow the picture's edges). Without, the lattice labels are
 * upsampled edge-aware (`upsampleLabels`), each pixel taking the neighbouring island whose
 * colour it matches, guided by the working frame: the source's own pixels are not kept, so
 * `"source"` is the working frame's labels scaled up along its edges.
 *
 * @module
 */

import { downsampleLabelsMode } from "./adjusted_rand_index.ts";
import { summarizeIslands } from "./summarize.ts";
import type { IslandSummary } from "./types.ts";
import { nearestUpsampleLabels, upsampleLabels } from "./upsample_labels.ts";

/** A width and a height. */
export interface LabelSize {
  width: number;
  height: number;
}

/** The resolutions a reader may ask labels at (see the module doc). */
export type LabelResolution = "grid" | "frame" | "source" | LabelSize;

/** What resampling reads of a frame (a `PublishedFrame` has all of it). */
export interface LabeledFrame {
  /** Size of `labels`: the lattice. */
  width: number;
  height: number;
  labels: Int32Array;
  /** The islands at every pixel of `image`, when the engine cut them there. */
  frameLabels?: Int32Array;
  /** Summaries of `labels`' islands, in lattice cells. */
  islands: IslandSummary[];
  /** The working frame, rgb24: the guide of edge-aware upsampling. */
  image: { width: number; height: number; rgb: Uint8Array };
  /** The source's own size. */
  source: LabelSize;
}

/** Options of {@linkcode labelSize} and {@linkcode resampleLabels}. */
export interface ResampleOptions {
  /**
   * `"frame"` and `"source"` larger than this on a side are scaled down to fit it, the aspect
   * kept (subscribers: a 4K camera's labels would be 33 MB a frame). Explicit sizes are the
   * caller's to check. Default: no limit.
   */
  maxSide?: number;
}

/** Labels at a resolution, and the summaries of their islands in their own units. */
export interface ResampledMap extends LabelSize {
  /** `width * height` island ids, row-major. */
  labels: Int32Array;
  /** One summary per island in `labels`: area in labels, bbox and centroid in their cells. */
  islands: IslandSummary[];
}

/**
 * The size `resolution` stands for on `frame`.
 *
 * @throws {RangeError} on a size that is not positive integers.
 *
 * @example
 * ```ts
 * labelSize(frame, "source"); // e.g. { width: 1920, height: 1080 }
 * labelSize(frame, "source", { maxSide: 1024 }); // { width: 1024, height: 576 }
 * ```
 */
export function labelSize(
  frame: LabeledFrame,
  resolution: LabelResolution,
  { maxSide = Infinity }: ResampleOptions = {},
): LabelSize {
  if (resolution === "grid") return { width: frame.width, height: frame.height };
  if (resolution === "frame") return fitInside(frame.image, { width: maxSide, height: maxSide });
  if (resolution === "source") return fitInside(frame.source, { width: maxSide, height: maxSide });
  const { width, height } = resolution;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`labels must be asked at positive integer sizes, got ${width}x${height}`);
  }
  return { width, height };
}

/**
 * `frame`'s labels at `resolution` (see the module doc). The lattice's own labels come back as
 * they are (not copied); others are new arrays.
 *
 * @example
 * ```ts
 * const { width, height, labels } = resampleLabels(frame, "frame"); // e.g. 640 x 360
 * ```
 */
export function resampleLabels(
  frame: LabeledFrame,
  resolution: LabelResolution,
  opts: ResampleOptions = {},
): LabelSize & { labels: Int32Array } {
  const { width, height } = labelSize(frame, resolution, opts);
  if (width === frame.width && height === frame.height) {
    return { width, height, labels: frame.labels };
  }
  const { image } = frame;
  if (frame.frameLabels) {
    if (frame.frameLabels.length !== image.width * image.height) {
      throw new RangeError(
        `resampleLabels: ${frame.frameLabels.length} frame labels for a ` +
          `${image.width}x${image.height} frame`,
      );
    }
    const labels = width === image.width && height === image.height
      ? frame.frameLabels
      : nearestUpsampleLabels(frame.frameLabels, image.width, image.height, width, height);
    return { width, height, labels };
  }
  const labels = upsampleLabels(
    frame.labels,
    frame.width,
    frame.height,
    image.rgb,
    image.width,
    image.height,
    width,
    height,
  );
  return { width, height, labels };
}

/**
 * {@linkcode resampleLabels} with the islands' summaries in the units of the labels returned:
 * the frame's own summaries for the lattice, recomputed for any other size (so `area` counts the
 * labels sent and `bbox` and `centroid` are in their cells). They are computed when first read,
 * so a reader that sends no summaries pays nothing for them.
 */
export function resampleMap(
  frame: LabeledFrame,
  resolution: LabelResolution,
  opts: ResampleOptions = {},
): ResampledMap {
  const { width, height, labels } = resampleLabels(frame, resolution, opts);
  let islands: IslandSummary[] | null = labels === frame.labels ? frame.islands : null;
  return {
    width,
    height,
    labels,
    get islands() {
      return islands ??= summarizeIslands(labels, width, height);
    },
  };
}

/**
 * `size`, scaled down (aspect kept, sides at least 1) to fit inside `bound` when it does not;
 * a copy of it otherwise.
 */
export function fitInside(size: LabelSize, bound: LabelSize): LabelSize {
  const scale = Math.min(1, bound.width / size.width, bound.height / size.height);
  if (scale === 1) return { width: size.width, height: size.height };
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/**
 * Frame labels (`width x height`) at a coarser lattice (`latticeW x latticeH`) for "grid"
 * readers: each cell takes the island most of it shows, and an island that wins no cell (a
 * pedestrian narrower than a cell) takes the cell it fills most, so that every island of the
 * frame is in the lattice map too, with the same id. Islands are placed largest first; one
 * whose best cells all went to larger ones is left out.
 *
 * @example
 * ```ts
 * // A 1-pixel island in a 4x4 frame survives on a 2x2 lattice.
 * const frame = new Int32Array(16).fill(7);
 * frame[5] = 9;
 * latticeLabels(frame, 4, 4, 2, 2); // Int32Array [9, 7, 7, 7]
 * ```
 */
export function latticeLabels(
  frameLabels: Int32Array,
  width: number,
  height: number,
  latticeW: number,
  latticeH: number,
): Int32Array {
  const out = downsampleLabelsMode(frameLabels, width, height, latticeW, latticeH);
  const present = new Set(out);
  // Pixels of missing islands, counted per (island, cell).
  const counts = new Map<number, Map<number, number>>();
  const cellX = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    cellX[x] = Math.min(latticeW - 1, Math.floor((x * latticeW) / width));
  }
  for (let y = 0; y < height; y++) {
    const row = Math.min(latticeH - 1, Math.floor((y * latticeH) / height)) * latticeW;
    for (let x = 0; x < width; x++) {
      const id = frameLabels[y * width + x];
      if (present.has(id)) continue;
      let c = counts.get(id);
      if (!c) counts.set(id, c = new Map());
      const cell = row + cellX[x];
      c.set(cell, (c.get(cell) ?? 0) + 1);
    }
  }
  const area = (c: Map<number, number>) => [...c.values()].reduce((a, v) => a + v, 0);
  const missing = [...counts.entries()].sort((a, b) => area(b[1]) - area(a[1]) || a[0] - b[0]);
  const taken = new Set<number>();
  for (const [id, cells] of missing) {
    const best = [...cells.entries()].filter(([cell]) => !taken.has(cell))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
    if (!best) continue;
    out[best[0]] = id;
    taken.add(best[0]);
  }
  return out;
}
