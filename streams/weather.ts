/**
 * Synthetic weather and sensor corruptions for decoded frames, so that the perception engine can
 * be tested against bad conditions without waiting for them. Modelled on ImageNet-C (Hendrycks &
 * Dietterich 2019, "Benchmarking Neural Network Robustness to Common Corruptions and
 * Perturbations"): every kind has severities 1 to 5 with ImageNet-C's parameters where it defines
 * the kind (fog, snow, gaussian_noise, motion_blur) and parameters of our own where it does not
 * (rain, night).
 *
 * Severity may be fractional in [0, 5]: parameters are interpolated linearly between the levels,
 * and level 0 is the identity, so a schedule can ramp a corruption in smoothly. ImageNet-C's
 * parameters are in pixels of a 224x224 image; here every spatial parameter (fog feature size,
 * flake size, streak length, blur length) is scaled by `min(width, height) / 224`, so a
 * corruption looks the same at any resolution.
 *
 * Everything is seeded: the same frame, kind, severity, seed and frame index give the same bytes.
 * Animated kinds (snow, rain, gaussian_noise, night) change with the frame index; fog and
 * motion_blur depend only on the seed. Gaussian samples come from a fixed table of normals
 * indexed by a per-frame xorshift stream rather than per-pixel `Math.random`, to keep a
 * 640x480 frame within a few milliseconds.
 *
 * @module
 */

import { mulberry32 } from "../src/util/mulberry32.ts";

/** A corruption `applyWeather` can apply; `clear` is the identity. */
export type WeatherKind =
  | "clear"
  | "fog"
  | "snow"
  | "rain"
  | "night"
  | "gaussian_noise"
  | "motion_blur";

/** Every {@linkcode WeatherKind}, `clear` first. */
export const WEATHER_KINDS: readonly WeatherKind[] = [
  "clear",
  "fog",
  "snow",
  "rain",
  "night",
  "gaussian_noise",
  "motion_blur",
];

/** Highest severity; severities are in `[0, MAX_SEVERITY]`. */
export const MAX_SEVERITY = 5;

/** Options for {@linkcode applyWeather}. */
export interface WeatherOptions {
  /** Seed of every random choice (fog field, flake layout, streak angle, noise). Default 1. */
  seed?: number;
  /** Index of the frame in its stream; animated kinds change with it. Default 0. */
  frameIndex?: number;
}

/**
 * Returns a new rgb24 frame: `frame` (`width * height * 3` bytes) corrupted by `kind` at
 * `severity` (0 to 5, fractional allowed; 0 returns an unchanged copy). Pure and deterministic.
 *
 * @example
 * ```ts
 * const grey = new Uint8Array(224 * 224 * 3).fill(128);
 * const foggy = applyWeather(grey, 224, 224, "fog", 3, { seed: 7 });
 * const noisy = applyWeather(grey, 224, 224, "gaussian_noise", 2.5, { frameIndex: 12 });
 * foggy.length === grey.length; // true
 * ```
 */
export function applyWeather(
  frame: Uint8Array,
  width: number,
  height: number,
  kind: WeatherKind,
  severity: number,
  { seed = 1, frameIndex = 0 }: WeatherOptions = {},
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`width and height must be positive integers, got ${width}x${height}`);
  }
  if (frame.length !== width * height * 3) {
    throw new RangeError(
      `frame must hold width * height * 3 = ${
        width * height * 3
      } bytes (rgb24), got ${frame.length}`,
    );
  }
  if (!(severity >= 0 && severity <= MAX_SEVERITY)) {
    throw new RangeError(`severity must be in [0, ${MAX_SEVERITY}], got ${severity}`);
  }
  if (!Number.isInteger(frameIndex) || frameIndex < 0) {
    throw new RangeError(`frameIndex must be a non-negative integer, got ${frameIndex}`);
  }
  if (!WEATHER_KINDS.includes(kind)) {
    throw new RangeError(`unknown weather kind "${kind}"; use one of ${WEATHER_KINDS.join(", ")}`);
  }
  if (severity === 0 || kind === "clear") return frame.slice();
  const out = new Uint8Array(frame.length);
  // Writes through a clamped view round and clamp floats to 0..255 natively.
  const dst = new Uint8ClampedArray(out.buffer);
  const scale = Math.min(width, height) / 224;
  const s = seed >>> 0;
  switch (kind) {
    case "fog":
      fog(frame, dst, width, height, severity, s, scale);
      break;
    case "snow":
      snow(frame, dst, width, height, severity, s, frameIndex, scale);
      break;
    case "rain":
      rain(frame, dst, width, height, severity, s, frameIndex, scale);
      break;
    case "night":
      night(frame, dst, severity, s, frameIndex);
      break;
    case "gaussian_noise":
      gaussianNoise(frame, dst, severity, s, frameIndex);
      break;
    case "motion_blur":
      motionBlur(frame, dst, width, height, severity, s, scale);
      break;
  }
  return out;
}

