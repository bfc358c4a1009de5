/**
 * Feature-field colours for display: each location's feature vector projected onto the field's
 * top three principal components, one per RGB channel, kept stable from frame to frame.
 *
 * @module
 */

import type { FeatureField } from "./types.ts";

/** Number of components (RGB channels). */
const K = 3;
/** Orthogonal-iteration steps from the previous frame's basis, and from scratch. */
const WARM_ITERATIONS = 8;
const COLD_ITERATIONS = 60;
/** A component spans 0..255 over its mean +- this many standard deviations. */
const SPREAD_STD = 2.5;
/**
 * A component whose variance is below this fraction of the total is numerical noise (e.g. the
 * second component of a rank-one field): its channel stays mid-grey rather than amplify noise.
 */
const MIN_VARIANCE_FRACTION = 1e-8;

/**
 * Create a colorizer for the feature fields of one stream. Each call returns
 * `width * height * 3` RGB bytes for the field.
 *
 * Per frame: the mean is removed, the `dim x dim` covariance is formed once, and orthogonal
 * iteration (warm-started from the previous frame's basis, so a few steps suffice) followed by
 * a Rayleigh-Ritz step gives the top three principal directions. Each projection is scaled to
 * 0..255 over +-{@linkcode SPREAD_STD} standard deviations. For colours that do not flicker,
 * the components are then matched to the previous frame's (the order that best preserves the
 * directions) and each direction's sign is flipped where it points away from its predecessor.
 * Cost per frame: O(N * dim^2) for the covariance, the rest O(dim^2) per iteration and O(N *
 * dim) for the projections.
 *
 * Fields with `dim < 3` leave the missing channels mid-grey; a constant field is all mid-grey.
 * Non-finite feature values are read as 0, so the output is always well-defined.
 */
export function createFeatureColorizer(): (field: FeatureField) => Uint8Array {
  // The previous frame's components (K rows of `prevDim` values), or null before the first.
  let prevBasis: Float64Array | null = null;
  let prevDim = -1;

  return function colorize(field: FeatureField): Uint8Array {
    const { width, height, dim } = field;
    const n = width * height;
    if (field.data.length !== n * dim) {
      throw new RangeError(
        `colorize: ${field.data.length} values for a ${width}x${height}x${dim} field`,
      );
    }
    const out = new Uint8Array(n * 3).fill(128);
    const k = Math.min(K, dim);
    if (n === 0 || k === 0) return out;
    const data = finiteData(field.data);

    const mean = new Float64Array(dim);
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      for (let a = 0; a < dim; a++) mean[a] += data[row + a];
    }
    for (let a = 0; a < dim; a++) mean[a] /= n;
    // Centred rows, padded with zero rows to a multiple of four for `covariance`.
    const x = new Float64Array(Math.ceil(n / 4) * 4 * dim);
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      for (let a = 0; a < dim; a++) x[row + a] = data[row + a] - mean[a];
    }
    const cov = covariance(x, n, dim);
    let total = 0;
    for (let a = 0; a < dim; a++) total += cov[a * dim + a];
    if (!(total > 0)) return out;

    const warm = prevBasis !== null && prevDim === dim;
    const basis = warm ? prevBasis!.slice() : initialBasis(dim, k);
    const iterations = warm ? WARM_ITERATIONS : COLD_ITERATIONS;
    for (let it = 0; it < iterations; it++) {
      orthonormalize(multiply(cov, basis, dim, k), dim, k, basis);
    }
    const variances = rayleighRitz(cov, basis, dim, k);
    if (warm) alignTo(prevBasis!, basis, variances, dim, k);
    prevBasis = basis;
    prevDim = dim;

    // Projections: colour = 128 + 127.5 * (x - mean) . q / (SPREAD_STD * std), clamped.
    const gain = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      if (variances[c] > MIN_VARIANCE_FRACTION * total) {
        gain[c] = 127.5 / (SPREAD_STD * Math.sqrt(variances[c]));
      }
    }
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      for (let c = 0; c < k; c++) {
        if (gain[c] === 0) continue;
        const q = c * dim;
        let dot = 0;
        for (let a = 0; a < dim; a++) dot += x[row + a] * basis[q + a];
        const v = Math.round(128 + gain[c] * dot);
        out[i * 3 + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    return out;
  };
}

