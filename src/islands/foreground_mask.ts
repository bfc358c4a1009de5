/**
 * Foreground from surprise: which pixels show something the usual scene does not (see
 * `scene_model.ts`), cleaned into whole, solid regions.
 *
 * 1. Hysteresis, as Canny does for edges: pixels whose smoothed surprise is above `high` seed
 *    regions that grow over pixels whose raw surprise is above `low` (so noise seeds nothing,
 *    and outlines are as sharp as the frame). A faint part of a person (a shirt close to the
 *    wall behind) is kept when it touches a clearly surprising part; faint noise alone is not.
 *    Where noise swamps the raw surprise (the scene model's `noisy` pixels: night), the smoothed
 *    surprise above `low`, less the pixel it spreads past an outline, stands in for it.
 * 2. Temporal prior: where the previous frame had foreground (grown by `priorGrowth` pixels to
 *    cover the motion since), `priorHigh` (below `high`) is enough to seed, and on the noisy
 *    pixels of a noisy frame `priorLow` (below `low`) is enough to grow over. A person who stops
 *    or who crosses a patch of their own colour stays whole, and at night keeps the faint parts
 *    found before. The APM's feature surprise, where high, lowers the seeding threshold too.
 * 3. Cast shadows (darker, with the usual chromaticity) are no foreground: regions are grown
 *    around them, so a shadow neither joins two things nor drags a ghost along. A region that
 *    is largely "shadow" (over 40%) is something dark and grey instead (fog greys everything):
 *    it is kept whole, grown over its shadow pixels.
 * 4. An opening removes specks (snowflakes, sparkle), a closing joins parts of one thing split
 *    by a thin gap; the caller's `refine` (the scene model's `explainNearby`) may clear pixels;
 *    holes are filled, and components under `minArea` pixels are dropped.
 *
 * @module
 */

import { components, dilate, erode, fillHoles } from "./_mask_ops.ts";
import type { SceneObservation } from "./scene_model.ts";

/** A hole is filled when it is at most this share of the region around it. */
const MAX_HOLE_SHARE = 0.25;
/**
 * Shadow pixels are cut off a region when they are at most this share of it; a region more
 * "shadow" than this is something dark and grey, kept whole. Chosen on the tuning sequence
 * (clear, fog, snow): 0.3 and below cut real objects in clear weather, 0.5 cut objects that fog
 * greys (about half of a fogged person's pixels pass the shadow test), 0.4 kept both.
 */
const SHADOW_SHARE = 0.4;

/**
 * A frame is noisy (night) when at least this share of its pixels is: daylight frames of the
 * semi-real sequences have 1-33% (dark patches), night 3 has 94-100%.
 */
const NOISY_FRAME = 0.5;

/** Options of {@linkcode foregroundMask}. */
export interface ForegroundOptions {
  /** Smoothed surprise that seeds a region. @default {1} */
  high?: number;
  /** Raw surprise a region grows over. @default {0.7} */
  low?: number;
  /** Leave cast shadows out of the foreground. @default {true} */
  shadows?: boolean;
  /** Pixels the previous foreground is grown by to make the prior. @default {2} */
  priorGrowth?: number;
  /** Smoothed surprise that seeds a region inside the prior. @default {0.7} */
  priorHigh?: number;
  /**
   * Raw surprise a region grows over inside the prior, on the scene model's `noisy` pixels of a
   * frame that is mostly noisy (night). Chosen on the tuning sequence at night (0.7, 0.5,
   * 0.35: id switches 10.7, 13.3, 8.0 per 100 frames, mIoU unchanged).
   *
   * @default {0.35}
   */
  priorLow?: number;
  /** Radius of the opening (specks smaller than `2r+1` go). @default {1} */
  openRadius?: number;
  /** Radius of the closing (gaps narrower than about `2r+1` close). @default {1} */
  closeRadius?: number;
  /** Smallest component kept, in pixels. @default {minForegroundArea(width, height)} */
  minArea?: number;
  /** Largest hole filled, as a share of the frame. @default {0.01} */
  maxHole?: number;
  /**
   * Where the APM's feature surprise (`featureSurprise`, per pixel, in units of its frame
   * median) is at least this, the smoothed pixel surprise needed to seed falls to
   * `featureRelief * high`: two weak, independent signs of a thing (colour, texture) add up.
   *
   * @default {4}
   */
  featureLevel?: number;
  /** See {@linkcode ForegroundOptions.featureLevel}. @default {0.6} */
  featureRelief?: number;
}