/** ImageNet-C's gaussian_noise sigmas, on [0, 1] values, for severities 1 to 5. */
export const GAUSSIAN_NOISE_SIGMAS: readonly number[] = [0.08, 0.12, 0.18, 0.26, 0.38];

/**
 * Parameters at fractional severity `s`: row 0 is the identity, rows 1..5 the levels; values are
 * interpolated linearly between the two rows around `s`.
 */
function paramsAt(rows: readonly (readonly number[])[], s: number): number[] {
  const lo = Math.min(Math.floor(s), MAX_SEVERITY - 1);
  const f = s - lo;
  return rows[lo].map((a, i) => a + (rows[lo + 1][i] - a) * f);
}

/** A 32-bit hash of a few integers (murmur3's finalizer over a running mix). */
function hash(...xs: number[]): number {
  let h = 0x811c9dc5;
  for (const x of xs) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0 || 1;
}

let normalTable: Float32Array | undefined;

/** 65536 standard normals (mean 0, std 1 exactly), drawn once; indexed by random 16-bit keys. */
function normals(): Float32Array {
  if (normalTable) return normalTable;
  const n = 1 << 16;
  const t = new Float32Array(n);
  const rand = mulberry32(0x5eed1e55);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * rand();
    t[i] = r * Math.cos(a);
    t[i + 1] = r * Math.sin(a);
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += t[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (t[i] - mean) ** 2;
  const sd = Math.sqrt(v / n);
  for (let i = 0; i < n; i++) t[i] = (t[i] - mean) / sd;
  return (normalTable = t);
}

// ---------------------------------------------------------------- gaussian_noise

/** ImageNet-C: `clip(x + N(0, sigma))` on [0, 1] values. */
function gaussianNoise(
  src: Uint8Array,
  dst: Uint8ClampedArray,
  s: number,
  seed: number,
  frameIndex: number,
): void {
  const [sigma] = paramsAt([[0], ...GAUSSIAN_NOISE_SIGMAS.map((x) => [x])], s);
  const k = sigma * 255;
  const table = normals();
  let st = hash(seed, frameIndex, 1) | 0;
  for (let i = 0; i < src.length; i++) {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    dst[i] = src[i] + k * table[st >>> 16];
  }
}

// ---------------------------------------------------------------- night

/** Exposure (fraction of daylight photons) and read noise (electrons), severities 1 to 5. */
const NIGHT = [[1, 0], [0.45, 1.5], [0.28, 2.5], [0.16, 3.5], [0.09, 4.5], [0.05, 6]];
/** Photo-electrons a full-scale daylight pixel collects. */
const FULL_WELL = 1000;

/**
 * A low-light sensor: the linear signal is scaled by the exposure, photon shot noise (Poisson,
 * as a Gaussian of variance equal to the count) and read noise are added, the camera's gain
 * makes up part of the loss (`exposure^-0.4`), and the result is gamma-encoded again.
 */
function night(
  src: Uint8Array,
  dst: Uint8ClampedArray,
  s: number,
  seed: number,
  frameIndex: number,
): void {
  const [exposure, readNoise] = paramsAt(NIGHT, s);
  const gain = exposure ** -0.4;
  // Noise fades in with the first level, so that severity 0+ is continuous with the identity.
  const noiseScale = Math.min(1, s);
  const mean = new Float32Array(256);
  const sd = new Float32Array(256);
  for (let v = 0; v < 256; v++) {
    const lin = (v / 255) ** 2.2;
    const electrons = FULL_WELL * exposure * lin;
    mean[v] = gain * exposure * lin;
    sd[v] = noiseScale * gain * Math.sqrt(electrons + readNoise * readNoise) / FULL_WELL;
  }
  const ENC = 4096;
  const encode = new Float32Array(ENC + 1);
  for (let i = 0; i <= ENC; i++) encode[i] = 255 * (i / ENC) ** (1 / 2.2);
  const table = normals();
  let st = hash(seed, frameIndex, 2) | 0;
  for (let i = 0; i < src.length; i++) {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    const v = src[i];
    let lin = mean[v] + sd[v] * table[st >>> 16];
    lin = lin < 0 ? 0 : lin > 1 ? 1 : lin;
    dst[i] = encode[(lin * ENC + 0.5) | 0];
  }
}

// ---------------------------------------------------------------- fog

/** ImageNet-C fog: (haze strength, plasma wibble decay) for severities 1 to 5. */
const FOG = [[0, 2], [1.5, 2], [2, 2], [2.5, 1.7], [2.5, 1.5], [3, 1.4]];
const PLASMA_SIZE = 256;
const plasmaCache = new Map<string, Float32Array>();

/**
 * ImageNet-C fog: `clip((x + c0 * plasma) * max(x) / (max(x) + c0))`: a fractal haze is added
 * and the result rescaled, which raises the floor and lowers the contrast as c0 grows.
 */
function fog(
  src: Uint8Array,
  dst: Uint8ClampedArray,
  width: number,
  height: number,
  s: number,
  seed: number,
  scale: number,
): void {
  const [strength, decay] = paramsAt(FOG, s);
  const field = plasma(seed, decay);
  let max = 0;
  for (let i = 0; i < src.length; i++) if (src[i] > max) max = src[i];
  const maxV = max / 255;
  const k = maxV / (maxV + strength);
  const haze = 255 * strength * k;
  // The field is toroidal, so sampling it past its edge (frames wider than 224 * scale) wraps.
  const step = 1 / scale;
  const { x0, x1, fx } = columns(width, step, 0, PLASMA_SIZE);
  const N = PLASMA_SIZE;
  for (let y = 0, i = 0; y < height; y++) {
    const v = y * step;
    const vf = Math.floor(v);
    const fy = v - vf;
    const r0 = (vf & (N - 1)) * N;
    const r1 = ((vf + 1) & (N - 1)) * N;
    for (let x = 0; x < width; x++, i += 3) {
      const a = field[r0 + x0[x]] + (field[r0 + x1[x]] - field[r0 + x0[x]]) * fx[x];
      const b = field[r1 + x0[x]] + (field[r1 + x1[x]] - field[r1 + x0[x]]) * fx[x];
      const add = haze * (a + (b - a) * fy);
      dst[i] = src[i] * k + add;
      dst[i + 1] = src[i + 1] * k + add;
      dst[i + 2] = src[i + 2] * k + add;
    }
  }
}

/** Per-column bilinear sampling indices into a toroidal grid `n` wide, at `x * step + offset`. */
function columns(width: number, step: number, offset: number, n: number) {
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const fx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const u = x * step + offset;
    const uf = Math.floor(u);
    fx[x] = u - uf;
    x0[x] = ((uf % n) + n) % n;
    x1[x] = (x0[x] + 1) % n;
  }
  return { x0, x1, fx };
}

