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
 * from a period of 4 cells down to a period of 2 grid widths: finer periods would alias between
 * neighbouring cells, coarser ones carry no information inside the grid.
 *
 * @example
 * ```ts
 * const code = positionalCode(gridPoints(32, 32), 32, 64); // 1024 x 64
 * ```
 */
export function positionalCode(points: Float32Array, grid: number, dim: number): Float32Array {
  if (dim % 4 !== 0) throw new RangeError(`positional code dim must be a multiple of 4: ${dim}`);
  const freqs = dim / 4;
  const maxOmega = Math.PI;
  const minOmega = (2 * Math.PI) / (2 * grid);
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
 * The centres of a `side x side` lattice laid over a `grid x grid` training grid, in grid-cell
 * units, row-major: the lattice covers the same square as the grid (cell `i` spans
 * `[i - 0.5, i + 0.5]`), so a lattice of side `k * grid` puts `k x k` queries in every cell,
 * symmetric about its centre.
 */
export function latticePoints(side: number, grid: number): Float32Array {
  const pts = new Float32Array(side * side * 2);
  const step = grid / side;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      pts[2 * (y * side + x)] = (x + 0.5) * step - 0.5;
      pts[2 * (y * side + x) + 1] = (y + 0.5) * step - 0.5;
    }
  }
  return pts;
}

/** For each point of a `side x side` lattice over a `grid x grid` grid, the grid cell it is in. */
export function latticeCells(side: number, grid: number): Int32Array {
  const cells = new Int32Array(side * side);
  for (let y = 0; y < side; y++) {
    const cy = Math.min(grid - 1, Math.floor(((y + 0.5) * grid) / side));
    for (let x = 0; x < side; x++) {
      cells[y * side + x] = cy * grid + Math.min(grid - 1, Math.floor(((x + 0.5) * grid) / side));
    }
  }
  return cells;
}
