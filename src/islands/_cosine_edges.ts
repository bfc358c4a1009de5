/**
 * The weighted grid graph of a feature field: one edge per right/down neighbour pair, weighted
 * by cosine distance.
 *
 * @module
 */

/** Per-location facts the segmentation passes need besides the edges. */
export interface FieldNorms {
  /** `1 / |v|` for a usable vector, 0 for an all-zero or non-finite one. */
  invNorm: Float64Array;
  /** What each location holds: {@linkcode KIND_UNIT}, {@linkcode KIND_ZERO} or {@linkcode KIND_INVALID}. */
  kind: Uint8Array;
}

/** Edges of the 4-neighbour grid graph, each grid adjacency once. */
export interface GridEdges {
  from: Int32Array;
  to: Int32Array;
  /** Cosine distance `1 - cos` in `[0, 2]`. */
  weight: Float32Array;
}

/** Location kind: some value is NaN or infinite. */
export const KIND_INVALID = 0;
/** Location kind: all zeros, so no direction. */
export const KIND_ZERO = 1;
/** Location kind: finite and non-zero, so it has a direction. */
export const KIND_UNIT = 2;

/**
 * The grid graph of a `width x height` field: right and down neighbour edges with their cosine
 * distances, plus each location's inverse norm and kind. A non-finite vector is at distance 1
 * from everything; two all-zero vectors agree (0) and an all-zero vector shares no direction
 * with a non-zero one (1).
 *
 * Vectors are never copied out normalised: one pass over the field gathers each location's
 * squared norm together with its dot products with its right and down neighbours (each value
 * is loaded once, which is what this memory-bound loop pays for), and the dots are scaled by
 * the inverse norms afterwards.
 */
export function cosineEdges(
  data: Float32Array,
  width: number,
  height: number,
  dim: number,
): GridEdges & FieldNorms {
  const n = width * height;
  const squared = new Float64Array(n);
  const dotRight = new Float64Array(n);
  const dotDown = new Float64Array(n);
  const down = width * dim;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const o = i * dim;
      let ss = 0, right = 0, below = 0;
      if (x + 1 < width && y + 1 < height) {
        for (let d = 0; d < dim; d++) {
          const v = data[o + d];
          ss += v * v;
          right += v * data[o + dim + d];
          below += v * data[o + down + d];
        }
      } else if (x + 1 < width) {
        for (let d = 0; d < dim; d++) {
          const v = data[o + d];
          ss += v * v;
          right += v * data[o + dim + d];
        }
      } else if (y + 1 < height) {
        for (let d = 0; d < dim; d++) {
          const v = data[o + d];
          ss += v * v;
          below += v * data[o + down + d];
        }
      } else {
        for (let d = 0; d < dim; d++) ss += data[o + d] * data[o + d];
      }
      squared[i] = ss;
      dotRight[i] = right;
      dotDown[i] = below;
    }
  }

  const invNorm = new Float64Array(n);
  const kind = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ss = squared[i];
    // Float32 squares cannot overflow a float64 sum, so a non-finite sum means a NaN/Inf input.
    if (!Number.isFinite(ss)) kind[i] = KIND_INVALID;
    else if (ss === 0) kind[i] = KIND_ZERO;
    else {
      kind[i] = KIND_UNIT;
      invNorm[i] = 1 / Math.sqrt(ss);
    }
  }

  const e = Math.max(0, (width - 1) * height) + Math.max(0, width * (height - 1));
  const from = new Int32Array(e);
  const to = new Int32Array(e);
  const weight = new Float32Array(e);
  let t = 0;
  const add = (a: number, b: number, dot: number) => {
    from[t] = a;
    to[t] = b;
    const ka = kind[a], kb = kind[b];
    weight[t++] = ka === KIND_UNIT && kb === KIND_UNIT
      ? distance(dot * invNorm[a] * invNorm[b])
      : ka === KIND_INVALID || kb === KIND_INVALID
      ? 1
      : ka === kb
      ? 0
      : 1;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x + 1 < width) add(i, i + 1, dotRight[i]);
      if (y + 1 < height) add(i, i + width, dotDown[i]);
    }
  }
  return { from, to, weight, invNorm, kind };
}

/** `1 - cos` clamped to `[0, 2]` against rounding; anything not a number reads as 1. */
function distance(cos: number): number {
  const d = 1 - cos;
  if (d >= 0) return d < 2 ? d : 2;
  // Only rounding makes d negative; NaN cannot come from finite inputs, but must never reach
  // the sort, whose bit-pattern order assumes non-negative numbers.
  return d < 0 ? 0 : 1;
}
