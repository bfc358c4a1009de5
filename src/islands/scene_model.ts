/**
 * The scene's usual appearance, learnt pixel by pixel from the stream itself: what a static
 * camera shows when nothing moves, and how much each pixel ordinarily varies. What a frame shows
 * that the model does not expect is *surprise*: things that moved in, changed or stopped.
 *
 * It is built to hold up where per-pixel background subtraction (MOG2) falls apart:
 * - **Weather and light.** Before a frame is compared, the usual scene is mapped onto the
 *   frame's current photometry by a smooth, block-wise affine fit (gain and offset per colour
 *   channel and block, interpolated between block centres, fitted on last frame's background).
 *   Fog (`k * x + haze`), exposure changes, night gain and a cloud's shade are such maps, so
 *   they are explained away at once, while the model itself follows them at its learning rate.
 * - **Contrast.** A pixel is surprising past the larger of its noise (times `noiseFactor`) and
 *   a multiple (`contrastFactor`) of the *scene's running texture contrast*: how far luminance
 *   strays from its 7 x 7 neighbourhood's mean. Fog cuts the scene's texture and a person's
 *   contrast against it alike, so the threshold falls with it; an absolute floor (MOG2's
 *   minimum variance) stops firing instead. Texture, not the spread of luminance over a block:
 *   a smooth haze, a sky gradient or vignetting adds spread but no texture (fog 3 raised the
 *   blocks' spread 1.4-fold on our sequences while it cut their texture 3-fold).
 * - **Outliers.** Every statistic is a median: noise is tracked per pixel as the running median
 *   of its residual and per block as the median over the block; texture contrast is the median
 *   per block, then the median over blocks. Snowflakes, rain, passers-by and specular glints
 *   are a minority of samples, so they do not inflate the threshold and hide everything else.
 * - **Snow and rain.** While it snows or rains (the caller says so), what a passing flake or
 *   streak whitens (a pixel whiter than usual in every channel for at most `FLAKE_FRAMES`
 *   frames in a row) is taken out of the residual and is no sample at all: not of the usual
 *   colour (a running mean would turn as white as the average flake, every pixel between flakes
 *   would look darker than usual, and the threshold would double), nor of the noise, the fit or
 *   the block statistics. What stays whiter for longer (snow settling) is learnt.
 * - **Two scales.** Surprise is measured on the raw residual (sharp object outlines) and on its
 *   3 x 3 box average (noise cut about threefold, for night and sensor noise): detection seeds on
 *   the smoothed one, outlines follow the raw one (see `foreground_mask.ts`).
 *
 * Learning is selective: clearly surprising pixels the caller marks as foreground follow the
 * frame at `foregroundRate`, much slower than the background's `backgroundRate`, so a person
 * who stops is absorbed over tens of seconds, not at once; the faint fringe of the foreground is
 * learnt as background. The first frames are learnt at rate `1 / t` (a running mean).
 *
 * **Ghosts.** Something that crossed a pixel while the model was young (or that the usual scene
 * absorbed) leaves the usual colour wrong there after it left: the scene showing through is
 * then foreground, protected from learning, and stays so for a minute. A second, long-run
 * estimate of each pixel, an approximate running median of every frame (McFarlane and
 * Schofield's, steps of `ANCHOR_STEP` grey levels a frame, foreground included), is hardly moved
 * by anything that passes or stops for seconds. A foreground pixel that this long-run scene
 * explains, and explains much better than the usual one, is the scene itself: it is learnt at
 * `GHOST_RATE`, and the ghost heals within a second or two (`ghosts: false` turns this off).
 *
 * @module
 */

import { boxFilter } from "./_box_filter.ts";

/** Options of {@linkcode SceneModel}. */
export interface SceneModelOptions {
  /**
   * Share of the frame a background pixel's usual value moves toward each frame: a time
   * constant of `1 / backgroundRate` frames (5 s at 10 fps by default).
   *
   * @default {0.02}
   */
  backgroundRate?: number;
  /**
   * The same for clearly surprising foreground: how fast something that stopped becomes part
   * of the scene (about 30 s at 10 fps by default).
   *
   * @default {0.0033}
   */
  foregroundRate?: number;
  /**
   * Blocks along the frame's long side for the photometric fit and the block statistics (the
   * short side follows the aspect).
   *
   * @default {6}
   */
  blocks?: number;
  /**
   * A pixel is surprising past `noiseFactor` times its noise (the running median of its
   * residual's norm, and at least its block's median)...
   *
   * @default {3}
   */
  noiseFactor?: number;
  /**
   * ... and past `contrastFactor` times the scene's running texture contrast (1.48 times the
   * median absolute difference between luminance and its 7 x 7 mean, per block over the
   * background, median over blocks, in grey levels).
   *
   * @default {1.2}
   */
  contrastFactor?: number;
  /**
   * Map the usual scene onto each frame's photometry before comparing (see the module doc);
   * false compares with the usual scene as it is.
   *
   * @default {true}
   */
  photometric?: boolean;
  /** Heal ghosts with the long-run scene (see the module doc). @default {true} */
  ghosts?: boolean;
}

/** What one frame shows against the usual scene. */
export interface SceneObservation {
  /**
   * Per pixel: the residual against the usual scene (after the photometric fit), in units of
   * the pixel's detection threshold; above 1 is surprising.
   */
  surprise: Float32Array;
  /** The same on the 3 x 3 box-averaged residual, against the averaged noise. */
  smoothSurprise: Float32Array;
  /**
   * Per pixel, 1 where its noise (times `noiseFactor`) is over three times the scene's running
   * spread of luminance: the raw residual cannot outline anything there (night, heavy sensor
   * noise), only the averaged one can.
   */
  noisy: Uint8Array;
  /**
   * Per pixel, 1 where the change could be a cast shadow: darker than usual by a plausible
   * factor, with the same chromaticity.
   */
  shadow: Uint8Array;
  /**
   * Per pixel, 1 where the frame is brighter than usual by about the same amount in every
   * channel: what snowflakes, rain streaks and glare add (and a white shirt over a dark wall).
   */
  whitish: Uint8Array;
  /** Share of the frame turned whiter than usual by more than a few grey levels. */
  white: number;
  /** Per pixel: the residual (grey levels) that makes a surprise of 1. */
  threshold: Float32Array;
  /** The scene's running texture contrast (grey levels) the threshold was scaled by. */
  contrast: number;
}

