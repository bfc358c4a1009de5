/**
 * The APM's shape and its test-time training schedule, with defaults sized for real time on two
 * CPU cores (the paper's widths are ~16x larger; see ../shared/docs/apm.md).
 *
 * @module
 */

/** Which pretrained net the APM distils from. `none` trains on colour alone. */
export type TeacherKind = "mobilenet_v2" | "none";

/** Shape of the APM and how it adapts. */
export interface ApmConfig {
  /**
   * Size of the training grid: about `grid^2` locations shaped like the frame (`gridSize`); a
   * square frame gets `grid x grid`.
   */
  grid: number;
  /**
   * Pixels per side of one column-module patch: the frame is resized to `gridW * patch` x
   * `gridH * patch`.
   */
  patch: number;
  /**
   * Locations along the long side of the lattice the field is inferred on (and islands cut
   * from), the short side following the grid's aspect (`latticeSize`); 0 is the training grid.
   * The positional code is continuous, so the trained MLP can be queried between its training
   * locations ("unfolding on the fly"): a finer lattice costs one MLP evaluation per extra query
   * and no training.
   */
  lattice: number;
  /**
   * Share of island agreement given to the frame's colour, the rest to the APM's features
   * (`joinColor` in src/islands/color_field.ts); 0 cuts islands from the features alone.
   */
  colorWeight: number;
  /**
   * Cut islands of what moved or changed: the stream's learnt usual scene (pixel by pixel, see
   * src/islands/scene_islands.ts) makes people, vehicles and anything new islands of their own
   * at the frame's pixels, over a background cut from the field. False: islands of the field
   * (and colour) alone, at the lattice.
   */
  foreground: boolean;
  /** With `foreground`: at most this many background islands. */
  maxBackground: number;
  /**
   * Smallest island, as a fraction of the frame's area: smaller ones are folded into their most
   * similar neighbour (`minIslandArea` gives it in lattice cells).
   */
  minIsland: number;
  /** Dimensions of the 2-D sinusoidal positional code; a multiple of 4. */
  posDim: number;
  /** Width of the shared MLP's hidden layers. */
  hidden: number;
  /** Number of hidden layers of the shared MLP (at least 1). */
  depth: number;
  /** Dimensions of the feature head when there is no teacher (else the teacher's). */
  featureDim: number;
  /** Width of the RGB head's two hidden layers. */
  rgbHidden: number;
  /** Adam learning rate. */
  learningRate: number;
  /** Adam steps of test-time training on every frame. */
  stepsPerFrame: number;
  /** Random locations each step trains on ("a patch is a batch"); clamped to the grid's. */
  locationsPerStep: number;
  /**
   * Share of the location sampling that follows each location's current feature error (the
   * last inferred field against the teacher), `p_i = e * err_i^errorPower / sum + (1 - e) / n`;
   * 0 samples uniformly. Moving objects are where the error is: uniform sampling leaves them
   * as faint blobs while the net memorises the static background.
   */
  errorSampling: number;
  /** Exponent of the error in {@linkcode ApmConfig.errorSampling}. */
  errorPower: number;
  /**
   * Learning-rate multiplier of the weights that read the column code (`W1c`, `Wrc`). The
   * code is shared by every location, so Adam moves `W1c · c` by about `lr * |c|_1` (~1000x a
   * bias) per step: at full rate it swamps the positional path and caps the usable rate.
   */
  columnLrScale: number;
  /** Weight of the feature (teacher) loss. */
  featureLossWeight: number;
  /** Weight of the colour loss. */
  rgbLossWeight: number;
  /** Teacher network. */
  teacher: TeacherKind;
  /** The MobileNetV2 layer whose feature map the APM learns. */
  teacherLayer: string;
  /**
   * Dimensions the teacher's features are projected to (a fixed seeded random projection,
   * which keeps their cosine geometry); 0 keeps the layer's own channel count.
   */
  teacherDim: number;
  /** The teacher runs on every `teacherEvery`-th processed frame (1 = every frame). */
  teacherEvery: number;
  /** Seed of the weight initialisation and the location sampling. */
  seed: number;
  /**
   * Per-frame decay of the anchor, an exponential moving average of the weights taken after
   * each trained frame (`anchor = a * anchor + (1 - a) * weights`): the state that divergence
   * restores to and that {@linkcode ApmConfig.restoreProbability} pulls toward. In [0, 1).
   */
  anchorDecay: number;
  /**
   * Chance, per trained frame and per weight, that the weight is reset to its anchor value
   * (CoTTA's stochastic restore, toward the moving anchor instead of the source weights); 0 off.
   * In [0, 1).
   */
  restoreProbability: number;
  /**
   * Per trained frame, the weights move this fraction of the way back toward their initial
   * values (L2-init / regenerative regularisation, Kumar et al. 2023). Without it the weights'
   * norms grow without bound over a long stream (no weight decay in Adam), the units saturate
   * and the net adapts less and less to each new condition; the pull keeps them near the scale
   * they learn best at. 0 off. In [0, 1).
   */
  initDecay: number;
  /**
   * Ablation: after this many trained frames the weights freeze (inference only, no teacher);
   * 0 trains forever.
   */
  freezeAfterFrames: number;
  /**
   * Ablation: re-draw the weights (same seed every frame), Adam and the location sampling
   * before every frame's steps: the paper's per-image test-time training, no memory.
   */
  resetEveryFrame: boolean;
}

