/**
 * Synthetic feature fields and label maps for the islands tests and benchmark.
 *
 * @module
 */

import type { FeatureField } from "../../src/islands/types.ts";
import { mulberry32 } from "../../src/util/mulberry32.ts";

/** Deterministic PRNG so every test sees the same field. */
export const seededRandom = mulberry32;

/** Standard normal sampler (Box-Muller) over `random`. */
export function gaussian(random: () => number): () => number {
  return () => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** `count` random unit vectors of `dim` values, packed one after another. */
export function randomDirections(count: number, dim: number, random: () => number): Float32Array {
  const normal = gaussian(random);
  const out = new Float32Array(count * dim);
  for (let c = 0; c < count; c++) {
    let ss = 0;
    for (let d = 0; d < dim; d++) {
      const v = normal();
      out[c * dim + d] = v;
      ss += v * v;
    }
    const inv = 1 / Math.sqrt(ss);
    for (let d = 0; d < dim; d++) out[c * dim + d] *= inv;
  }
  return out;
}

/** Options of {@linkcode plantedBlocks}. */
export interface PlantedBlocksOptions {
  width: number;
  height: number;
  dim: number;
  /** Blocks per side: the grid is cut into `blocks x blocks` rectangles. */
  blocks: number;
  /** Noise norm relative to the unit signal: each location gets `noise / sqrt(dim)` per value. */
  noise: number;
  seed: number;
  /** Added to every location before noise, to wash the field out (all distances small). */
  common?: number;
}

/** A field made of rectangular blocks, each a random direction, plus Gaussian noise. */
export function plantedBlocks(
  { width, height, dim, blocks, noise, seed, common = 0 }: PlantedBlocksOptions,
): { field: FeatureField; truth: Int32Array } {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const dirs = randomDirections(blocks * blocks, dim, random);
  const shared = randomDirections(1, dim, random);
  const data = new Float32Array(width * height * dim);
  const truth = new Int32Array(width * height);
  const sigma = noise / Math.sqrt(dim);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const b = Math.floor((y * blocks) / height) * blocks + Math.floor((x * blocks) / width);
      truth[i] = b;
      for (let d = 0; d < dim; d++) {
        data[i * dim + d] = dirs[b * dim + d] + common * shared[d] + sigma * normal();
      }
    }
  }
  return { field: { width, height, dim, data }, truth };
}

/** Number of distinct labels in `labels`. */
export function countLabels(labels: ArrayLike<number>): number {
  return new Set(Array.from(labels)).size;
}

/** A field whose locations with equal `labels` share a random direction, plus Gaussian noise. */
export function fieldFromLabels(
  labels: ArrayLike<number>,
  width: number,
  height: number,
  { dim = 64, noise = 0.2, seed = 1 }: { dim?: number; noise?: number; seed?: number } = {},
): FeatureField {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  let count = 0;
  for (let i = 0; i < labels.length; i++) count = Math.max(count, labels[i] + 1);
  const dirs = randomDirections(count, dim, random);
  const data = new Float32Array(width * height * dim);
  const sigma = noise / Math.sqrt(dim);
  for (let i = 0; i < width * height; i++) {
    for (let d = 0; d < dim; d++) data[i * dim + d] = dirs[labels[i] * dim + d] + sigma * normal();
  }
  return { width, height, dim, data };
}

/** Set the rectangle `[x0, x1) x [y0, y1)` of a `width`-wide label map to `label`; returns the map. */
export function paintRect(
  labels: Int32Array,
  width: number,
  [x0, y0, x1, y1]: [number, number, number, number],
  label: number,
): Int32Array {
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) labels[y * width + x] = label;
  return labels;
}

/**
 * A field with no boundaries: the direction turns smoothly by a quarter circle across x
 * (weight `wx`) and across y (weight `wy`), plus Gaussian noise.
 */
export function gradientField(
  width: number,
  height: number,
  { dim = 192, noise = 0, seed = 1, wx = 1, wy = 0.5 }: {
    dim?: number;
    noise?: number;
    seed?: number;
    wx?: number;
    wy?: number;
  } = {},
): FeatureField {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const dirs = randomDirections(4, dim, random);
  const data = new Float32Array(width * height * dim);
  const sigma = noise / Math.sqrt(dim);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (Math.PI / 2) * x / Math.max(1, width - 1);
      const p = (Math.PI / 2) * y / Math.max(1, height - 1);
      const c = [wx * Math.cos(t), wx * Math.sin(t), wy * Math.cos(p), wy * Math.sin(p)];
      const o = (y * width + x) * dim;
      for (let d = 0; d < dim; d++) {
        let v = 0;
        for (let j = 0; j < 4; j++) v += c[j] * dirs[j * dim + d];
        data[o + d] = v + sigma * normal();
      }
    }
  }
  return { width, height, dim, data };
}

/** Mean cosine distance over 4-neighbour pairs `(i, j)` accepted by `keep`. */
export function meanNeighbourDistance(
  { width, height, dim, data }: FeatureField,
  keep: (i: number, j: number) => boolean,
): number {
  let sum = 0, count = 0;
  const visit = (i: number, j: number) => {
    if (!keep(i, j)) return;
    let dot = 0, na = 0, nb = 0;
    for (let d = 0; d < dim; d++) {
      const a = data[i * dim + d], b = data[j * dim + d];
      dot += a * b;
      na += a * a;
      nb += b * b;
    }
    sum += 1 - dot / Math.sqrt(na * nb);
    count++;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (x + 1 < width) visit(i, i + 1);
      if (y + 1 < height) visit(i, i + width);
    }
  }
  return sum / count;
}

/** Cosine similarity of two vectors of the same length. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return ab / Math.sqrt(aa * bb);
}