const DEFAULTS = {
  backgroundRate: 0.02,
  foregroundRate: 0.0033,
  blocks: 6,
  noiseFactor: 3,
  contrastFactor: 1.2,
  photometric: true,
  ghosts: true,
};

/** Regulariser of the block fit, grey levels squared: a flat block keeps a gain near 1. */
const FIT_LAMBDA = 16;
/** Residual norm (grey levels) no noise estimate goes below: 8-bit rounding. */
const NOISE_FLOOR = 0.75;
/** Residual histograms: bins of this many grey levels, up to `RESIDUAL_BINS` bins. */
const RESIDUAL_BIN = 0.25;
const RESIDUAL_BINS = 512;
/**
 * Radius of the neighbourhood whose mean luminance texture contrast is measured against:
 * 1.2 times the contrast at radius 3 and 1.0 at radius 5 scored alike (within 0.003 mean
 * object mIoU, clear and fog 3, semi-real sequences); factors 0.6 to 1.6 at radius 3 within
 * 0.012 (the noise term rules at most pixels; the contrast term where noise is low, as in fog).
 */
const TEXTURE_RADIUS = 3;
/**
 * A pixel is `noisy` where its noise term is over this many times the scene's running spread
 * of luminance (1.48 times its median absolute deviation in a block, median over blocks):
 * chosen on the tuning sequence at night (1 to 10 gave it the same gain) as the largest, which
 * leaves every clear scene but the noisiest, low-bitrate one as it was.
 */
const NOISY_CONTRAST = 3;
/**
 * A pixel whiter than usual for at most this many frames in a row is under a passing flake or
 * streak; whiter for longer, the scene itself turned whiter (snow settling, the light), and is
 * learnt. Chosen on the tuning sequence in snow 3: 8 and 15 gave object mIoU 0.548 and 0.538
 * (0.506 learning every flake).
 */
const FLAKE_FRAMES = 8;
/**
 * Grey levels a frame the long-run scene moves toward each frame: a walker who stops for 6 s at
 * 10 fps moves it 6 levels, one who passes in a second not at all.
 */
const ANCHOR_STEP = 0.1;
/**
 * A foreground pixel is a ghost when the long-run scene is within this share of its threshold
 * of the frame, and at most half as far as the usual scene (0.5 healed a little of a noisy
 * night scene's faint people too: `lawn` at night 0.697 to 0.689; 0.3 kept it).
 */
const GHOST_SHARE = 0.3;
/** Share of the way a ghost pixel's usual colour moves toward the frame each frame. */
const GHOST_RATE = 0.2;
/** Pixels less surprising than this are never foreground, so never tested for shadow. */
const SHADOW_SURPRISE = 0.5;
/**
 * A neighbour explains a pixel within this share of its smoothed threshold (chosen on the
 * tuning sequence: 0.5, 0.7 and 1 scored alike in clear weather, 0.7 best in fog).
 */
const EXPLAIN_SHARE = 0.7;
/** Passes of `explainNearby`, each testing the pixels the last one uncovered. */
const EXPLAIN_PASSES = 3;
/** How far away (pixels, along a row, a column or a diagonal) the usual scene may explain. */
const EXPLAIN_RADII = [1, 2, 4, 6];
const EXPLAIN_REACH = EXPLAIN_RADII[EXPLAIN_RADII.length - 1];
/** White added beyond this many grey levels (in every channel) counts toward `white`. */
const WHITE_LEVEL = 12;
/** Share of the way the photometric fit moves toward each frame's own estimate. */
const FIT_RATE = 0.3;
/** Fewest background pixels a block needs for its own fit and statistics. */
const MIN_BLOCK_PIXELS = 16;

/**
 * A static camera's usual scene, learnt from its frames. One per stream; frames keep one size.
 *
 * @example
 * ```ts
 * import { SceneModel } from "./scene_model.ts";
 * const model = new SceneModel(64, 48);
 * const frame = new Uint8Array(64 * 48 * 3).fill(100);
 * const seen = model.observe(frame);      // the first frame: nothing is surprising
 * model.learn(new Uint8Array(64 * 48));   // all background
 * seen.surprise.length; // 3072
 * ```
 */