/**
 * ImageNet-C's plasma fractal: a toroidal diamond-square map, 256x256, normalised to [0, 1],
 * whose random displacement shrinks by `decay` at each halving of the step. The random numbers
 * are drawn in the same order whatever `decay` is, so the field changes smoothly with severity.
 */
function plasma(seed: number, decay: number): Float32Array {
  const key = `${seed}:${decay}`;
  const hit = plasmaCache.get(key);
  if (hit) return hit;
  const N = PLASMA_SIZE;
  const m = new Float64Array(N * N);
  const rand = mulberry32(hash(seed, 3));
  const M = N - 1;
  let wibble = 100;
  for (let step = N; step >= 2; step >>= 1) {
    const h = step >> 1;
    const jitter = () => wibble * wibble * (2 * rand() - 1);
    for (let y = 0; y < N; y += step) {
      for (let x = 0; x < N; x += step) {
        const y1 = (y + step) & M;
        const x1 = (x + step) & M;
        const sum = m[y * N + x] + m[y * N + x1] + m[y1 * N + x] + m[y1 * N + x1];
        m[(y + h) * N + x + h] = sum / 4 + jitter();
      }
    }
    for (let y = 0; y < N; y += step) {
      for (let x = 0; x < N; x += step) {
        const up = (y - h) & M;
        const sum1 = m[y * N + x] + m[y * N + ((x + step) & M)] + m[up * N + x + h] +
          m[(y + h) * N + x + h];
        m[y * N + x + h] = sum1 / 4 + jitter();
        const left = (x - h) & M;
        const sum2 = m[y * N + x] + m[((y + step) & M) * N + x] + m[(y + h) * N + left] +
          m[(y + h) * N + x + h];
        m[(y + h) * N + x] = sum2 / 4 + jitter();
      }
    }
    wibble /= decay;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < m.length; i++) {
    if (m[i] < lo) lo = m[i];
    if (m[i] > hi) hi = m[i];
  }
  const field = new Float32Array(N * N);
  const span = hi - lo || 1;
  for (let i = 0; i < m.length; i++) field[i] = (m[i] - lo) / span;
  // A ramp asks for a new decay every frame; keep the cache small.
  if (plasmaCache.size >= 8) plasmaCache.delete(plasmaCache.keys().next().value!);
  plasmaCache.set(key, field);
  return field;
}

