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
  if (radius === 1 && width > 1 && height > 1) {
    boxFilter3(src, out, scratch, width, height, channels);
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

/**
 * The 3 x 3 case, the one every frame uses: three taps a pass, no running sums (about twice as
 * fast at 640 x 360). Same clamped window: edge rows and columns average two taps.
 */
function boxFilter3(
  src: Float32Array,
  out: Float32Array,
  scratch: Float32Array,
  width: number,
  height: number,
  c: number,
): void {
  const stride = width * c;
  const third = 1 / 3;
  for (let y = 0; y < height; y++) {
    const o = y * stride;
    for (let ch = 0; ch < c; ch++) {
      const first = o + ch, last = o + stride - c + ch;
      scratch[first] = (src[first] + src[first + c]) * 0.5;
      for (let i = first + c; i < last; i += c) {
        scratch[i] = (src[i - c] + src[i] + src[i + c]) * third;
      }
      scratch[last] = (src[last - c] + src[last]) * 0.5;
    }
  }
  for (let i = 0; i < stride; i++) out[i] = (scratch[i] + scratch[i + stride]) * 0.5;
  for (let y = 1; y < height - 1; y++) {
    const o = y * stride;
    for (let i = o; i < o + stride; i++) {
      out[i] = (scratch[i - stride] + scratch[i] + scratch[i + stride]) * third;
    }
  }
  const o = (height - 1) * stride;
  for (let i = o; i < o + stride; i++) out[i] = (scratch[i - stride] + scratch[i]) * 0.5;
}