export class SceneModel {
  readonly width: number;
  readonly height: number;
  readonly #o: typeof DEFAULTS;
  /** Usual colour, 3 per pixel. */
  readonly #mean: Float32Array;
  /** Long-run scene (running median by steps of `ANCHOR_STEP`), 3 per pixel. */
  readonly #anchor: Float32Array;
  /** Running median of the residual's norm, per pixel (-1: not yet known). */
  readonly #noise: Float32Array;
  /** The last observed frame, the usual scene mapped onto its photometry, their difference. */
  readonly #frame: Float32Array;
  readonly #mapped: Float32Array;
  readonly #residual: Float32Array;
  readonly #smoothed: Float32Array;
  readonly #scratch: Float32Array;
  readonly #rawNorm: Float32Array;
  /** The raw and smoothed detection thresholds of each pixel in the last observed frame. */
  #threshold: Float32Array;
  readonly #smoothThreshold: Float32Array;
  /** explainNearby's buffers (frame and scene 3 x 3 means, filter scratch), made on first use. */
  #explainScratch: Float32Array[] | null = null;
  /** explainNearby's marks of the pixels queued for its next pass (all 0 between calls). */
  #explainQueued: Uint8Array | null = null;
  /** The block statistics (raw and smoothed noise) interpolated to each pixel, per frame. */
  readonly #rawAt: Float32Array;
  readonly #smoothAt: Float32Array;
  readonly #bx: number;
  readonly #by: number;
  /**
   * Per pixel: its block; per column (per row): the two block columns (rows) around it and the
   * weight between, for the interpolation between block centres.
   */
  readonly #blockOf: Int32Array;
  readonly #colX0: Int32Array;
  readonly #colX1: Int32Array;
  readonly #colFx: Float32Array;
  readonly #rowY0: Int32Array;
  readonly #rowY1: Int32Array;
  readonly #rowFy: Float64Array;
  /** The photometric fit per block and channel, smoothed over frames. */
  readonly #gain: Float32Array;
  readonly #offset: Float32Array;
  /** Background of the previous frame (1): what the block fit and statistics use. */
  readonly #fitMask: Uint8Array;
  #frames = 0;
  /** Running spread of luminance over blocks (see `NOISY_CONTRAST`). */
  #spread = 0;
  /** Running texture contrast (see `SceneModelOptions.contrastFactor`). */
  #texture = 0;
  readonly #luminance: Float32Array;
  readonly #localMean: Float32Array;
  /** Smoothed surprise of the last observed frame. */
  #smoothSurprise: Float32Array | null = null;
  #observed = false;
  /** Whether the last observed frame was taken as snowing or raining (`observe`'s flag). */
  #precipitation = false;
  /**
   * Per pixel: for how many frames in a row, up to this one, it has been clearly whiter than
   * usual (capped at `FLAKE_FRAMES + 1`). Between 1 and `FLAKE_FRAMES` while it snows or rains:
   * a passing flake or streak.
   */
  readonly #whiteRun: Uint16Array;