/** Foreground of one frame: a 0/1 mask and its 8-connected components. */
export interface Foreground {
  /** 1 where foreground, per pixel. */
  mask: Uint8Array;
  /** Component of each pixel, `1..count`; 0 is background. */
  labels: Int32Array;
  count: number;
  /** Area of component `k` at index `k` (index 0 unused). */
  areas: number[];
  /**
   * The regions the components were cut from (before cast shadows were cut off), per pixel
   * (0: none): a component lies (almost) wholly in one region, and a region may hold several
   * components that its shadow pixels joined.
   */
  regions: Int32Array;
}

/**
 * Default smallest foreground component: 0.08% of the frame (92 px at 384 x 288, a pedestrian
 * there is ~600), and at least 16 pixels.
 */
export function minForegroundArea(width: number, height: number): number {
  return Math.max(16, Math.round(0.0008 * width * height));
}

/**
 * The foreground of a frame observed by a `SceneModel`; `prior` is the previous frame's
 * foreground mask (or null).
 *
 * @example
 * ```ts
 * import { foregroundMask } from "./foreground_mask.ts";
 * const surprise = new Float32Array(100);
 * for (let y = 3; y < 7; y++) for (let x = 3; x < 7; x++) surprise[y * 10 + x] = 5;
 * const fg = foregroundMask(
 *   { surprise, smoothSurprise: surprise, noisy: new Uint8Array(100), shadow: new Uint8Array(100),
 *     whitish: new Uint8Array(100),
 *     threshold: new Float32Array(100).fill(10),
 *     white: 0,
 *     contrast: 30, },
 *   10,
 *   10,
 *   null,
 *   { minArea: 4 },
 * );
 * fg.count; // 1
 * ```
 */