/** Defaults: measured to keep up with a 10 fps camera on two cores (see BENCHMARKS.md). */
export const DEFAULT_APM_CONFIG: Readonly<ApmConfig> = Object.freeze({
  grid: 32,
  patch: 7,
  lattice: 0,
  // Chosen on a scene no benchmark sequence uses (synthetic seed 100, as the peers are tuned),
  // for the best mean ARI over its clear and fog 3 frames: 0.5-0.9 gave 0.51, 0.61, 0.69, 0.73,
  // 0.68 (more colour helps clear frames, hurts in fog). Features alone: BENCHMARKS.md.
  colorWeight: 0.8,
  foreground: true,
  // Context, not things: a street camera's road, pavement, buildings, sky and greenery.
  maxBackground: 8,
  // 0.2% of the frame: a pedestrian 15 x 40 px in 384 x 288 street footage is 0.5%, a far one
  // less. 2 cells of the 32 x 32 grid; the 4 cells used before lost objects 4-6% of the width
  // wide (BENCHMARKS.md, small objects) and barely changed the scores of large ones.
  minIsland: 0.002,
  posDim: 128,
  hidden: 128,
  depth: 3,
  featureDim: 64,
  rgbHidden: 64,
  learningRate: 3e-3,
  stepsPerFrame: 5,
  locationsPerStep: 256,
  errorSampling: 0.9,
  errorPower: 2,
  columnLrScale: 0.03,
  featureLossWeight: 1,
  rgbLossWeight: 1,
  teacher: "mobilenet_v2",
  // 28x28x192 at 224x224 input (the frame letterboxed into it): fine enough for a 32 grid.
  teacherLayer: "block_6_expand_relu",
  teacherDim: 64,
  teacherEvery: 1,
  seed: 1,
  // A time constant of 100 frames (10 s at 10 fps; about CoTTA's 0.999 per step at 5 steps a
  // frame): long enough to outlast a bad stretch, short enough to follow a new scene in seconds.
  anchorDecay: 0.99,
  // A restore pulls a weight back by `p * (w - anchor)` per frame on average, and a sustained
  // drift leaves `w - anchor` at ~drift / (1 - anchorDecay): 0.001 damps it by ~10% (aimless
  // drift fades over ~1000 frames) while directed adaptation keeps ~90% of its speed.
  restoreProbability: 0.001,
  // 0.003 held the weights' norms flat over two 1100-frame weather cycles and left the second
  // cycle's loss where the first one's was; 0.001 halved their growth; without it they doubled.
  initDecay: 0.003,
  freezeAfterFrames: 0,
  resetEveryFrame: false,
});

/**
 * Largest value of each size option: an engine past these would not answer a frame in useful
 * time or would exhaust memory, so they are refused where they are asked for, not when the
 * stream fails. `locationsPerStep` is also bounded by `MAX_STEP_SIZE`.
 */