/** The data itself when all finite, else a copy with non-finite values replaced by 0. */
function finiteData(data: Float32Array): Float32Array {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) return data.map((v) => Number.isFinite(v) ? v : 0);
  }
  return data;
}

/**
 * Full symmetric `dim x dim` covariance of the `n` centred rows `x` (zero-padded to a multiple
 * of four rows). This loop is most of a frame's cost, so the upper half is accumulated in 4 x 2
 * blocks (four data rows into two covariance rows: each load serves eight products, each
 * covariance entry is loaded and stored once per four rows), then mirrored.
 */
function covariance(x: Float64Array, n: number, dim: number): Float64Array {
  const rows = x.length / dim;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < rows; i += 4) {
    const o0 = i * dim, o1 = o0 + dim, o2 = o1 + dim, o3 = o2 + dim;
    // Two rows of the covariance at a time: each loaded x[.. + b] serves both.
    for (let a = 0; a < dim; a += 2) {
      const x0 = x[o0 + a], x1 = x[o1 + a], x2 = x[o2 + a], x3 = x[o3 + a], r = a * dim;
      cov[r + a] += x0 * x0 + x1 * x1 + x2 * x2 + x3 * x3;
      if (a + 1 === dim) break;
      const y0 = x[o0 + a + 1], y1 = x[o1 + a + 1], y2 = x[o2 + a + 1], y3 = x[o3 + a + 1];
      const r1 = r + dim;
      for (let b = a + 1; b < dim; b++) {
        const v0 = x[o0 + b], v1 = x[o1 + b], v2 = x[o2 + b], v3 = x[o3 + b];
        cov[r + b] += x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
        cov[r1 + b] += y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3;
      }
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) cov[b * dim + a] = cov[a * dim + b] /= n;
  }
  return cov;
}

/**
 * A fixed, generic starting basis (a deterministic pseudo-random one, so that it is unlikely to
 * be orthogonal to any principal direction, and the same on every run).
 */
function initialBasis(dim: number, k: number): Float64Array {
  const basis = new Float64Array(k * dim);
  let seed = 0x9e3779b9;
  for (let i = 0; i < basis.length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    basis[i] = seed / 2 ** 32 - 0.5;
  }
  orthonormalize(basis, dim, k, basis);
  return basis;
}

/** `cov * q` for each of the `k` rows `q` of `basis`, as `k` rows. */
function multiply(cov: Float64Array, basis: Float64Array, dim: number, k: number): Float64Array {
  const out = new Float64Array(k * dim);
  for (let c = 0; c < k; c++) {
    const q = c * dim;
    for (let a = 0; a < dim; a++) {
      const r = a * dim;
      let s = 0;
      for (let b = 0; b < dim; b++) s += cov[r + b] * basis[q + b];
      out[q + a] = s;
    }
  }
  return out;
}

/**
 * Gram-Schmidt on the `k` rows of `vectors` into `out`. A row that vanishes (the field has
 * fewer than `k` directions of variance) is replaced by a unit vector orthogonal to the others,
 * so the basis stays orthonormal and its variance reads as zero.
 */
function orthonormalize(vectors: Float64Array, dim: number, k: number, out: Float64Array): void {
  for (let c = 0; c < k; c++) {
    const q = c * dim;
    for (let attempt = -1; attempt < dim; attempt++) {
      if (attempt >= 0) {
        vectors.fill(0, q, q + dim);
        vectors[q + attempt] = 1;
      }
      let before = 0;
      for (let a = 0; a < dim; a++) before += vectors[q + a] * vectors[q + a];
      for (let p = 0; p < c; p++) {
        let dot = 0;
        for (let a = 0; a < dim; a++) dot += vectors[q + a] * out[p * dim + a];
        for (let a = 0; a < dim; a++) vectors[q + a] -= dot * out[p * dim + a];
      }
      let norm = 0;
      for (let a = 0; a < dim; a++) norm += vectors[q + a] * vectors[q + a];
      // Relative test: what is left after removing the earlier directions must be more than
      // rounding error of what there was.
      if (norm > 1e-20 * before && norm > 0) {
        const inv = 1 / Math.sqrt(norm);
        for (let a = 0; a < dim; a++) out[q + a] = vectors[q + a] * inv;
        break;
      }
    }
  }
}

