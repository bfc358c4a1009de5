/**
 * The Asynchronous Perception Machine: column module, unfolding, shared MLP, feature and RGB
 * heads, with its backward pass written out by hand.
 *
 * Why by hand: tfjs's own matMul gradients use `matMul(..., transposeA/B)`, which runs about 12x
 * slower on the wasm backend than an explicit `tf.transpose` followed by a plain `matMul`
 * (environment.md). The written-out backward makes real-time test-time training possible on a
 * CPU; `tests/apm/apm_model_test.ts` checks it against `tf.grads`.
 *
 * Unfolding: the first layer's `W1 · [c; pos_ij] = W1c · c + W1p · pos_ij`; `W1c · c` is the
 * same for every location, so it is computed once per frame and broadcast, and the
 * `locations x (|c| + P)` query matrix is never built. The RGB head's input `[f_ij; q_ij]` is
 * split the same way.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ApmConfig, Size } from "./apm_config.ts";

/** All trainable weights, by name. Matrices are `[in, out]`. */
export interface ApmParams {
  colW: tf.Variable; // [patch*patch*3, 1]   column module: conv(3 -> 1, k = s = patch)
  colB: tf.Variable; // [1]
  w1c: tf.Variable; // [G, H]               first layer, column part (G = gridW * gridH)
  w1p: tf.Variable; // [P, H]               first layer, positional part
  b1: tf.Variable; // [H]
  hiddenW: tf.Variable[]; // (depth-1) x [H, H]
  hiddenB: tf.Variable[]; // (depth-1) x [H]
  wf: tf.Variable; // [H, D]                feature head
  bf: tf.Variable; // [D]
  wrf: tf.Variable; // [D, R]               RGB head layer 1, feature part
  wrc: tf.Variable; // [G, R]               RGB head layer 1, column part
  wrp: tf.Variable; // [P, R]               RGB head layer 1, positional part
  br1: tf.Variable; // [R]
  wr2: tf.Variable; // [R, R]
  br2: tf.Variable; // [R]
  wr3: tf.Variable; // [R, 3]
  br3: tf.Variable; // [3]
}

/** Sizes derived from a config and the grid it trains on. */
export interface ApmShape {
  /** The `grid` option (about `grid^2` cells). */
  grid: number;
  /** The training grid's columns and rows (`gridSize`: shaped like the frame). */
  gridW: number;
  gridH: number;
  patch: number;
  /** Column code length: gridW * gridH. */
  columnDim: number;
  posDim: number;
  hidden: number;
  depth: number;
  featureDim: number;
  rgbHidden: number;
}

/**
 * Shape of the APM for a config, a feature dimension (the teacher's, or the config's) and the
 * training grid (`gridSize`; default the square `grid x grid`).
 */
export function apmShape(
  c: ApmConfig,
  featureDim: number,
  grid: Size = { width: c.grid, height: c.grid },
): ApmShape {
  return {
    grid: c.grid,
    gridW: grid.width,
    gridH: grid.height,
    patch: c.patch,
    columnDim: grid.width * grid.height,
    posDim: c.posDim,
    hidden: c.hidden,
    depth: c.depth,
    featureDim,
    rgbHidden: c.rgbHidden,
  };
}

/** Lists the parameters in a fixed order (for the optimiser and for snapshots). */
export function paramList(p: ApmParams): tf.Variable[] {
  return [
    p.colW,
    p.colB,
    p.w1c,
    p.w1p,
    p.b1,
    ...p.hiddenW,
    ...p.hiddenB,
    p.wf,
    p.bf,
    p.wrf,
    p.wrc,
    p.wrp,
    p.br1,
    p.wr2,
    p.br2,
    p.wr3,
    p.br3,
  ];
}

/**
 * Fresh weights: He-normal for layers followed by ReLU, LeCun-normal for the linear outputs,
 * zero biases. (The paper draws N(0, 0.01) and trains 1200 steps per image; a stream gets a
 * few steps per frame, so an initialisation that keeps activations at unit scale matters.)
 */