  constructor(width: number, height: number, options: SceneModelOptions = {}) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`SceneModel: size must be positive integers, got ${width}x${height}`);
    }
    this.#o = { ...DEFAULTS, ...options };
    const { backgroundRate, foregroundRate, blocks, noiseFactor, contrastFactor } = this.#o;
    if (
      !(backgroundRate > 0 && backgroundRate <= 1 && foregroundRate >= 0 &&
        foregroundRate <= 1 && noiseFactor > 0 && contrastFactor >= 0 && blocks >= 1)
    ) {
      throw new RangeError(
        "SceneModel: rates must lie in (0, 1] (foreground [0, 1]), noiseFactor > 0, " +
          "contrastFactor >= 0, blocks >= 1",
      );
    }
    this.width = width;
    this.height = height;
    const n = width * height;
    this.#mean = new Float32Array(n * 3);
    this.#anchor = new Float32Array(n * 3);
    this.#noise = new Float32Array(n).fill(-1);
    this.#frame = new Float32Array(n * 3);
    this.#mapped = new Float32Array(n * 3);
    this.#residual = new Float32Array(n * 3);
    this.#smoothed = new Float32Array(n * 3);
    this.#scratch = new Float32Array(n * 3);
    this.#rawNorm = new Float32Array(n);
    this.#threshold = new Float32Array(n);
    this.#whiteRun = new Uint16Array(n);
    this.#smoothThreshold = new Float32Array(n);
    this.#rawAt = new Float32Array(n);
    this.#smoothAt = new Float32Array(n);
    this.#luminance = new Float32Array(n);
    this.#localMean = new Float32Array(n);
    const long = Math.max(width, height);
    const bx = this.#bx = Math.max(1, Math.round((blocks * width) / long));
    const by = this.#by = Math.max(1, Math.round((blocks * height) / long));
    this.#fitMask = new Uint8Array(n).fill(1);
    this.#gain = new Float32Array(bx * by * 3).fill(1);
    this.#offset = new Float32Array(bx * by * 3);
    this.#blockOf = new Int32Array(n);
    const cols = blendTable(width, bx);
    this.#colX0 = cols.lo;
    this.#colX1 = cols.hi;
    // Column weights stay 32-bit and row weights 64-bit, as they always were: the same maps.
    this.#colFx = Float32Array.from(cols.weight);
    const rows = blendTable(height, by);
    this.#rowY0 = rows.lo;
    this.#rowY1 = rows.hi;
    this.#rowFy = rows.weight;
    for (let y = 0; y < height; y++) {
      const rowBlock = Math.min(by - 1, Math.floor((y * by) / height));
      for (let x = 0; x < width; x++) {
        this.#blockOf[y * width + x] = rowBlock * bx +
          Math.min(bx - 1, Math.floor((x * bx) / width));
      }
    }
  }

  /** Frames learnt so far. */
  get frames(): number {
    return this.#frames;
  }

  /**
   * Compares `rgb` (`width * height * 3` bytes) with the usual scene. Call {@linkcode learn}
   * with the frame's foreground after each observation. With `precipitation` (it snows or
   * rains: the caller decides, from `white`), the white added to a pixel is no surprise.
   */
  observe(
    rgb: Uint8Array,
    { precipitation = false }: { precipitation?: boolean } = {},
  ): SceneObservation {
    const { width, height } = this;
    const n = width * height;
    if (rgb.length !== n * 3) {
      throw new RangeError(`SceneModel.observe: ${rgb.length} bytes for ${width}x${height} rgb`);
    }
    const frame = this.#frame;
    for (let i = 0; i < frame.length; i++) frame[i] = rgb[i];
    const surprise = new Float32Array(n);
    const smoothSurprise = new Float32Array(n);
    const shadow = new Uint8Array(n);
    const whitish = new Uint8Array(n);
    const noisy = new Uint8Array(n);
    const observation: SceneObservation = {
      surprise,
      smoothSurprise,
      noisy,
      shadow,
      whitish,
      threshold: this.#threshold = new Float32Array(n),
      white: 0,
      contrast: 0,
    };
    this.#observed = true;
    this.#smoothSurprise = smoothSurprise;
    if (this.#frames === 0) {
      this.#mean.set(frame);
      this.#anchor.set(frame);
      this.#mapped.set(frame);
      this.#residual.fill(0);
      const stats = this.#blockStats();
      this.#spread = stats.spread;
      this.#texture = observation.contrast = stats.texture;
      return observation;
    }
    this.#fit();
    const mapped = this.#mapped, residual = this.#residual, rawNorm = this.#rawNorm;
    for (let i = 0; i < frame.length; i++) residual[i] = frame[i] - mapped[i];
    let white = 0;
    this.#precipitation = precipitation;
    const whiteRun = this.#whiteRun;
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      // Whiter than usual in every channel alike: what snowflakes, rain streaks and glare add.
      const dr = residual[p], dg = residual[p + 1], db = residual[p + 2];
      const lo = Math.min(dr, dg, db), hi = Math.max(dr, dg, db);
      if (lo > 0 && lo >= 0.6 * hi) {
        whitish[i] = 1;
        if (lo > WHITE_LEVEL) {
          white++;
          whiteRun[i] = Math.min(whiteRun[i] + 1, FLAKE_FRAMES + 1);
        } else {
          whiteRun[i] = 0;
        }
        // While it snows or rains, the white added everywhere is weather, not surprise: it is
        // taken out of the residual (what is left of a person under a flake still counts).
        if (precipitation) {
          residual[p] = dr - lo;
          residual[p + 1] = dg - lo;
          residual[p + 2] = db - lo;
        }
      } else {
        whiteRun[i] = 0;
      }
    }
    boxFilter(residual, this.#smoothed, this.#scratch, width, height, 3, 1);
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      rawNorm[i] = Math.sqrt(
        residual[p] * residual[p] + residual[p + 1] * residual[p + 1] +
          residual[p + 2] * residual[p + 2],
      );
    }
    const stats = this.#blockStats();
    // The scene's contrast follows the frame's over about a second.
    this.#spread += 0.1 * (stats.spread - this.#spread);
    this.#texture += 0.1 * (stats.texture - this.#texture);
    const { noiseFactor, contrastFactor } = this.#o;
    const contrastTerm = contrastFactor * this.#texture;
    const noisyAbove = NOISY_CONTRAST * this.#spread;
    const noise = this.#noise, smoothed = this.#smoothed;
    const rawAt = this.#interpolate(stats.raw, this.#rawAt);
    const smoothAt = this.#interpolate(stats.smooth, this.#smoothAt);
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      const blockRaw = rawAt[i], blockSmooth = smoothAt[i];
      if (noise[i] < 0) noise[i] = blockRaw;
      const noiseTerm = noiseFactor * Math.max(noise[i], blockRaw, NOISE_FLOOR);
      const rawThreshold = Math.max(noiseTerm, contrastTerm);
      surprise[i] = rawNorm[i] / rawThreshold;
      noisy[i] = noiseTerm > noisyAbove ? 1 : 0;
      this.#threshold[i] = rawThreshold;
      const smoothNorm = Math.sqrt(
        smoothed[p] * smoothed[p] + smoothed[p + 1] * smoothed[p + 1] +
          smoothed[p + 2] * smoothed[p + 2],
      );
      const smoothThreshold = Math.max(
        noiseFactor * Math.max(blockSmooth, NOISE_FLOOR / 3),
        contrastTerm,
      );
      smoothSurprise[i] = smoothNorm / smoothThreshold;
      this.#smoothThreshold[i] = smoothThreshold;
    }
    this.#markShadows(shadow, surprise);
    observation.white = white / n;
    observation.contrast = this.#texture;
    return observation;
  }

  /**
   * Learns the frame last observed: background pixels (`foreground[i] === 0`) and the faint
   * fringe of the foreground move toward it at `backgroundRate` (and update their noise);
   * clearly surprising foreground at `foregroundRate`.
   */
  learn(foreground: Uint8Array): void {
    const n = this.width * this.height;
    if (foreground.length !== n) {
      throw new RangeError(`SceneModel.learn: ${foreground.length} flags for ${n} pixels`);
    }
    if (!this.#observed) throw new Error("SceneModel.learn: observe a frame first");
    this.#observed = false;
    const frame = this.#frame, mean = this.#mean, noise = this.#noise, rawNorm = this.#rawNorm;
    const { backgroundRate, foregroundRate, ghosts } = this.#o;
    const anchor = this.#anchor, threshold = this.#threshold;
    const t = ++this.#frames;
    const bgRate = Math.max(backgroundRate, 1 / t);
    // Multiplicative steps of a running median: large at first, then a few percent.
    const step = Math.max(0.03, 1 / Math.sqrt(t));
    const smooth = this.#smoothSurprise!;
    // Where the photometric fit's gain is far from 1, the contrast changed there (fog rolling
    // in, night falling): the usual scene follows faster, up to a fifth of the way a frame,
    // until the gain is back near 1, so what the fit cannot express (the fine structure of
    // haze) fades within seconds. Exposure drift and shade (gains within 10% of 1) do not
    // count.
    const nb = this.#bx * this.#by;
    const changeRate = new Float32Array(nb);
    for (let b = 0; b < nb; b++) {
      let change = 0;
      for (let c = 0; c < 3; c++) change = Math.max(change, Math.abs(this.#gain[b * 3 + c] - 1));
      changeRate[b] = Math.min(0.2, Math.max(0, change - 0.1));
    }
    const blockOf = this.#blockOf;
    // Under a passing flake or streak this frame (only while it snows or rains).
    const whiteRun = this.#whiteRun, precipitation = this.#precipitation;
    const flake = (i: number) => precipitation && whiteRun[i] > 0 && whiteRun[i] <= FLAKE_FRAMES;
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      // What snow or rain painted over a pixel is weather, not the scene: no sample of its
      // colour or its noise. Else the usual scene turns as white as the average flake, every
      // pixel between flakes looks darker than usual, and the noise and the threshold double.
      if (flake(i)) continue;
      const fg = foreground[i] !== 0;
      // A ghost: foreground that the long-run scene explains (see the module doc).
      let ghost = false;
      if (ghosts) {
        const dr = frame[p] - anchor[p], dg = frame[p + 1] - anchor[p + 1];
        const db = frame[p + 2] - anchor[p + 2];
        if (fg) {
          const d = Math.sqrt(dr * dr + dg * dg + db * db);
          ghost = d < GHOST_SHARE * threshold[i] && 2 * d < rawNorm[i];
        }
        anchor[p] += Math.max(-ANCHOR_STEP, Math.min(ANCHOR_STEP, dr));
        anchor[p + 1] += Math.max(-ANCHOR_STEP, Math.min(ANCHOR_STEP, dg));
        anchor[p + 2] += Math.max(-ANCHOR_STEP, Math.min(ANCHOR_STEP, db));
      }
      // Only clearly surprising foreground is protected: the faint fringe that hysteresis and
      // closing add (and the faint trail of something that passed) is learnt as background.
      const protect = fg && smooth[i] > 1 && !ghost;
      const rate = ghost
        ? GHOST_RATE
        : protect
        ? foregroundRate
        : Math.max(bgRate, changeRate[blockOf[i]]);
      mean[p] += rate * (frame[p] - mean[p]);
      mean[p + 1] += rate * (frame[p + 1] - mean[p + 1]);
      mean[p + 2] += rate * (frame[p + 2] - mean[p + 2]);
      if ((!fg || ghost) && t > 1) {
        noise[i] = Math.max(
          NOISE_FLOOR,
          noise[i] * (rawNorm[i] > noise[i] ? 1 + step : 1 - step),
        );
      }
    }
    const fitMask = this.#fitMask;
    // Nor do they go into the next frame's photometric fit and block statistics.
    for (let i = 0; i < n; i++) fitMask[i] = foreground[i] || flake(i) ? 0 : 1;
  }

  /**
   * Marks cast shadows in `shadow`: surprising pixels darker than the usual scene by a factor
   * of 0.5 to 0.95 with its chromaticity (red and green shares within 0.05), both taken above
   * the frame's black level. A grey object on a grey floor passes too, and in fog everything is
   * grey: `foregroundMask` therefore cuts shadows off a region only when they are the lesser
   * part of it.
   */
  #markShadows(shadow: Uint8Array, surprise: Float32Array): void {
    const n = this.width * this.height;
    const frame = this.#frame, mapped = this.#mapped;
    // The frame's black level (1st percentile of luminance): the haze's floor in fog. Ratios
    // and colours are taken above it, so a thin fog does not make every darker pixel look like
    // a shadow (the dark channel prior of dehazing, He, Sun and Tang 2009, at its simplest).
    const hist = new Int32Array(256);
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      hist[Math.round((frame[p] + frame[p + 1] + frame[p + 2]) / 3)]++;
    }
    const black = Math.max(0, histMedian(hist, 0, 256, 0.01 * n) - 2);
    for (let i = 0, p = 0; i < n; i++, p += 3) {
      if (surprise[i] <= SHADOW_SURPRISE) continue;
      const fr = frame[p] - black, fg = frame[p + 1] - black, fb = frame[p + 2] - black;
      const mr = mapped[p] - black, mg = mapped[p + 1] - black, mb = mapped[p + 2] - black;
      const lf = fr + fg + fb, lm = mr + mg + mb;
      if (!(lm > 30 && lf > 0.5 * lm && lf < 0.95 * lm)) continue;
      const cr = fr / lf - mr / lm, cg = fg / lf - mg / lm;
      if (cr * cr + cg * cg <= 0.0025) shadow[i] = 1;
    }
  }

  /**
   * Clears the pixels of `mask` (foreground, changed in place) that the usual scene explains
   * nearby: the frame's 3 x 3 mean colour there is within 0.7 of the pixel's smoothed threshold
   * of the usual scene's (mapped) at a background pixel 1, 2, 4 or 6 pixels away in one of 8
   * directions; repeated (up to 3 passes) as cleared pixels become background. Something that came into
   * view differs from the usual scene all around it; what does not is the usual scene shifted a
   * little (a shaking camera, swaying grass), or a ghost, the usual scene showing through where
   * the model still holds something that left (ViBe's spatial consistency, Barnich and Van
   * Droogenbroeck 2011). Uses the last observed frame; returns how many pixels it cleared.
   */
  explainNearby(mask: Uint8Array): number {
    const { width, height } = this;
    const n = width * height;
    const threshold = this.#smoothThreshold;
    let top = height, bottom = -1;
    for (let i = 0; i < n; i++) {
      if (mask[i]) {
        top = Math.min(top, Math.floor(i / width));
        bottom = Math.floor(i / width);
      }
    }
    if (bottom < 0) return 0;
    // 3 x 3 means: single pixels of a textured scene span every value, patches do not. Only
    // over the rows the mask and its farthest offsets reach, plus one so that the band's own
    // edge rows (averaged over two) are never read.
    this.#explainScratch ??= [0, 1, 2].map(() => new Float32Array(n * 3));
    const [frame, mapped, scratch] = this.#explainScratch;
    const y0 = Math.max(0, top - EXPLAIN_REACH - 1);
    const y1 = Math.min(height, bottom + EXPLAIN_REACH + 2);
    const band = (a: Float32Array) => a.subarray(y0 * width * 3, y1 * width * 3);
    boxFilter(band(this.#frame), band(frame), scratch, width, y1 - y0, 3, 1);
    boxFilter(band(this.#mapped), band(mapped), scratch, width, y1 - y0, 3, 1);
    const offsets: [number, number][] = [];
    for (const r of EXPLAIN_RADII) {
      for (
        const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, 1], [1, -1], [-1, -1]]
      ) {
        offsets.push([dx * r, dy * r]);
      }
    }
    // Explained means matched well: within a share of the threshold that made it surprising.
    const explained = (i: number): boolean => {
      const x = i % width, y = (i - x) / width, p = i * 3;
      const limit = (EXPLAIN_SHARE * threshold[i]) ** 2;
      for (const [dx, dy] of offsets) {
        const xx = x + dx, yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
        const j = yy * width + xx;
        if (mask[j]) continue;
        const q = j * 3;
        const dr = frame[p] - mapped[q], dg = frame[p + 1] - mapped[q + 1];
        const db = frame[p + 2] - mapped[q + 2];
        if (dr * dr + dg * dg + db * db < limit) return true;
      }
      return false;
    };
    // Peeled from the outside in: what one pass clears lets the next test the pixels inside.
    // A pass clears all it finds at once, so a pixel's test changes only when a pixel at one of
    // its offsets was cleared: after the first pass, only those pixels are tested again.
    let cleared: number[] = [];
    for (let i = top * width, end = (bottom + 1) * width; i < end; i++) {
      if (mask[i] && explained(i)) cleared.push(i);
    }
    let total = 0;
    const queued = this.#explainQueued ??= new Uint8Array(n);
    for (let pass = 1;; pass++) {
      for (const i of cleared) mask[i] = 0;
      total += cleared.length;
      if (cleared.length === 0 || pass === EXPLAIN_PASSES) break;
      const again: number[] = [];
      for (const c of cleared) {
        const cx = c % width, cy = (c - cx) / width;
        for (const [dx, dy] of offsets) {
          const x = cx - dx, y = cy - dy;
          if (x < 0 || y < 0 || x >= width || y >= height) continue;
          const i = y * width + x;
          if (mask[i] && !queued[i]) {
            queued[i] = 1;
            again.push(i);
          }
        }
      }
      cleared = [];
      for (const i of again) {
        queued[i] = 0;
        if (explained(i)) cleared.push(i);
      }
    }
    return total;
  }

  /**
   * How much each component of `labels` (`1..count`, 0 background) is outlined by the frame
   * rather than by the usual scene: the summed gradient magnitude of the frame's luminance
   * along the component's outline over that of the usual scene (mapped onto the frame's
   * photometry), per component (index 0 unused). Uses the last observed frame.
   *
   * Something present has an outline the usual scene lacks: above 1, often far above. A ghost
   * (the usual scene still holding something that left: a car that drove off, a person in the
   * first frames) is outlined in the usual scene only: well below 1. A change without an
   * outline (haze thickening, a light drifting) is about 1. The ratio does not depend on the
   * frame's contrast, so it holds in fog and at night.
   */
  outlineRatio(labels: Int32Array, count: number): Float64Array {
    const { width, height } = this;
    const frameEdge = new Float64Array(count + 1), modelEdge = new Float64Array(count + 1);
    const f = this.#frame, m = this.#mapped;
    const lum = (a: Float32Array, i: number) => a[i * 3] + a[i * 3 + 1] + a[i * 3 + 2];
    for (let y = 1; y < height - 1; y++) {
      for (let x = 1; x < width - 1; x++) {
        const i = y * width + x;
        const k = labels[i];
        if (k === 0) continue;
        if (
          labels[i - 1] === k && labels[i + 1] === k && labels[i - width] === k &&
          labels[i + width] === k
        ) continue;
        const gfx = lum(f, i + 1) - lum(f, i - 1), gfy = lum(f, i + width) - lum(f, i - width);
        const gmx = lum(m, i + 1) - lum(m, i - 1), gmy = lum(m, i + width) - lum(m, i - width);
        frameEdge[k] += Math.sqrt(gfx * gfx + gfy * gfy);
        modelEdge[k] += Math.sqrt(gmx * gmx + gmy * gmy);
      }
    }
    const ratio = new Float64Array(count + 1);
    // A small constant keeps flat outlines (both gradients ~0) at a ratio of about 1.
    for (let k = 1; k <= count; k++) ratio[k] = (frameEdge[k] + 1) / (modelEdge[k] + 1);
    return ratio;
  }

  /** Takes the last observed frame as the usual (and long-run) scene where `mask` is set. */
  absorb(mask: Uint8Array): void {
    const f = this.#frame, mean = this.#mean, anchor = this.#anchor;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      mean[i * 3] = anchor[i * 3] = f[i * 3];
      mean[i * 3 + 1] = anchor[i * 3 + 1] = f[i * 3 + 1];
      mean[i * 3 + 2] = anchor[i * 3 + 2] = f[i * 3 + 2];
    }
  }

  /**
   * Fits, per block and channel, `frame ~ a * mean + b` over last frame's background pixels
   * and writes the mean mapped by the interpolated fit into `#mapped`. The fit is done twice:
   * the second time without the pixels the first one explains worst (beyond 2.5 times the
   * block's median residual), so that something new in the frame (a person stepping into the
   * block) does not bend the fit toward itself.
   */
  #fit(): void {
    const frame = this.#frame, model = this.#mean;
    const nb = this.#bx * this.#by;
    const blockOf = this.#blockOf;
    // Last frame's background; a block that is mostly foreground changed as a whole (light,
    // weather): fit it on all its pixels, or it would never be explained again.
    const mask = this.#fitMask.slice();
    const inMask = new Int32Array(nb), inBlock = new Int32Array(nb);
    for (let i = 0; i < mask.length; i++) {
      inBlock[blockOf[i]]++;
      inMask[blockOf[i]] += mask[i];
    }
    for (let i = 0; i < mask.length; i++) {
      if (inMask[blockOf[i]] < 0.25 * inBlock[blockOf[i]]) mask[i] = 1;
    }
    const first = this.#fitBlocks(mask);
    // Residual of each pixel under its own block's first fit, and each block's median.
    const hist = new Int32Array(nb * RESIDUAL_BINS);
    const count = new Int32Array(nb);
    const residual = new Float32Array(mask.length);
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const b = blockOf[i];
      let ss = 0;
      for (let c = 0; c < 3; c++) {
        const d = frame[i * 3 + c] - (first.gain[b * 3 + c] * model[i * 3 + c] +
          first.offset[b * 3 + c]);
        ss += d * d;
      }
      residual[i] = Math.sqrt(ss);
      hist[b * RESIDUAL_BINS + Math.min(RESIDUAL_BINS - 1, (residual[i] / RESIDUAL_BIN) | 0)]++;
      count[b]++;
    }
    const limit = new Float32Array(nb);
    for (let b = 0; b < nb; b++) {
      const median = (histMedian(hist, b * RESIDUAL_BINS, RESIDUAL_BINS, count[b] / 2) + 1) *
        RESIDUAL_BIN;
      limit[b] = 2.5 * Math.max(median, 2 * NOISE_FLOOR);
    }
    const inliers = new Uint8Array(mask.length);
    for (let i = 0; i < mask.length; i++) {
      inliers[i] = mask[i] && residual[i] <= limit[blockOf[i]] ? 1 : 0;
    }
    const fit = this.#o.photometric ? this.#fitBlocks(inliers) : {
      gain: new Float32Array(nb * 3).fill(1),
      offset: new Float32Array(nb * 3),
    };
    // The fit follows its per-frame estimate over a few frames: light and weather change over
    // seconds, and a large object sweeping into a block must not bend its fit at once.
    const gain = this.#gain, offset = this.#offset;
    for (let j = 0; j < gain.length; j++) {
      gain[j] += FIT_RATE * (fit.gain[j] - gain[j]);
      offset[j] += FIT_RATE * (fit.offset[j] - offset[j]);
    }
    const mapped = this.#mapped;
    // mapped = gain * model + offset, the fit interpolated between block centres as
    // `#interpolate` does (rounded to 32 bits alike), without materialising it.
    const { width, height } = this;
    const bx = this.#bx;
    const rowGain = new Float32Array(bx * 3), rowOffset = new Float32Array(bx * 3);
    const x0 = this.#colX0, x1 = this.#colX1, fx = this.#colFx;
    const f32 = Math.fround;
    for (let y = 0; y < height; y++) {
      const y0 = this.#rowY0[y], y1 = this.#rowY1[y], fy = this.#rowFy[y];
      for (let j = 0; j < bx * 3; j++) {
        rowGain[j] = gain[y0 * bx * 3 + j] * (1 - fy) + gain[y1 * bx * 3 + j] * fy;
        rowOffset[j] = offset[y0 * bx * 3 + j] * (1 - fy) + offset[y1 * bx * 3 + j] * fy;
      }
      for (let x = 0, o = y * width * 3; x < width; x++, o += 3) {
        const a = x0[x] * 3, b = x1[x] * 3, f = fx[x];
        for (let k = 0; k < 3; k++) {
          const g = f32(rowGain[a + k] + (rowGain[b + k] - rowGain[a + k]) * f);
          const off = f32(rowOffset[a + k] + (rowOffset[b + k] - rowOffset[a + k]) * f);
          mapped[o + k] = g * model[o + k] + off;
        }
      }
    }
  }

  /**
   * Per-block values (one per block) at every pixel, into `out`: bilinear between block
   * centres (clamped at the edges), rows of blocks first, then along each row of pixels.
   */
  #interpolate(values: Float32Array, out: Float32Array): Float32Array {
    const { width, height } = this;
    const bx = this.#bx;
    const row = new Float32Array(bx);
    const x0 = this.#colX0, x1 = this.#colX1, fx = this.#colFx;
    for (let y = 0; y < height; y++) {
      const y0 = this.#rowY0[y], y1 = this.#rowY1[y], fy = this.#rowFy[y];
      for (let j = 0; j < bx; j++) {
        row[j] = values[y0 * bx + j] * (1 - fy) + values[y1 * bx + j] * fy;
      }
      for (let x = 0, o = y * width; x < width; x++, o++) {
        const a = row[x0[x]];
        out[o] = a + (row[x1[x]] - a) * fx[x];
      }
    }
    return out;
  }

  /** Least-squares gain and offset per block and channel over the pixels `use` marks. */
  #fitBlocks(use: Uint8Array): { gain: Float32Array; offset: Float32Array } {
    const frame = this.#frame, model = this.#mean, blockOf = this.#blockOf;
    const nb = this.#bx * this.#by;
    const count = new Float64Array(nb);
    const sf = new Float64Array(nb * 3), sm = new Float64Array(nb * 3);
    const sfm = new Float64Array(nb * 3), smm = new Float64Array(nb * 3);
    for (let i = 0; i < use.length; i++) {
      if (!use[i]) continue;
      const b = blockOf[i];
      count[b]++;
      for (let c = 0; c < 3; c++) {
        const f = frame[i * 3 + c], m = model[i * 3 + c];
        sf[b * 3 + c] += f;
        sm[b * 3 + c] += m;
        sfm[b * 3 + c] += f * m;
        smm[b * 3 + c] += m * m;
      }
    }
    const gain = new Float32Array(nb * 3).fill(1), offset = new Float32Array(nb * 3);
    for (let b = 0; b < nb; b++) {
      const k = count[b];
      if (k < MIN_BLOCK_PIXELS) continue;
      for (let c = 0; c < 3; c++) {
        const j = b * 3 + c;
        const mf = sf[j] / k, mm = sm[j] / k;
        const cov = sfm[j] / k - mf * mm, varM = smm[j] / k - mm * mm;
        const a = Math.min(4, Math.max(0.1, (cov + FIT_LAMBDA) / (varM + FIT_LAMBDA)));
        gain[j] = a;
        offset[j] = mf - a * mm;
      }
    }
    return { gain, offset };
  }

  /**
   * Per block, over last frame's background pixels: the median residual norm (raw and
   * smoothed); and over blocks, the median of the blocks' spread of luminance (1.48 x its
   * median absolute deviation) and of their texture contrast (1.48 x the median absolute
   * difference between luminance and its mean within `TEXTURE_RADIUS`). Blocks with too few
   * pixels take the median of the others.
   */
  #blockStats(): { raw: Float32Array; smooth: Float32Array; spread: number; texture: number } {
    const nb = this.#bx * this.#by;
    const mask = this.#fitMask, blockOf = this.#blockOf;
    // Contrast is the usual scene's (mapped onto the frame's photometry): snowflakes, rain and
    // passers-by are in the frame, not in the scene, and must not raise the threshold.
    const scene = this.#mapped, smoothed = this.#smoothed, rawNorm = this.#rawNorm;
    const luminance = this.#luminance, localMean = this.#localMean;
    for (let i = 0, p = 0; i < luminance.length; i++, p += 3) {
      luminance[i] = (scene[p] + scene[p + 1] + scene[p + 2]) / 3;
    }
    boxFilter(luminance, localMean, this.#scratch, this.width, this.height, 1, TEXTURE_RADIUS);
    const rawHist = new Int32Array(nb * RESIDUAL_BINS);
    const smoothHist = new Int32Array(nb * RESIDUAL_BINS);
    const textureHist = new Int32Array(nb * RESIDUAL_BINS);
    const lumHist = new Int32Array(nb * 256);
    const count = new Int32Array(nb);
    const first = this.#frames === 0;
    const bin = (v: number) => Math.min(RESIDUAL_BINS - 1, (v / RESIDUAL_BIN) | 0);
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      const b = blockOf[i], p = i * 3;
      count[b]++;
      const l = luminance[i];
      lumHist[b * 256 + Math.min(255, Math.max(0, Math.round(l)))]++;
      textureHist[b * RESIDUAL_BINS + bin(Math.abs(l - localMean[i]))]++;
      if (first) continue;
      const s = Math.sqrt(
        smoothed[p] * smoothed[p] + smoothed[p + 1] * smoothed[p + 1] +
          smoothed[p + 2] * smoothed[p + 2],
      );
      rawHist[b * RESIDUAL_BINS + bin(rawNorm[i])]++;
      smoothHist[b * RESIDUAL_BINS + bin(s)]++;
    }
    const raw = new Float32Array(nb), smooth = new Float32Array(nb);
    const spreads: number[] = [], textures: number[] = [];
    const known: number[] = [];
    const dev = new Int32Array(256);
    const binMedian = (hist: Int32Array, b: number, half: number) =>
      (histMedian(hist, b * RESIDUAL_BINS, RESIDUAL_BINS, half) + 0.5) * RESIDUAL_BIN;
    for (let b = 0; b < nb; b++) {
      if (count[b] < MIN_BLOCK_PIXELS) continue;
      known.push(b);
      const half = count[b] / 2;
      raw[b] = binMedian(rawHist, b, half);
      smooth[b] = binMedian(smoothHist, b, half);
      textures.push(1.4826 * binMedian(textureHist, b, half));
      const med = histMedian(lumHist, b * 256, 256, half);
      dev.fill(0);
      for (let v = 0; v < 256; v++) dev[Math.abs(v - med)] += lumHist[b * 256 + v];
      spreads.push(1.4826 * histMedian(dev, 0, 256, half));
    }
    if (known.length === 0) return { raw: raw.fill(NOISE_FLOOR), smooth, spread: 0, texture: 0 };
    const fill = (values: Float32Array) => {
      const sorted = known.map((b) => values[b]).sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1];
      for (let b = 0; b < nb; b++) if (count[b] < MIN_BLOCK_PIXELS) values[b] = median;
    };
    fill(raw);
    fill(smooth);
    spreads.sort((a, b) => a - b);
    textures.sort((a, b) => a - b);
    return {
      raw,
      smooth,
      spread: spreads[spreads.length >> 1],
      texture: textures[textures.length >> 1],
    };
  }
}

/**
 * For each of `length` pixels along an axis cut into `blocks` blocks: the block centres around
 * it (clamped at the edges) and its weight toward the second, for bilinear interpolation.
 */
function blendTable(
  length: number,
  blocks: number,
): { lo: Int32Array; hi: Int32Array; weight: Float64Array } {
  const lo = new Int32Array(length), hi = new Int32Array(length);
  const weight = new Float64Array(length);
  for (let k = 0; k < length; k++) {
    const u = Math.min(blocks - 1, Math.max(0, ((k + 0.5) * blocks) / length - 0.5));
    lo[k] = Math.floor(u);
    hi[k] = Math.min(blocks - 1, lo[k] + 1);
    weight[k] = u - lo[k];
  }
  return { lo, hi, weight };
}

/** Index of the bin holding the median (the first bin whose running count passes `half`). */
function histMedian(hist: Int32Array, start: number, bins: number, half: number): number {
  let sum = 0;
  for (let k = 0; k < bins; k++) {
    sum += hist[start + k];
    if (sum > half) return k;
  }
  return bins - 1;
}
