/**
 * Islands that agree in what the APM knows *and* in colour: the feature field joined with the
 * frame's colour at each location, so that one segmentation weighs both.
 *
 * Each location becomes `[sqrt(1 - w) * f / |f|, sqrt(w) * c / |c|]` with `c = [1, (rgb - mean) /
 * 255]` (the location's mean colour, centred on the frame's mean colour, in units of the full
 * range). Both parts are unit vectors, so the cosine distance of two joined vectors is exactly
 * `(1 - w) * d_feature + w * d_colour`, and everything the segmentation does with directions
 * (region means, spreads) holds unchanged. The colour part's distance grows with the absolute
 * colour difference (about `|Δrgb|² / 2` for small ones), not with the frame's contrast: in fog,
 * where colours wash out and their differences are mostly haze, colour says little and the
 * features decide; on a clear frame a colour edge counts in full.
 *
 * Why colour at all: the teacher's features are 28 x 28 and blurred further by what the APM
 * learns, so they tell *what* is where but place its edges loosely; the frame's own colour puts
 * them where they are. Measured on the synthetic scenes (see BENCHMARKS.md) the two together
 * beat either alone.
 *
 * @module
 */
import type { FeatureField } from "./types.ts";

/**
 * Mean colour of each cell of a `width x height` lattice over an rgb24 frame (`frameW x
 * frameH`), values 0-255, `width * height * 3` floats. Every pixel counts toward the cell it
 * falls in; a cell no pixel falls in (a lattice finer than the frame) takes its centre's pixel.
 *
 * @throws {RangeError} if `rgb` is not `frameW * frameH * 3` bytes or a size is not positive.
 */
export function latticeColors(
  rgb: Uint8Array,
  frameW: number,
  frameH: number,
  width: number,
  height: number,
): Float32Array {
  for (const v of [frameW, frameH, width, height]) {
    if (!(Number.isInteger(v) && v > 0)) {
      throw new RangeError(`latticeColors: sizes must be positive integers, got ${v}`);
    }
  }
  if (rgb.length !== frameW * frameH * 3) {
    throw new RangeError(
      `latticeColors: ${rgb.length} bytes for a ${frameW}x${frameH} rgb24 frame (needs ` +
        `${frameW * frameH * 3})`,
    );
  }
  const sums = new Float64Array(width * height * 3);
  const counts = new Float64Array(width * height);
  const cellX = new Int32Array(frameW);
  for (let x = 0; x < frameW; x++) cellX[x] = Math.floor((x * width) / frameW);
  for (let y = 0; y < frameH; y++) {
    const row = Math.floor((y * height) / frameH) * width;
    for (let x = 0; x < frameW; x++) {
      const c = row + cellX[x], p = (y * frameW + x) * 3;
      sums[c * 3] += rgb[p];
      sums[c * 3 + 1] += rgb[p + 1];
      sums[c * 3 + 2] += rgb[p + 2];
      counts[c]++;
    }
  }
  const out = new Float32Array(width * height * 3);
  for (let cy = 0; cy < height; cy++) {
    for (let cx = 0; cx < width; cx++) {
      const c = cy * width + cx;
      if (counts[c] > 0) {
        for (let k = 0; k < 3; k++) out[c * 3 + k] = sums[c * 3 + k] / counts[c];
        continue;
      }
      const px = Math.min(frameW - 1, Math.floor(((cx + 0.5) * frameW) / width));
      const py = Math.min(frameH - 1, Math.floor(((cy + 0.5) * frameH) / height));
      for (let k = 0; k < 3; k++) out[c * 3 + k] = rgb[(py * frameW + px) * 3 + k];
    }
  }
  return out;
}

/**
 * The feature field joined with the frame's colour (see the module doc), `dim + 4` values per
 * location; `weight` is the colour's share `w` in [0, 1] (0 returns the features normalised and
 * a constant colour part, i.e. islands of the features alone; the server's default is
 * `--color-weight`). A location whose feature vector
 * is zero or not finite keeps a zero feature part.
 *
 * @throws {RangeError} on a weight outside [0, 1] or a frame whose size does not match `rgb`.
 *
 * @example
 * ```ts
 * import { joinColor } from "./color_field.ts";
 * const field = { width: 2, height: 1, dim: 2, data: new Float32Array([1, 0, 1, 0]) };
 * const rgb = new Uint8Array([0, 0, 0, 255, 255, 255]); // black | white
 * joinColor(field, rgb, 2, 1, 0.5).dim; // 6
 * ```
 */
export function joinColor(
  field: FeatureField,
  rgb: Uint8Array,
  frameW: number,
  frameH: number,
  weight: number,
): FeatureField {
  if (!(weight >= 0 && weight <= 1)) {
    throw new RangeError(`joinColor: the colour weight must lie in [0, 1], got ${weight}`);
  }
  const { width, height, dim, data } = field;
  const n = width * height;
  const colors = latticeColors(rgb, frameW, frameH, width, height);
  const mean = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) mean[k] += colors[i * 3 + k] / n;
  const out = new Float32Array(n * (dim + 4));
  const fScale = Math.sqrt(1 - weight), cScale = Math.sqrt(weight);
  for (let i = 0; i < n; i++) {
    const o = i * (dim + 4);
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += data[i * dim + d] * data[i * dim + d];
    if (Number.isFinite(ss) && ss > 0) {
      const s = fScale / Math.sqrt(ss);
      for (let d = 0; d < dim; d++) out[o + d] = data[i * dim + d] * s;
    }
    const r = (colors[i * 3] - mean[0]) / 255;
    const g = (colors[i * 3 + 1] - mean[1]) / 255;
    const b = (colors[i * 3 + 2] - mean[2]) / 255;
    const s = cScale / Math.sqrt(1 + r * r + g * g + b * b);
    out[o + dim] = s;
    out[o + dim + 1] = r * s;
    out[o + dim + 2] = g * s;
    out[o + dim + 3] = b * s;
  }
  return { width, height, dim: dim + 4, data: out };
}