export function initParams(s: ApmShape, seed: number): ApmParams {
  let n = 0;
  const normal = (shape: number[], fanIn: number, gain: number) =>
    tf.variable(tf.randomNormal(shape, 0, Math.sqrt(gain / fanIn), "float32", seed * 1000 + n++));
  const zeros = (len: number) => tf.variable(tf.zeros([len]));
  const pp3 = s.patch * s.patch * 3;
  const firstFanIn = s.columnDim + s.posDim;
  const rgbFanIn = s.featureDim + s.columnDim + s.posDim;
  const hiddenW: tf.Variable[] = [];
  const hiddenB: tf.Variable[] = [];
  for (let k = 1; k < s.depth; k++) {
    hiddenW.push(normal([s.hidden, s.hidden], s.hidden, 2));
    hiddenB.push(zeros(s.hidden));
  }
  return {
    colW: normal([pp3, 1], pp3, 1),
    colB: zeros(1),
    w1c: normal([s.columnDim, s.hidden], firstFanIn, 2),
    w1p: normal([s.posDim, s.hidden], firstFanIn, 2),
    b1: zeros(s.hidden),
    hiddenW,
    hiddenB,
    wf: normal([s.hidden, s.featureDim], s.hidden, 1),
    bf: zeros(s.featureDim),
    wrf: normal([s.featureDim, s.rgbHidden], rgbFanIn, 2),
    wrc: normal([s.columnDim, s.rgbHidden], rgbFanIn, 2),
    wrp: normal([s.posDim, s.rgbHidden], rgbFanIn, 2),
    br1: zeros(s.rgbHidden),
    wr2: normal([s.rgbHidden, s.rgbHidden], s.rgbHidden, 2),
    br2: zeros(s.rgbHidden),
    wr3: normal([s.rgbHidden, 3], s.rgbHidden, 1),
    br3: zeros(3),
  };
}

/** Frees every weight. */
export function disposeParams(p: ApmParams): void {
  for (const v of paramList(p)) v.dispose();
}

/**
 * Cuts a `[gridH*patch, gridW*patch, 3]` frame into `[gridW*gridH, patch*patch*3]` patches,
 * row-major over the grid: the column module's convolution with kernel = stride is then one
 * matMul.
 */
export function framePatches(
  frame: tf.Tensor3D,
  gridW: number,
  gridH: number,
  patch: number,
): tf.Tensor2D {
  const [h, w] = frame.shape;
  if (h !== gridH * patch || w !== gridW * patch) {
    throw new RangeError(
      `framePatches: a ${w}x${h} frame for a ${gridW}x${gridH} grid of ${patch} px patches ` +
        `(needs ${gridW * patch}x${gridH * patch})`,
    );
  }
  return tf.tidy(() =>
    frame.reshape([gridH, patch, gridW, patch, 3]).transpose([0, 2, 1, 3, 4]).reshape([
      gridW * gridH,
      patch * patch * 3,
    ]) as tf.Tensor2D
  );
}

/** The trigger column `c` of a frame's patches, as a row `[1, gridW * gridH]`. */
export function columnCode(p: ApmParams, patches: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(patches, p.colW).add(p.colB).reshape([1, -1]) as tf.Tensor2D);
}

/**
 * First layer pre-activation for the given locations, unfolded: `pos · W1p + (c · W1c + b1)`,
 * the column term computed once and broadcast over the `[n, P]` positional rows.
 */
export function firstLayer(p: ApmParams, c: tf.Tensor2D, pos: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(pos, p.w1p).add(rowTimes(c, p.w1c).add(p.b1)));
}

/**
 * `row · m` for a `[1, k]` row, as a broadcast multiply and a column sum: tfjs-wasm's matMul is
 * several times slower than that when one side has a single row (measured 3.8 ms vs <1 ms for
 * `[1, 1024] x [1024, 256]`), and the column code meets the big `W1c` and `Wrc` this way.
 */
