/**
 * The 2-D sinusoidal positional code that, paired with the trigger column, unfolds one query
 * per location.
 *
 * @module
 */

/**
 * Positional codes of `points` (x, y pairs in grid-cell units; fractional positions are fine,
 * which is what lets a trained APM be queried between its training locations).
 *
 * Layout per point: the first half codes x, the second half y; each half is
 * `[sin(x*w_0), cos(x*w_0), sin(x*w_1), cos(x*w_1), ...]`. Frequencies are spaced geometrically
 * from a period of 2 cells down to a period of 2 `scale`s, the same for both axes: finer periods
 * would alias between neighbouring cells, coarser ones carry no information inside the grid.
 * `scale` is the grid's longer side, so a cell is the same size along x and y (the grid's cells
 * are square in the frame) and the slowest frequency still tells every location apart.
 *
 * @example
 * ```ts
 * const code = positionalCode(gridPoints(43, 24), 43, 64); // 1032 x 64
 * ```
 */
export function positionalCode(points: Float32Array, scale: number, dim: number): Float32Array {
  if (dim % 4 !== 0) throw new RangeError(`positional code dim must be a multiple of 4: ${dim}`);
  if (!(scale >= 1)) throw new RangeError(`positional code scale must be >= 1 cell: ${scale}`);
  const freqs = dim / 4;
  const maxOmega = Math.PI;
  const minOmega = (2 * Math.PI) / (2 * scale);
  const omegas = new Float64Array(freqs);
  for (let k = 0; k < freqs; k++) {
    const t = freqs === 1 ? 0 : k / (freqs - 1);
    omegas[k] = maxOmega * Math.pow(minOmega / maxOmega, t);
  }
  const n = points.length / 2;
  const out = new Float32Array(n * dim);
  const half = dim / 2;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i], y = points[2 * i + 1];
    const row = i * dim;
    for (let k = 0; k < freqs; k++) {
      out[row + 2 * k] = Math.sin(x * omegas[k]);
      out[row + 2 * k + 1] = Math.cos(x * omegas[k]);
      out[row + half + 2 * k] = Math.sin(y * omegas[k]);
      out[row + half + 2 * k + 1] = Math.cos(y * omegas[k]);
    }
  }
  return out;
}

/** The centres of a `width x height` lattice, row-major, as x, y pairs in cell units. */
export function gridPoints(width: number, height: number): Float32Array {
  const pts = new Float32Array(width * height * 2);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      pts[2 * (y * width + x)] = x;
      pts[2 * (y * width + x) + 1] = y;
    }
  }
  return pts;
}

/**
 * The centres of a `width x height` lattice laid over a `gridW x gridH` training grid, in
 * grid-cell units, row-major: the lattice covers the same rectangle as the grid (cell `i` spans
 * `[i - 0.5, i + 0.5]`), so a lattice of `k * gridW x k * gridH` puts `k x k` queries in every
 * cell, symmetric about its centre.
 */
export function latticePoints(
  width: number,
  height: number,
  gridW: number,
  gridH: number,
): Float32Array {
  const pts = new Float32Array(width * height * 2);
  const stepX = gridW / width, stepY = gridH / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      pts[2 * (y * width + x)] = (x + 0.5) * stepX - 0.5;
      pts[2 * (y * width + x) + 1] = (y + 0.5) * stepY - 0.5;
    }
  }
  return pts;
}

/**
 * For each point of a `width x height` lattice over a `gridW x gridH` grid, the grid cell (its
 * row-major index) it is in.
 */
export function latticeCells(
  width: number,
  height: number,
  gridW: number,
  gridH: number,
): Int32Array {
  const cells = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const cy = Math.min(gridH - 1, Math.floor(((y + 0.5) * gridH) / height));
    for (let x = 0; x < width; x++) {
      const cx = Math.min(gridW - 1, Math.floor(((x + 0.5) * gridW) / width));
      cells[y * width + x] = cy * gridW + cx;
    }
  }
  return cells;
}