// ---------------------------------------------------------------- snow

/**
 * ImageNet-C snow, severities 1 to 5: flake-noise mean and std, zoom (flake size, px), threshold,
 * motion-blur radius and sigma (px), and the weight kept by the original frame in the whitening.
 * One deviation: level 3 keeps 0.66 of the frame, not ImageNet-C's 0.7, because with 0.7 level 3
 * (fewer but bigger flakes) changes a frame less than level 2 does.
 */
const SNOW = [
  [0, 0.3, 3, 1.5, 10, 4, 1],
  [0.1, 0.3, 3, 0.5, 10, 4, 0.8],
  [0.2, 0.3, 2, 0.5, 12, 4, 0.7],
  [0.55, 0.3, 4, 0.9, 12, 8, 0.66],
  [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65],
  [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55],
];
const snowCache = new Map<string, { layer: Float32Array; dx: number; dy: number }>();
/** How far flakes fall per frame, in px of a 224 frame. */
const SNOW_FALL = 3;

/**
 * ImageNet-C snow: the frame is whitened (`c6 * x + (1 - c6) * max(x, 1.5 * grey + 0.5)`), then
 * a noise layer, zoomed (bilinear) so that a flake spans `zoom` px, thresholded and
 * motion-blurred into streaks, is added along with its 180-degree rotation. The layer is built
 * as ImageNet-C builds it, on a grid of 224-frame pixels (so it costs the same at any frame
 * size), and sampled bilinearly; it is toroidal so that it can fall through the frame as the
 * frame index grows.
 */
function snow(
  src: Uint8Array,
  dst: Uint8ClampedArray,
  width: number,
  height: number,
  s: number,
  seed: number,
  frameIndex: number,
  scale: number,
): void {
  const keep = paramsAt(SNOW, s)[6];
  // Layer grid: one cell per px of a 224 frame.
  const gw = Math.ceil(width / scale);
  const gh = Math.ceil(height / scale);
  const { layer, dx, dy } = snowLayer(seed, s, gw, gh);
  // Falling: the layer moves along (dx, dy); so does its rotated copy.
  const fall = frameIndex * SNOW_FALL;
  const step = 1 / scale;
  const a = columns(width, step, -fall * dx, gw);
  const b = columns(width, -step, gw / 2 + fall * dx, gw);
  for (let y = 0, i = 0; y < height; y++) {
    const va = y * step - fall * dy;
    const vb = gh / 2 - y * step + fall * dy;
    const vaf = Math.floor(va);
    const vbf = Math.floor(vb);
    const fya = va - vaf;
    const fyb = vb - vbf;
    const ra0 = (((vaf % gh) + gh) % gh) * gw;
    const ra1 = (((vaf + 1) % gh + gh) % gh) * gw;
    const rb0 = (((vbf % gh) + gh) % gh) * gw;
    const rb1 = (((vbf + 1) % gh + gh) % gh) * gw;
    for (let x = 0; x < width; x++, i += 3) {
      const p = layer[ra0 + a.x0[x]] + (layer[ra0 + a.x1[x]] - layer[ra0 + a.x0[x]]) * a.fx[x];
      const q = layer[ra1 + a.x0[x]] + (layer[ra1 + a.x1[x]] - layer[ra1 + a.x0[x]]) * a.fx[x];
      const u = layer[rb0 + b.x0[x]] + (layer[rb0 + b.x1[x]] - layer[rb0 + b.x0[x]]) * b.fx[x];
      const w = layer[rb1 + b.x0[x]] + (layer[rb1 + b.x1[x]] - layer[rb1 + b.x0[x]]) * b.fx[x];
      const flakes = 255 * (p + (q - p) * fya + u + (w - u) * fyb);
      const r = src[i];
      const g = src[i + 1];
      const bl = src[i + 2];
      const white = 1.5 * (0.299 * r + 0.587 * g + 0.114 * bl) + 127.5;
      dst[i] = keep * r + (1 - keep) * (r > white ? r : white) + flakes;
      dst[i + 1] = keep * g + (1 - keep) * (g > white ? g : white) + flakes;
      dst[i + 2] = keep * bl + (1 - keep) * (bl > white ? bl : white) + flakes;
    }
  }
}