export function foregroundMask(
  observation: SceneObservation,
  width: number,
  height: number,
  prior: Uint8Array | null,
  options: ForegroundOptions = {},
  featureSurprise: Float32Array | null = null,
  refine: ((mask: Uint8Array) => void) | null = null,
): Foreground {
  const n = width * height;
  const { surprise, smoothSurprise, shadow, noisy } = observation;
  if (
    surprise.length !== n || smoothSurprise.length !== n || shadow.length !== n ||
    noisy.length !== n ||
    (prior && prior.length !== n) || (featureSurprise && featureSurprise.length !== n)
  ) {
    throw new RangeError(`foregroundMask: maps must have ${width}x${height} entries`);
  }
  const {
    high = 1,
    low = 0.7,
    shadows = true,
    priorGrowth = 2,
    priorHigh = 0.7,
    priorLow = 0.35,
    openRadius = 1,
    closeRadius = 1,
    minArea = minForegroundArea(width, height),
    maxHole = 0.01,
    featureLevel = 4,
    featureRelief = 0.6,
  } = options;
  const near = prior ? dilate(prior, width, height, priorGrowth) : null;
  // Hysteresis in time where noise swamps the raw test across the frame (night), not in the
  // dark patches of a daylight frame (where it kept cast shadows: clear -0.01).
  let noisyCount = 0;
  for (let i = 0; i < n; i++) noisyCount += noisy[i];
  const lowInPrior = noisyCount >= NOISY_FRAME * n ? priorLow : low;
  // Smoothed surprise spreads an object's contrast one pixel beyond its outline; eroded by that
  // pixel it marks interiors that noise hides from the raw test (night, sensor noise). Where the
  // noise swamps the raw test altogether, it marks them down to `low`, as the raw test would.
  const smoothly = new Uint8Array(n);
  for (let i = 0; i < n; i++) smoothly[i] = smoothSurprise[i] > (noisy[i] ? low : high) ? 1 : 0;
  const interior = erode(smoothly, width, height, 1);
  const candidate = new Uint8Array(n);
  const seed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const smooth = smoothSurprise[i];
    // Outlines follow the raw surprise (sharp), interiors may follow the smoothed one. Where
    // noise hides a thing's faint parts from the raw test, what was foreground a frame ago
    // needs less to stay so: hysteresis in time, as `low` is in space.
    const grows = near !== null && near[i] === 1 && noisy[i] ? lowInPrior : low;
    if (surprise[i] <= grows && !interior[i]) continue;
    candidate[i] = 1;
    const seedAt = featureSurprise !== null && featureSurprise[i] >= featureLevel
      ? featureRelief * high
      : high;
    if (smooth > seedAt || (near !== null && near[i] === 1 && smooth > priorHigh)) seed[i] = 1;
  }
  const clean = (m: Uint8Array) =>
    erode(
      dilate(
        dilate(erode(m, width, height, openRadius), width, height, openRadius),
        width,
        height,
        closeRadius,
      ),
      width,
      height,
      closeRadius,
    );
  // With shadows: regions grown over everything surprising; without: over all but shadows.
  let mask = clean(grow(candidate, seed, null, width, height));
  let found = components(mask, width, height);
  const regions = found.labels;
  if (shadows) {
    // A region that is largely "shadow" is something dark and grey (fog makes everything so),
    // not a shadow: it keeps its shadow pixels. Elsewhere the regions grown without shadows
    // count, so a shadow neither joins things nor drags a ghost along with an object.
    const dark = new Float64Array(found.count + 1);
    for (let i = 0; i < n; i++) if (shadow[i] && found.labels[i]) dark[found.labels[i]]++;
    const lit = clean(grow(candidate, seed, shadow, width, height));
    let changed = false;
    for (let i = 0; i < n; i++) {
      const k = found.labels[i];
      if (k && dark[k] > SHADOW_SHARE * found.areas[k]) continue;
      if (mask[i] !== lit[i]) {
        mask[i] = lit[i];
        changed = true;
      }
    }
    if (changed) found = components(mask, width, height);
  }
  if (refine) {
    refine(mask);
    mask = clean(mask);
    found = components(mask, width, height);
  }
  fillHoles(
    mask,
    found.labels,
    found.areas,
    width,
    height,
    Math.round(maxHole * n),
    MAX_HOLE_SHARE,
  );
  // Drop small components and renumber the rest.
  const keep = new Int32Array(found.count + 1);
  const areas = [0];
  for (let k = 1; k <= found.count; k++) {
    if (found.areas[k] >= minArea) {
      keep[k] = areas.length;
      areas.push(found.areas[k]);
    }
  }
  const labels = found.labels;
  for (let i = 0; i < n; i++) {
    const k = keep[labels[i]];
    labels[i] = k;
    mask[i] = k > 0 ? 1 : 0;
  }
  return { mask, labels, count: areas.length - 1, areas, regions };
}

/** Seeds grown over candidates (8-connected), never onto `barrier` pixels (when given). */
function grow(
  candidate: Uint8Array,
  seed: Uint8Array,
  barrier: Uint8Array | null,
  width: number,
  height: number,
): Uint8Array {
  const n = width * height;
  const mask = new Uint8Array(n);
  const stack = new Int32Array(n);
  let top = 0;
  for (let i = 0; i < n; i++) {
    if (seed[i] && !(barrier && barrier[i])) {
      mask[i] = 1;
      stack[top++] = i;
    }
  }
  while (top > 0) {
    const i = stack[--top];
    const x = i % width, y = (i - x) / width;
    for (let dy = -1; dy <= 1; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if (xx < 0 || xx >= width) continue;
        const j = yy * width + xx;
        if (candidate[j] && !mask[j] && !(barrier && barrier[j])) {
          mask[j] = 1;
          stack[top++] = j;
        }
      }
    }
  }
  return mask;
}
