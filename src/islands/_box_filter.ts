/**
 * Separable box filter on planar float images: the mean over a `(2r+1)^2` window, clamped at the
 * edges (the window shrinks there). O(pixels) per pass whatever the radius.
 *
 * @module
 */

/**
 * Box-filters `channels` interleaved channels of a `width x height` image into `out` (which may
 * not alias `src`). `scratch` must hold `width * height * channels` values.
 */
export function boxFilter(
  src: Float32Array,
  out: Float32Array,
  scratch: Float32Array,
  width: number,
  height: number,
  channels: number,
  radius: number,
): void {
  if (radius <= 0) {
    out.set(src);
    return;
  }
  const c = channels;
  // Horizontal pass: src -> scratch.
  for (let y = 0; y < height; y++) {
    const row = y * width * c;
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      let count = 0;
      for (let x = 0; x <= Math.min(radius, width - 1); x++) {
        sum += src[row + x * c + ch];
        count++;
      }
      for (let x = 0; x < width; x++) {
        scratch[row + x * c + ch] = sum / count;
        const add = x + radius + 1, drop = x - radius;
        if (add < width) {
          sum += src[row + add * c + ch];
          count++;
        }
        if (drop >= 0) {
          sum -= src[row + drop * c + ch];
          count--;
        }
      }
    }
  }
  // Vertical pass: scratch -> out, row by row with running column sums (cache-friendly).
  const stride = width * c;
  const sums = new Float64Array(stride);
  let count = 0;
  for (let y = 0; y <= Math.min(radius, height - 1); y++) {
    for (let i = 0; i < stride; i++) sums[i] += scratch[y * stride + i];
    count++;
  }
  for (let y = 0; y < height; y++) {
    const o = y * stride;
    const inv = 1 / count;
    for (let i = 0; i < stride; i++) out[o + i] = sums[i] * inv;
    const add = y + radius + 1, drop = y - radius;
    if (add < height) {
      for (let i = 0; i < stride; i++) sums[i] += scratch[add * stride + i];
      count++;
    }
    if (drop >= 0) {
      for (let i = 0; i < stride; i++) sums[i] -= scratch[drop * stride + i];
      count--;
    }
  }
}