/**
 * Rotate the orthonormal `basis` within its span to the eigenvectors of the projected
 * covariance (cyclic Jacobi on the `k x k` matrix), ordered by variance, largest first.
 * Returns the variances.
 */
function rayleighRitz(
  cov: Float64Array,
  basis: Float64Array,
  dim: number,
  k: number,
): Float64Array {
  const cq = multiply(cov, basis, dim, k);
  const m = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < dim; a++) s += basis[i * dim + a] * cq[j * dim + a];
      m[i * k + j] = s;
    }
  }
  // Symmetrise against rounding, then Jacobi: v accumulates the rotations (columns).
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    v[i * k + i] = 1;
    for (let j = i + 1; j < k; j++) m[i * k + j] = m[j * k + i] = (m[i * k + j] + m[j * k + i]) / 2;
  }
  let diagonal = 0;
  for (let i = 0; i < k; i++) diagonal += m[i * k + i] ** 2;
  for (let sweep = 0; sweep < 20; sweep++) {
    let off = 0;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) off += m[i * k + j] ** 2;
    if (off <= 1e-30 * diagonal) break;
    for (let p = 0; p < k; p++) {
      for (let q = p + 1; q < k; q++) {
        const apq = m[p * k + q];
        if (apq === 0) continue;
        const theta = (m[q * k + q] - m[p * k + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let r = 0; r < k; r++) {
          const mrp = m[r * k + p], mrq = m[r * k + q];
          m[r * k + p] = c * mrp - s * mrq;
          m[r * k + q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < k; r++) {
          const mpr = m[p * k + r], mqr = m[q * k + r];
          m[p * k + r] = c * mpr - s * mqr;
          m[q * k + r] = s * mpr + c * mqr;
        }
        for (let r = 0; r < k; r++) {
          const vrp = v[r * k + p], vrq = v[r * k + q];
          v[r * k + p] = c * vrp - s * vrq;
          v[r * k + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((i, j) => m[j * k + j] - m[i * k + i]);
  const rotated = new Float64Array(k * dim);
  const variances = new Float64Array(k);
  order.forEach((e, c) => {
    variances[c] = Math.max(0, m[e * k + e]);
    for (let i = 0; i < k; i++) {
      const w = v[i * k + e];
      for (let a = 0; a < dim; a++) rotated[c * dim + a] += w * basis[i * dim + a];
    }
  });
  basis.set(rotated);
  return variances;
}

/**
 * Reorder the components of `basis` (with their `variances`) to the permutation that best
 * matches `prev` (largest total |dot|), then flip each whose dot with its predecessor is
 * negative.
 */
function alignTo(
  prev: Float64Array,
  basis: Float64Array,
  variances: Float64Array,
  dim: number,
  k: number,
): void {
  const dots = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < dim; a++) s += prev[i * dim + a] * basis[j * dim + a];
      dots[i * k + j] = s;
    }
  }
  let best: number[] = [], bestScore = -1;
  for (const perm of permutations(k)) {
    let score = 0;
    for (let i = 0; i < k; i++) score += Math.abs(dots[i * k + perm[i]]);
    if (score > bestScore) {
      bestScore = score;
      best = perm;
    }
  }
  const src = basis.slice(), vars = variances.slice();
  for (let i = 0; i < k; i++) {
    const j = best[i], sign = dots[i * k + j] < 0 ? -1 : 1;
    variances[i] = vars[j];
    for (let a = 0; a < dim; a++) basis[i * dim + a] = sign * src[j * dim + a];
  }
}

/** All permutations of `0..k-1` (k <= 3 here, so at most six). */
function permutations(k: number): number[][] {
  if (k === 0) return [[]];
  return permutations(k - 1).flatMap((p) =>
    Array.from({ length: k }, (_, at) => [...p.slice(0, at), k - 1, ...p.slice(at)])
  );
}