export function rowTimes(row: tf.Tensor2D, m: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(row.reshape([-1, 1]), m), 0, true) as tf.Tensor2D);
}

/** `row · m^T` for a `[1, k]` row and an `[n, k]` matrix, without transposing `m` (see rowTimes). */
function rowTimesT(row: tf.Tensor2D, m: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.sum(tf.mul(m, row), 1).reshape([1, -1]) as tf.Tensor2D);
}

/** Features `[n, D]` of the given locations (no RGB head: inference for islands needs none). */
export function inferFeatures(p: ApmParams, c: tf.Tensor2D, pos: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    let h = tf.relu(firstLayer(p, c, pos));
    for (let k = 0; k < p.hiddenW.length; k++) {
      h = tf.relu(tf.matMul(h, p.hiddenW[k]).add(p.hiddenB[k]));
    }
    return tf.matMul(h, p.wf).add(p.bf) as tf.Tensor2D;
  });
}

/** Predicted colours `[n, 3]` for locations with features `f` (the RGB head). */
export function inferRgb(
  p: ApmParams,
  c: tf.Tensor2D,
  pos: tf.Tensor2D,
  f: tf.Tensor2D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const r1 = tf.relu(
      tf.matMul(f, p.wrf).add(tf.matMul(pos, p.wrp)).add(rowTimes(c, p.wrc).add(p.br1)),
    );
    const r2 = tf.relu(tf.matMul(r1, p.wr2).add(p.br2));
    return tf.matMul(r2, p.wr3).add(p.br3) as tf.Tensor2D;
  });
}

/** Targets of one training step, for the same `n` locations as `pos`. */
export interface StepTargets {
  /** Teacher features `[n, D]`, or null to train on colour alone. */
  features: tf.Tensor2D | null;
  /** Mean colour of each location's cell `[n, 3]`. */
  rgb: tf.Tensor2D;
}

/** Loss values and gradients (same order as `paramList`) of one step. */
export type LossAndGrads = {
  loss: tf.Scalar;
  featureLoss: tf.Scalar;
  rgbLoss: tf.Scalar;
  grads: tf.Tensor[];
};

// Plain matMuls only: `a^T · b` and `a · b^T` with an explicit transpose (see module doc).
type T2 = tf.Tensor2D;
const mmTa = (a: tf.Tensor, b: tf.Tensor): T2 => tf.matMul(tf.transpose(a as T2), b as T2);
const mmTb = (a: tf.Tensor, b: tf.Tensor): T2 => tf.matMul(a as T2, tf.transpose(b as T2));
const reluGrad = (dy: tf.Tensor, z: tf.Tensor): T2 => tf.mul(dy, tf.step(z));

/**
 * Loss `wF * MSE(f, teacher) + wR * MSE(rgb, target)` on `n` locations and its gradient with
 * respect to every parameter, forward and backward written out.
 */
