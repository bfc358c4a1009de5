/**
 * A small seeded PRNG (mulberry32): the same sequence on every platform, for everything that
 * must be reproducible from a seed (the synthetic scene, the APM's location sampling, tests).
 *
 * @module
 */

/**
 * Returns a generator of floats in [0, 1) from a 32-bit `seed`.
 *
 * @example
 * ```ts
 * const rand = mulberry32(1);
 * rand(); // the same first value on every run
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
