// @ts-check
/**
 * Island colours shared by the browser client and the server's overlays: a fixed colour per
 * island id, so an island keeps its colour from frame to frame.
 *
 * Plain JS with JSDoc types so browsers load it unmodified.
 *
 * @module
 */

// Hue steps by the golden ratio: consecutive ids land at least ~137 degrees apart on the hue
// circle, and any run of ids spreads evenly. Saturation and lightness step by the two
// components of the plastic-number (R2) sequence, so ids whose hues happen to nearly coincide
// still differ in lightness or saturation.
const HUE_STEP = 0.6180339887498949;
const SAT_STEP = 0.7548776662466927;
const LIGHT_STEP = 0.5698402909980532;

/** @param {number} x */
function frac(x) {
  return x - Math.floor(x);
}

/**
 * HSL (each 0..1) to 8-bit RGB.
 *
 * @param {number} h
 * @param {number} s
 * @param {number} l
 * @returns {[number, number, number]}
 */
function hslToRgb(h, s, l) {
  const a = s * Math.min(l, 1 - l);
  /** @param {number} n */
  const channel = (n) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [channel(0), channel(8), channel(4)];
}

/**
 * The colour of island `id`: deterministic, saturated, mid lightness, and clearly different
 * from the colours of neighbouring ids.
 *
 * @param {number} id an island id (an integer; any sign).
 * @returns {[number, number, number]} `[r, g, b]`, each 0..255.
 */
export function islandColor(id) {
  const hue = frac(id * HUE_STEP);
  const saturation = 0.7 + 0.3 * frac(id * SAT_STEP);
  const lightness = 0.42 + 0.16 * frac(id * LIGHT_STEP);
  return hslToRgb(hue, saturation, lightness);
}
