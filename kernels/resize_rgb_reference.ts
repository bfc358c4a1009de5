/**
 * Frame preprocessing in plain TypeScript: a packed `rgb24` frame resized by area averaging to
 * float32 `[outH, outW, 3]` in `[0, 1]`. This is the reference the WebGPU kernel
 * (`resize_rgb_webgpu.ts`) is tested against, and the path the engine takes on wasm and cpu.
 *
 * Semantics (shared with the WGSL kernel): output pixel `(ox, oy)` covers the source rectangle
 * `[ox * w / outW, (ox + 1) * w / outW) x [oy * h / outH, (oy + 1) * h / outH)` and is the mean
 * of the source pixels weighted by how much of each one that rectangle covers. When `w / outW`
 * and `h / outH` are integers this is exactly average pooling (224 -> 32 is a 7x7 box); equal
 * sizes give the identity `byte / 255`. Coverage is computed in integer units of
 * `1 / (outW * outH)` of a pixel, so it is exact for every size pair.
 *
 * @module
 */

/**
 * The largest source frame (in pixels) whose weighted sums fit in an unsigned 32-bit integer,
 * the accumulator the WebGPU kernel uses: `w * h * 255 < 2^32` (about 16.8 Mpx; 4K is 8.3 Mpx).
 */
export const MAX_SOURCE_PIXELS = Math.floor(0xffffffff / 255);

/**
 * Checks the arguments every implementation of the resize shares, and throws a `RangeError`
 * that says which one is wrong.
 *
 * @example
 * ```ts
 * checkResizeArgs(new Uint8Array(12), 2, 2, 1, 1); // ok
 * ```
 */
export function checkResizeArgs(
  frame: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): void {
  for (const [name, v] of [["w", w], ["h", h], ["outW", outW], ["outH", outH]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new RangeError(`resizeRgb: ${name} must be a positive integer, got ${v}`);
    }
  }
  if (frame.length !== w * h * 3) {
    throw new RangeError(
      `resizeRgb: frame has ${frame.length} bytes, expected w * h * 3 = ${w * h * 3} (rgb24)`,
    );
  }
  if (w * h > MAX_SOURCE_PIXELS) {
    throw new RangeError(
      `resizeRgb: ${w}x${h} has more than ${MAX_SOURCE_PIXELS} pixels; downscale it first`,
    );
  }
}

/**
 * Resizes a packed `rgb24` frame (`w * h * 3` bytes, row-major) by area averaging and returns
 * float32 `[outH, outW, 3]` values in `[0, 1]`.
 *
 * @example
 * ```ts
 * // A 2x2 frame averaged into one pixel.
 * const px = resizeRgbReference(new Uint8Array([0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255]), 2, 2, 1, 1);
 * // px = [0.5, 0.5, 0.25]
 * ```
 */
export function resizeRgbReference(
  frame: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): Float32Array {
  checkResizeArgs(frame, w, h, outW, outH);
  const out = new Float32Array(outW * outH * 3);
  const denom = w * h * 255;
  for (let oy = 0; oy < outH; oy++) {
    // The output row's span in units of 1/outH source rows: [y0, y1).
    const y0 = oy * h;
    const y1 = y0 + h;
    const iy0 = Math.floor(y0 / outH);
    const iy1 = Math.ceil(y1 / outH);
    for (let ox = 0; ox < outW; ox++) {
      const x0 = ox * w;
      const x1 = x0 + w;
      const ix0 = Math.floor(x0 / outW);
      const ix1 = Math.ceil(x1 / outW);
      let r = 0, g = 0, b = 0;
      for (let iy = iy0; iy < iy1; iy++) {
        const wy = Math.min((iy + 1) * outH, y1) - Math.max(iy * outH, y0);
        let rr = 0, rg = 0, rb = 0;
        for (let ix = ix0; ix < ix1; ix++) {
          const wx = Math.min((ix + 1) * outW, x1) - Math.max(ix * outW, x0);
          const s = (iy * w + ix) * 3;
          rr += wx * frame[s];
          rg += wx * frame[s + 1];
          rb += wx * frame[s + 2];
        }
        r += wy * rr;
        g += wy * rg;
        b += wy * rb;
      }
      const o = (oy * outW + ox) * 3;
      out[o] = r / denom;
      out[o + 1] = g / denom;
      out[o + 2] = b / denom;
    }
  }
  return out;
}