/** The blurred snow layer, cached: a layer only changes with the seed, severity and size. */
function snowLayer(seed: number, s: number, gw: number, gh: number) {
  const key = `${seed}:${s}:${gw}:${gh}`;
  const hit = snowCache.get(key);
  if (hit) return hit;
  const [loc, sd, zoom, threshold, radius, sigma] = paramsAt(SNOW, s);
  // Noise grid: one sample per flake (zoom cells of the layer).
  const nw = Math.ceil(gw / zoom) + 1;
  const nh = Math.ceil(gh / zoom) + 1;
  const table = normals();
  let st = hash(seed, 4) | 0;
  const noise = new Float32Array(nw * nh);
  for (let i = 0; i < noise.length; i++) {
    st ^= st << 13;
    st ^= st >>> 17;
    st ^= st << 5;
    noise[i] = loc + sd * table[st >>> 16];
  }
  const raw = new Float32Array(gw * gh);
  const nc = columns(gw, 1 / zoom, 0, nw);
  for (let y = 0, i = 0; y < gh; y++) {
    const v = y / zoom;
    const r0 = Math.floor(v);
    const fy = v - r0;
    const o0 = r0 * nw;
    const o1 = (r0 + 1) * nw;
    for (let x = 0; x < gw; x++, i++) {
      const p = noise[o0 + nc.x0[x]] + (noise[o0 + nc.x1[x]] - noise[o0 + nc.x0[x]]) * nc.fx[x];
      const q = noise[o1 + nc.x0[x]] + (noise[o1 + nc.x1[x]] - noise[o1 + nc.x0[x]]) * nc.fx[x];
      const val = p + (q - p) * fy;
      raw[i] = val < threshold ? 0 : val > 1 ? 1 : val;
    }
  }
  // Streaks point along the fall direction, within 45 degrees of straight down.
  const angle = (mulberry32(hash(seed, 5))() - 0.5) * (Math.PI / 2);
  const dx = Math.sin(angle);
  const dy = Math.cos(angle);
  const entry = { layer: lineBlurToroidal(raw, gw, gh, dx, dy, radius, sigma), dx, dy };
  if (snowCache.size >= 8) snowCache.delete(snowCache.keys().next().value!);
  snowCache.set(key, entry);
  return entry;
}

/**
 * ImageNet-C's motion-blur kernel (one-sided: weights `exp(-d^2 / 2 sigma^2)` at distances
 * `d = 0 .. 2 * radius` along (dx, dy)) applied to a single-channel toroidal grid.
 */
function lineBlurToroidal(
  g: Float32Array,
  gw: number,
  gh: number,
  dx: number,
  dy: number,
  radius: number,
  sigma: number,
): Float32Array {
  const taps = lineTaps(dx, dy, radius, sigma, 32);
  const out = new Float32Array(g.length);
  for (const [ox, oy, wt] of taps) {
    // Source column x - ox, wrapped: columns [0, cut) read from the right end of the row.
    const sx = (((-ox) % gw) + gw) % gw;
    const cut = gw - sx;
    for (let y = 0; y < gh; y++) {
      const ro = y * gw;
      const rs = ((((y - oy) % gh) + gh) % gh) * gw;
      for (let x = 0; x < cut; x++) out[ro + x] += wt * g[rs + sx + x];
      for (let x = cut; x < gw; x++) out[ro + x] += wt * g[rs + x - cut];
    }
  }
  return out;
}