export function lossAndGrads(
  p: ApmParams,
  patches: tf.Tensor2D,
  pos: tf.Tensor2D,
  targets: StepTargets,
  weights: { feature: number; rgb: number },
): LossAndGrads {
  return tf.tidy(() => {
    const n = pos.shape[0];
    // Forward, keeping what the backward pass needs.
    const c = columnCode(p, patches); // [1, G]
    const zs: tf.Tensor2D[] = [firstLayer(p, c, pos)];
    const hs: tf.Tensor2D[] = [tf.relu(zs[0])];
    for (let k = 0; k < p.hiddenW.length; k++) {
      const z = tf.matMul(hs[k], p.hiddenW[k]).add(p.hiddenB[k]) as tf.Tensor2D;
      zs.push(z);
      hs.push(tf.relu(z));
    }
    const hLast = hs[hs.length - 1];
    const f = tf.matMul(hLast, p.wf).add(p.bf) as tf.Tensor2D; // [n, D]
    const s1 = tf.matMul(f, p.wrf).add(tf.matMul(pos, p.wrp)).add(
      rowTimes(c, p.wrc).add(p.br1),
    ) as tf.Tensor2D;
    const r1 = tf.relu(s1);
    const s2 = tf.matMul(r1, p.wr2).add(p.br2) as tf.Tensor2D;
    const r2 = tf.relu(s2);
    const rgb = tf.matMul(r2, p.wr3).add(p.br3) as tf.Tensor2D;

    // Losses.
    const rgbErr = tf.sub(rgb, targets.rgb) as tf.Tensor2D;
    const rgbLoss = tf.mean(tf.square(rgbErr)).mul(weights.rgb) as tf.Scalar;
    let featureLoss = tf.scalar(0);
    let dF: tf.Tensor2D | null = null;
    if (targets.features) {
      const fErr = tf.sub(f, targets.features) as tf.Tensor2D;
      featureLoss = tf.mean(tf.square(fErr)).mul(weights.feature) as tf.Scalar;
      dF = fErr.mul(2 * weights.feature / fErr.size) as tf.Tensor2D;
    }
    const loss = tf.add(rgbLoss, featureLoss) as tf.Scalar;

    // Backward through the RGB head.
    const dO = rgbErr.mul(2 * weights.rgb / (n * 3)) as tf.Tensor2D;
    const dWr3 = mmTa(r2, dO);
    const dbr3 = tf.sum(dO, 0);
    const ds2 = reluGrad(mmTb(dO, p.wr3), s2);
    const dWr2 = mmTa(r1, ds2);
    const dbr2 = tf.sum(ds2, 0);
    const ds1 = reluGrad(mmTb(ds2, p.wr2), s1);
    const dWrf = mmTa(f, ds1);
    const dWrp = mmTa(pos, ds1);
    const dbr1 = tf.sum(ds1, 0).reshape([1, -1]) as tf.Tensor2D; // [1, R]
    const cCol = c.reshape([-1, 1]) as tf.Tensor2D; // [G, 1]
    const dWrc = tf.mul(cCol, dbr1); // outer(c, sum of ds1): c is shared by every location
    let dc = rowTimesT(dbr1, p.wrc); // [1, G]
    const dFr = mmTb(ds1, p.wrf);
    const dFeat = dF ? tf.add(dF, dFr) as tf.Tensor2D : dFr;

    // Backward through the feature head and the shared MLP.
    const dWf = mmTa(hLast, dFeat);
    const dbf = tf.sum(dFeat, 0);
    let dh = mmTb(dFeat, p.wf);
    const dHiddenW: tf.Tensor[] = [];
    const dHiddenB: tf.Tensor[] = [];
    for (let k = p.hiddenW.length - 1; k >= 0; k--) {
      const dz = reluGrad(dh, zs[k + 1]);
      dHiddenW[k] = mmTa(hs[k], dz);
      dHiddenB[k] = tf.sum(dz, 0);
      dh = mmTb(dz, p.hiddenW[k]);
    }
    const dz1 = reluGrad(dh, zs[0]);
    const dW1p = mmTa(pos, dz1);
    const db1 = tf.sum(dz1, 0).reshape([1, -1]) as tf.Tensor2D; // [1, H]
    const dW1c = tf.mul(cCol, db1);
    dc = tf.add(dc, rowTimesT(db1, p.w1c)) as tf.Tensor2D; // [1, G]

    // Backward through the column module (c = patches · colW + colB).
    const dcCol = dc.reshape([-1, 1]) as tf.Tensor2D;
    const dColW = mmTa(patches, dcCol);
    const dColB = tf.sum(dcCol).reshape([1]);

    const grads: tf.Tensor[] = [
      dColW,
      dColB,
      dW1c,
      dW1p,
      db1.reshape([-1]),
      ...dHiddenW,
      ...dHiddenB,
      dWf,
      dbf,
      dWrf,
      dWrc,
      dWrp,
      dbr1.reshape([-1]),
      dWr2,
      dbr2,
      dWr3,
      dbr3,
    ];
    return { loss, featureLoss, rgbLoss, grads };
  });
}