export const APM_LIMITS = Object.freeze({
  grid: 128,
  patch: 16,
  posDim: 512,
  hidden: 1024,
  depth: 8,
  featureDim: 1024,
  rgbHidden: 1024,
  locationsPerStep: 4096,
  teacherEvery: 10_000,
  teacherDim: 1024,
  stepsPerFrame: 100,
});

/**
 * Largest training step, as `hidden^2 * depth * locationsPerStep` (multiply-adds of the shared
 * MLP's hidden layers for one step, the bulk of its cost): about 3 s of one CPU core. The
 * defaults are 170 times under it. A stopped stream's engine stops between steps, so this also
 * bounds how long it runs on after a stop.
 */
export const MAX_STEP_SIZE = 2 ** 31;

/** The column module's input, `grid * patch` pixels a side, is at most this. */
export const MAX_COLUMN_SIDE = 1024;

/** Throws a clear error when a config cannot describe a working APM. */
export function validateApmConfig(c: ApmConfig): void {
  const positiveInts = [
    "grid",
    "patch",
    "posDim",
    "hidden",
    "depth",
    "featureDim",
    "rgbHidden",
    "locationsPerStep",
    "teacherEvery",
  ] as const;
  for (const k of positiveInts) {
    const v = c[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > APM_LIMITS[k]) {
      throw new RangeError(
        `APM option ${k} must be an integer from 1 to ${APM_LIMITS[k]}, got ${v}`,
      );
    }
  }
  if (c.grid * c.patch > MAX_COLUMN_SIDE) {
    throw new RangeError(
      `APM options grid x patch (${c.grid} x ${c.patch}) must be at most ${MAX_COLUMN_SIDE} ` +
        `pixels: lower grid or patch`,
    );
  }
  if (c.hidden * c.hidden * c.depth * c.locationsPerStep > MAX_STEP_SIZE) {
    throw new RangeError(
      `APM options hidden^2 x depth x locationsPerStep (${c.hidden}^2 x ${c.depth} x ` +
        `${c.locationsPerStep}) must be at most 2^31, one training step of about 3 s of a CPU ` +
        `core: lower hidden, depth or locationsPerStep`,
    );
  }
  if (
    !Number.isInteger(c.lattice) || (c.lattice !== 0 && (c.lattice < c.grid || c.lattice > 256))
  ) {
    throw new RangeError(
      `APM option lattice must be 0 (the grid) or an integer from grid (${c.grid}) to 256, ` +
        `got ${c.lattice}`,
    );
  }
  if (!(c.colorWeight >= 0 && c.colorWeight <= 1)) {
    throw new RangeError(`APM option colorWeight must be in [0, 1], got ${c.colorWeight}`);
  }
  if (typeof c.foreground !== "boolean") {
    throw new RangeError(`APM option foreground must be a boolean, got ${c.foreground}`);
  }
  if (!Number.isInteger(c.maxBackground) || c.maxBackground < 1 || c.maxBackground > 64) {
    throw new RangeError(
      `APM option maxBackground must be an integer from 1 to 64, got ${c.maxBackground}`,
    );
  }
  if (!(c.minIsland >= 0 && c.minIsland <= 0.5)) {
    throw new RangeError(`APM option minIsland must be in [0, 0.5], got ${c.minIsland}`);
  }
  if (
    !Number.isInteger(c.stepsPerFrame) || c.stepsPerFrame < 0 ||
    c.stepsPerFrame > APM_LIMITS.stepsPerFrame
  ) {
    throw new RangeError(
      `APM option stepsPerFrame must be an integer from 0 to ${APM_LIMITS.stepsPerFrame}, ` +
        `got ${c.stepsPerFrame}`,
    );
  }
  if (c.posDim % 4 !== 0) {
    throw new RangeError(`APM option posDim must be a multiple of 4, got ${c.posDim}`);
  }
  if (!(c.learningRate > 0 && c.learningRate < 1)) {
    throw new RangeError(`APM option learningRate must be in (0, 1), got ${c.learningRate}`);
  }
  if (!(c.errorSampling >= 0 && c.errorSampling < 1)) {
    throw new RangeError(`APM option errorSampling must be in [0, 1), got ${c.errorSampling}`);
  }
  if (!(c.errorPower > 0)) {
    throw new RangeError(`APM option errorPower must be > 0, got ${c.errorPower}`);
  }
  if (!(c.columnLrScale >= 0)) {
    throw new RangeError(`APM option columnLrScale must be >= 0, got ${c.columnLrScale}`);
  }
  if (!(c.anchorDecay >= 0 && c.anchorDecay < 1)) {
    throw new RangeError(`APM option anchorDecay must be in [0, 1), got ${c.anchorDecay}`);
  }
  if (!(c.restoreProbability >= 0 && c.restoreProbability < 1)) {
    throw new RangeError(
      `APM option restoreProbability must be in [0, 1), got ${c.restoreProbability}`,
    );
  }
  if (!(c.initDecay >= 0 && c.initDecay < 1)) {
    throw new RangeError(`APM option initDecay must be in [0, 1), got ${c.initDecay}`);
  }
  if (!Number.isInteger(c.freezeAfterFrames) || c.freezeAfterFrames < 0) {
    throw new RangeError(
      `APM option freezeAfterFrames must be an integer >= 0, got ${c.freezeAfterFrames}`,
    );
  }
  if (typeof c.resetEveryFrame !== "boolean") {
    throw new RangeError(`APM option resetEveryFrame must be a boolean, got ${c.resetEveryFrame}`);
  }
  if (c.teacher !== "mobilenet_v2" && c.teacher !== "none") {
    throw new RangeError(`APM option teacher must be "mobilenet_v2" or "none", got ${c.teacher}`);
  }
  if (!Number.isInteger(c.teacherDim) || c.teacherDim < 0 || c.teacherDim > APM_LIMITS.teacherDim) {
    throw new RangeError(
      `APM option teacherDim must be 0 (the layer's own) or an integer up to ` +
        `${APM_LIMITS.teacherDim}, got ${c.teacherDim}`,
    );
  }
}

