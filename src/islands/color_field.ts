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
 * The feature field joined with the frame's colour (see the module doc), `dim + 4` values per
 * location. `colors` is the frame's mean colour in each cell of the field's lattice, in [0, 1],
 * `width * height * 3` values (the frame area-averaged to the lattice, e.g. by
 * `resizeRgbReference` in kernels/). `weight` is the colour's share `w` in [0, 1] (the server's
 * `--color-weight`); 0 gives the features normalised beside a constant colour part, i.e. islands
 * of the features alone. A location whose feature vector is zero or not finite keeps a zero
 * feature part.
 *
 * @throws {RangeError} on a weight outside [0, 1] or `colors` of another size than the field.
 *
 * @example
 * ```ts
 * import { joinColor } from "./color_field.ts";
 * const field = { width: 2, height: 1, dim: 2, data: new Float32Array([1, 0, 1, 0]) };
 * const colors = new Float32Array([0, 0, 0, 1, 1, 1]); // black | white
 * joinColor(field, colors, 0.5).dim; // 6
 * ```
 */
export function joinColor(
  field: FeatureField,
  colors: Float32Array,
  weight: number,
): FeatureField {
  if (!(weight >= 0 && weight <= 1)) {
    throw new RangeError(`joinColor: the colour weight must lie in [0, 1], got ${weight}`);
  }
  const { width, height, dim, data } = field;
  const n = width * height;
  if (colors.length !== n * 3) {
    throw new RangeError(
      `joinColor: ${colors.length} colour values for a ${width}x${height} field (needs ${n * 3})`,
    );
  }
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
    const r = colors[i * 3] - mean[0];
    const g = colors[i * 3 + 1] - mean[1];
    const b = colors[i * 3 + 2] - mean[2];
    const s = cScale / Math.sqrt(1 + r * r + g * g + b * b);
    out[o + dim] = s;
    out[o + dim + 1] = r * s;
    out[o + dim + 2] = g * s;
    out[o + dim + 3] = b * s;
  }
  return { width, height, dim: dim + 4, data: out };
}