/**
 * Integer offsets and normalised weights of a one-sided Gaussian line kernel (ImageNet-C's
 * `_motion_blur`: `2 * radius + 1` taps, weight `exp(-d^2 / 2 sigma^2)` at distance d). Longer
 * kernels are subsampled to `maxTaps` evenly spaced taps to bound the cost on large frames.
 */
function lineTaps(
  dx: number,
  dy: number,
  radius: number,
  sigma: number,
  maxTaps: number,
): [number, number, number][] {
  const length = 2 * radius;
  const n = Math.max(1, Math.min(maxTaps, Math.round(length) + 1));
  const byOffset = new Map<string, [number, number, number]>();
  let total = 0;
  for (let j = 0; j < n; j++) {
    const d = n === 1 ? 0 : (j * length) / (n - 1);
    const wt = sigma > 0 ? Math.exp(-(d * d) / (2 * sigma * sigma)) : d === 0 ? 1 : 0;
    if (wt === 0) continue;
    const ox = Math.round(d * dx);
    const oy = Math.round(d * dy);
    const key = `${ox},${oy}`;
    const tap = byOffset.get(key);
    if (tap) tap[2] += wt;
    else byOffset.set(key, [ox, oy, wt]);
    total += wt;
  }
  const taps = [...byOffset.values()];
  for (const t of taps) t[2] /= total;
  return taps;
}

// ---------------------------------------------------------------- motion_blur

/** ImageNet-C motion_blur: (radius, sigma) in px of a 224 frame, severities 1 to 5. */
const MOTION_BLUR = [[0, 0], [10, 3], [15, 5], [15, 8], [15, 12], [20, 15]];

/** Steps of the staircase that stands for the motion-blur kernel's Gaussian profile. */
const BLUR_STEPS = 4;

/**
 * ImageNet-C motion blur: a one-sided Gaussian line kernel (weight `exp(-d^2 / 2 sigma^2)` at
 * distances d = 0 .. 2 * radius) at a seeded angle in [-45, 45] degrees, edges clamped.
 *
 * Done in O(1) per pixel whatever the length, so that long kernels on large frames stay live:
 * the frame is cut into sheared lanes (row `b + round(x * tan(angle))` at column x), each lane is
 * prefix-summed once, and the Gaussian profile is approximated by a staircase of
 * {@linkcode BLUR_STEPS} one-sided boxes, each read from the prefix sums with two lookups.
 */
function motionBlur(
  src: Uint8Array,
  dst: Uint8ClampedArray,
  width: number,
  height: number,
  s: number,
  seed: number,
  scale: number,
): void {
  const [radius, sigma] = paramsAt(MOTION_BLUR, s);
  const angle = (mulberry32(hash(seed, 6))() - 0.5) * (Math.PI / 2);
  const cos = Math.cos(angle);
  const tan = Math.tan(angle);
  // Lengths in column steps: one column step is 1 / cos px along the line.
  const n = Math.max(1, Math.round(2 * radius * scale * cos) + 1);
  const sg = sigma * scale * cos;
  const lens = new Int32Array(BLUR_STEPS);
  let total = 0;
  for (let k = 0; k < BLUR_STEPS; k++) {
    const level = (k + 0.5) / BLUR_STEPS;
    const reach = sg > 0 ? Math.floor(sg * Math.sqrt(-2 * Math.log(level))) + 1 : 1;
    lens[k] = Math.min(n, reach);
    total += lens[k];
  }
  const wt = 1 / total;
  const shift = new Int32Array(width);
  for (let x = 0; x < width; x++) shift[x] = Math.round(x * tan);
  const lo = Math.min(shift[0], shift[width - 1]);
  const hi = Math.max(shift[0], shift[width - 1]);
  const maxLen = lens[0];
  const prefix = new Float64Array((width + maxLen + 1) * 3);
  const row = width * 3;
  for (let b = -hi; b < height - lo; b++) {
    // Columns of this lane that lie in the frame: shift is monotone, so they are contiguous.
    let xs = 0;
    while (xs < width && (b + shift[xs] < 0 || b + shift[xs] >= height)) xs++;
    if (xs === width) continue;
    let xe = xs;
    while (xe < width && b + shift[xe] >= 0 && b + shift[xe] < height) xe++;
    const end = Math.min(width + maxLen, xe + maxLen);
    let r = 0;
    let g = 0;
    let bl = 0;
    for (let x = xs, p = 3; x < end; x++, p += 3) {
      const cx = x < width ? x : width - 1;
      const y = b + shift[cx];
      const q = (y < 0 ? 0 : y >= height ? height - 1 : y) * row + cx * 3;
      r += src[q];
      g += src[q + 1];
      bl += src[q + 2];
      prefix[p] = r;
      prefix[p + 1] = g;
      prefix[p + 2] = bl;
    }
    const last = (end - xs) * 3;
    for (let x = xs, p = 0; x < xe; x++, p += 3) {
      let sr = 0;
      let sgn = 0;
      let sb = 0;
      for (let k = 0; k < BLUR_STEPS; k++) {
        let e = p + lens[k] * 3;
        if (e > last) e = last;
        sr += prefix[e] - prefix[p];
        sgn += prefix[e + 1] - prefix[p + 1];
        sb += prefix[e + 2] - prefix[p + 2];
      }
      const o = (b + shift[x]) * row + x * 3;
      dst[o] = sr * wt;
      dst[o + 1] = sgn * wt;
      dst[o + 2] = sb * wt;
    }
  }
}