/** A width and a height, in pixels or cells. */
export interface Size {
  width: number;
  height: number;
}

/**
 * The training grid for a `frame`: about `grid^2` cells shaped like the frame, so that each cell
 * covers a square of it: `gridW = max(1, round(grid * sqrt(W / H)))`, `gridH = max(1, round(grid
 * * sqrt(H / W)))`. A square frame gets `grid x grid`; with grid 32, 4:3 gets 37 x 28 and 16:9
 * gets 43 x 24. Without a frame the grid is square (tools and tests that feed square frames).
 *
 * @example
 * ```ts
 * gridSize(DEFAULT_APM_CONFIG, { width: 640, height: 360 }); // { width: 43, height: 24 }
 * ```
 */
export function gridSize(c: ApmConfig, frame?: Size): Size {
  if (!frame) return { width: c.grid, height: c.grid };
  const aspect = frame.width / frame.height;
  return {
    width: Math.max(1, Math.round(c.grid * Math.sqrt(aspect))),
    height: Math.max(1, Math.round(c.grid / Math.sqrt(aspect))),
  };
}

/**
 * The lattice the field is inferred on (the island map's size) over a `grid` (`gridSize`): the
 * grid itself when `lattice` is 0; else `lattice` cells along the grid's long side (never fewer
 * than the grid has there) and the short side in the grid's proportion, so the lattice covers the
 * grid's rectangle with cells of one shape. Square grids give `lattice x lattice`.
 *
 * @example
 * ```ts
 * latticeSize({ ...DEFAULT_APM_CONFIG, lattice: 64 }, { width: 43, height: 24 }); // 64 x 36
 * ```
 */
export function latticeSize(c: ApmConfig, grid: Size): Size {
  const long = Math.max(grid.width, grid.height);
  if (c.lattice === 0 || c.lattice <= long) return { ...grid };
  const short = (n: number) => Math.max(1, Math.round((c.lattice * n) / long));
  return grid.width >= grid.height
    ? { width: c.lattice, height: short(grid.height) }
    : { width: short(grid.width), height: c.lattice };
}

/** {@linkcode ApmConfig.minIsland} in cells of a `width x height` lattice (at least 1). */
export function minIslandArea(c: ApmConfig, width: number, height: number): number {
  return Math.max(1, Math.round(c.minIsland * width * height));
}
