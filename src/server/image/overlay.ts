/**
 * Overlays for snapshots: island labels blended over a frame with their boundaries drawn, and
 * a small colour field (such as the per-cell feature colours) painted over a frame.
 *
 * @module
 */

import { islandColor } from "../../client/palette.js";

/** Options of {@linkcode drawIslandOverlay}. */
export interface IslandOverlayOptions {
  /** Weight of the island colour in the blend, 0..1. @default {0.45} */
  alpha?: number;
  /** Draw island boundaries as white lines. @default {true} */
  boundaries?: boolean;
}

/** Colour of island boundary lines. */
export const BOUNDARY_COLOR: readonly [number, number, number] = [255, 255, 255];

function checkImage(fn: string, rgb: Uint8Array, width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`${fn}: image size ${width}x${height} must be positive integers`);
  }
  if (rgb.length !== width * height * 3) {
    throw new RangeError(`${fn}: ${rgb.length} bytes for a ${width}x${height} RGB image`);
  }
}

function checkMap(fn: string, length: number, w: number, h: number, per: number): void {
  if (!(Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0) || length !== w * h * per) {
    throw new RangeError(`${fn}: ${length} values for a ${w}x${h} map of ${per} per location`);
  }
}

/** Nearest source index along one axis for each of `n` output samples (centres aligned). */
function nearestIndex(src: number, n: number): Int32Array {
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = Math.min(src - 1, Math.floor(((i + 0.5) * src) / n));
  return index;
}

/**
 * A new RGB image: the frame blended with each island's {@linkcode islandColor}, and island
 * boundaries (pixels whose label differs from their right or bottom neighbour) drawn in
 * {@linkcode BOUNDARY_COLOR}. A label map of another size is nearest-sampled to the image size,
 * so boundaries are one pixel wide at image resolution.
 *
 * @throws {RangeError} on a size mismatch or an alpha outside 0..1.
 */
export function drawIslandOverlay(
  rgb: Uint8Array,
  width: number,
  height: number,
  labels: Int32Array,
  labelsWidth: number,
  labelsHeight: number,
  opts: IslandOverlayOptions = {},
): Uint8Array {
  const { alpha = 0.45, boundaries = true } = opts;
  checkImage("drawIslandOverlay", rgb, width, height);
  checkMap("drawIslandOverlay", labels.length, labelsWidth, labelsHeight, 1);
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`drawIslandOverlay: alpha ${alpha} must be within 0..1`);
  }
  const xs = nearestIndex(labelsWidth, width), ys = nearestIndex(labelsHeight, height);
  // Colour of each label-map cell, looked up once per distinct label.
  const cellColor = new Uint8Array(labels.length * 3);
  const colors = new Map<number, readonly number[]>();
  for (let i = 0; i < labels.length; i++) {
    let c = colors.get(labels[i]);
    if (c === undefined) colors.set(labels[i], c = islandColor(labels[i]));
    cellColor.set(c, i * 3);
  }
  const out = blend(rgb, width, height, cellColor, labelsWidth, xs, ys, alpha);
  if (boundaries) {
    for (let y = 0; y < height; y++) {
      const row = ys[y] * labelsWidth;
      const below = y + 1 < height ? ys[y + 1] * labelsWidth : row;
      for (let x = 0; x < width; x++) {
        const label = labels[row + xs[x]];
        const right = x + 1 < width ? labels[row + xs[x + 1]] : label;
        if (right !== label || labels[below + xs[x]] !== label) {
          out.set(BOUNDARY_COLOR, (y * width + x) * 3);
        }
      }
    }
  }
  return out;
}

/**
 * `(1 - alpha) * rgb + alpha * colors`, the `mapW`-wide `colors` read at cell
 * `(xs[x], ys[y])` for pixel `(x, y)`. A convex blend of bytes stays within 0..255, so
 * rounding needs no clamp.
 */
function blend(
  rgb: Uint8Array,
  width: number,
  height: number,
  colors: Uint8Array,
  mapW: number,
  xs: Int32Array,
  ys: Int32Array,
  alpha: number,
): Uint8Array {
  const out = new Uint8Array(rgb.length);
  const keep = 1 - alpha;
  for (let y = 0; y < height; y++) {
    const row = ys[y] * mapW;
    for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
      const c = (row + xs[x]) * 3;
      out[o] = (keep * rgb[o] + alpha * colors[c] + 0.5) | 0;
      out[o + 1] = (keep * rgb[o + 1] + alpha * colors[c + 1] + 0.5) | 0;
      out[o + 2] = (keep * rgb[o + 2] + alpha * colors[c + 2] + 0.5) | 0;
    }
  }
  return out;
}

/** Options of {@linkcode drawColorField}. */
export interface ColorFieldOptions {
  /** Weight of the field's colour over the frame, 0..1. @default {1} (the field alone) */
  alpha?: number;
}

/**
 * A new RGB image: the frame with a small RGB field (`colorsWidth x colorsHeight` RGB bytes,
 * such as one colour per feature-grid cell) painted over it, nearest-upscaled to the image size.
 *
 * @throws {RangeError} on a size mismatch or an alpha outside 0..1.
 */
export function drawColorField(
  rgb: Uint8Array,
  width: number,
  height: number,
  colors: Uint8Array,
  colorsWidth: number,
  colorsHeight: number,
  opts: ColorFieldOptions = {},
): Uint8Array {
  const { alpha = 1 } = opts;
  checkImage("drawColorField", rgb, width, height);
  checkMap("drawColorField", colors.length, colorsWidth, colorsHeight, 3);
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`drawColorField: alpha ${alpha} must be within 0..1`);
  }
  const xs = nearestIndex(colorsWidth, width), ys = nearestIndex(colorsHeight, height);
  return blend(rgb, width, height, colors, colorsWidth, xs, ys, alpha);
}