// ---------------------------------------------------------------- rain

/**
 * Rain (not in ImageNet-C), severities 1 to 5: drops per 224x224 area, streak length (px),
 * streak opacity, brightness factor, and the weight of the 4-neighbour mean in a slight blur.
 */
const RAIN = [
  [0, 8, 0.2, 1, 0],
  [60, 8, 0.2, 0.94, 0.1],
  [120, 10, 0.25, 0.88, 0.2],
  [200, 12, 0.3, 0.82, 0.3],
  [320, 14, 0.35, 0.76, 0.4],
  [480, 16, 0.4, 0.7, 0.5],
];
/** How far a drop falls per frame, in px of a 224 frame. */
const RAIN_FALL = 18;
/** Colour of a streak. */
const RAIN_COLOUR = [200, 205, 215];

/**
 * Rain: the frame is darkened and slightly blurred (wet lens, overcast sky), then thin bright
 * streaks at a seeded slant (within 20 degrees of vertical) are blended in. Drops keep their
 * place in the sequence across frames and fall with the frame index; more severe rain adds drops
 * to the end of the same sequence.
 */
function rain(
  src: Uint8Array,
  dst: Uint8ClampedArray,
  width: number,
  height: number,
  s: number,
  seed: number,
  frameIndex: number,
  scale: number,
): void {
  const [density, length, alpha, bright, blur] = paramsAt(RAIN, s);
  const row = width * 3;
  const keep = bright * (1 - blur);
  const near = (bright * blur) / 4;
  for (let y = 0, i = 0; y < height; y++) {
    const up = y > 0 ? -row : 0;
    const down = y < height - 1 ? row : 0;
    for (let x = 0; x < width; x++, i += 3) {
      const left = x > 0 ? -3 : 0;
      const right = x < width - 1 ? 3 : 0;
      for (let c = i; c < i + 3; c++) {
        dst[c] = keep * src[c] +
          near * (src[c + up] + src[c + down] + src[c + left] + src[c + right]);
      }
    }
  }
  const rand = mulberry32(hash(seed, 7));
  const slant = (rand() - 0.5) * 0.7;
  const sx = Math.sin(slant);
  const sy = Math.cos(slant);
  const drops = Math.round((density * width * height) / (224 * 224));
  const len = length * scale;
  const thick = Math.max(1, Math.round(scale));
  const travel = height + len;
  for (let d = 0; d < drops; d++) {
    const x0 = rand() * width;
    const y0 = rand() * travel;
    const speed = (0.75 + 0.5 * rand()) * RAIN_FALL * scale;
    const fade = alpha * (0.6 + 0.4 * rand());
    const along = (y0 + frameIndex * speed) % travel;
    // Head of the streak; it trails back up along the slant.
    const hx = x0 + along * sx / sy;
    const hy = along;
    for (let t = 0; t < len; t++) {
      const py = Math.round(hy - t * sy);
      if (py < 0 || py >= height) continue;
      const px0 = Math.round(hx - t * sx);
      for (let k = 0; k < thick; k++) {
        const px = (((px0 + k) % width) + width) % width;
        const p = (py * width + px) * 3;
        for (let c = 0; c < 3; c++) dst[p + c] = dst[p + c] * (1 - fade) + RAIN_COLOUR[c] * fade;
      }
    }
  }
}
