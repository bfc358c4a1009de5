/**
 * RGB image resizing: bilinear when enlarging, area averaging when shrinking, per axis.
 *
 * @module
 */

/**
 * One axis of a separable resampling kernel: output index `i` reads the `taps` source indices
 * `index[i * taps + k]` with weights `weights[i * taps + k]` (unused taps: weight 0 on a valid
 * index, so the inner loops need no bounds checks or branches).
 */
interface AxisKernel {
  taps: number;
  index: Int32Array;
  weights: Float32Array;
}

/**
 * Kernel for resampling `n` samples to `m`. Enlarging: bilinear with pixel centres aligned
 * (`src = (i + 0.5) * n / m - 0.5`, clamped at the borders). Shrinking: each output sample is
 * the mean of the source interval it covers, weighted by overlap, so nothing aliases and an
 * integer factor averages whole blocks exactly.
 */
function axisKernel(n: number, m: number): AxisKernel {
  const scale = n / m;
  const taps = m >= n ? 2 : Math.ceil(scale) + 1;
  const index = new Int32Array(m * taps);
  const weights = new Float32Array(m * taps);
  for (let i = 0; i < m; i++) {
    let s0: number;
    if (m >= n) {
      const src = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), n - 1);
      s0 = Math.floor(src);
      weights[i * taps] = 1 - (src - s0);
      weights[i * taps + 1] = src - s0;
    } else {
      const lo = i * scale, hi = (i + 1) * scale;
      s0 = Math.floor(lo);
      for (let k = 0; k < taps; k++) {
        const overlap = Math.min(hi, s0 + k + 1) - Math.max(lo, s0 + k);
        if (overlap > 0 && s0 + k < n) weights[i * taps + k] = overlap / scale;
      }
    }
    for (let k = 0; k < taps; k++) index[i * taps + k] = Math.min(s0 + k, n - 1);
  }
  return { taps, index, weights };
}

/**
 * Resize an 8-bit RGB image (`w * h * 3` bytes, row-major) to `outW x outH`. Separable: rows
 * first into a float buffer, then columns. Returns a new array (a copy when the size is equal).
 *
 * @throws {RangeError} if `rgb.length` is not `w * h * 3` or a size is not positive.
 */
export function resizeRgb(
  rgb: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): Uint8Array {
  for (const v of [w, h, outW, outH]) {
    if (!(Number.isInteger(v) && v > 0)) {
      throw new RangeError(`resizeRgb: sizes ${w}x${h} -> ${outW}x${outH} must be positive`);
    }
  }
  if (rgb.length !== w * h * 3) {
    throw new RangeError(`resizeRgb: ${rgb.length} bytes for a ${w}x${h} RGB image`);
  }
  if (w === outW && h === outH) return rgb.slice();

  const kx = axisKernel(w, outW), ky = axisKernel(h, outH);
  // Horizontal pass: h rows of outW pixels.
  const mid = new Float32Array(h * outW * 3);
  const { taps: tx, index: ix, weights: wx } = kx;
  for (let y = 0; y < h; y++) {
    const srcRow = y * w * 3;
    let o = y * outW * 3;
    for (let x = 0; x < outW; x++, o += 3) {
      const t0 = x * tx;
      let s = srcRow + ix[t0] * 3, wt = wx[t0];
      let r = wt * rgb[s], g = wt * rgb[s + 1], b = wt * rgb[s + 2];
      for (let t = t0 + 1; t < t0 + tx; t++) {
        s = srcRow + ix[t] * 3;
        wt = wx[t];
        r += wt * rgb[s];
        g += wt * rgb[s + 1];
        b += wt * rgb[s + 2];
      }
      mid[o] = r;
      mid[o + 1] = g;
      mid[o + 2] = b;
    }
  }
  // Vertical pass: whole rows at a time, so the inner loops run over contiguous memory. Both
  // kernels are convex (weights >= 0, summing to 1), so results stay within 0..255 and
  // rounding needs no clamp.
  const out = new Uint8Array(outW * outH * 3);
  const { taps: ty, index: iy, weights: wy } = ky;
  const rowLen = outW * 3;
  const acc = new Float32Array(rowLen);
  for (let y = 0; y < outH; y++) {
    const t0 = y * ty, o = y * rowLen;
    const s0 = iy[t0] * rowLen, w0 = wy[t0];
    if (ty === 2) {
      // Enlarging: one fused pass, the common case worth its own loop.
      const s1 = iy[t0 + 1] * rowLen, w1 = wy[t0 + 1];
      for (let i = 0; i < rowLen; i++) out[o + i] = (w0 * mid[s0 + i] + w1 * mid[s1 + i] + 0.5) | 0;
      continue;
    }
    for (let i = 0; i < rowLen; i++) acc[i] = w0 * mid[s0 + i];
    for (let t = t0 + 1; t < t0 + ty; t++) {
      const wt = wy[t], s = iy[t] * rowLen;
      if (wt !== 0) { for (let i = 0; i < rowLen; i++) acc[i] += wt * mid[s + i]; }
    }
    for (let i = 0; i < rowLen; i++) out[o + i] = (acc[i] + 0.5) | 0;
  }
  return out;
}
