/**
 * Synthetic feature fields and label maps for the islands tests and benchmark.
 *
 * @module
 */

import type { FeatureField } from "../../src/islands/types.ts";

/** Deterministic PRNG (mulberry32) so every test sees the same field. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
