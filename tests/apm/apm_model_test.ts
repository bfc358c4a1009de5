import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { DEFAULT_APM_CONFIG } from "../../src/apm/apm_config.ts";
import {
  type ApmParams,
  apmShape,
  columnCode,
  disposeParams,
  firstLayer,
  framePatches,
  initParams,
  lossAndGrads,
  paramList,
} from "../../src/apm/apm_model.ts";
import { gridPoints, positionalCode } from "../../src/apm/positional_code.ts";

await tf.setBackend("cpu");

const config = {
  ...DEFAULT_APM_CONFIG,
  grid: 4,
  patch: 2,
  posDim: 8,
  hidden: 6,
  depth: 3,
  rgbHidden: 5,
};
// A grid shaped like a wide frame (5 x 3, as gridSize gives a 5:3 frame at grid 4): the column
// module, the unfolding and the backward pass must not assume a square.
const GW = 5, GH = 3;
const shape = apmShape(config, 7, { width: GW, height: GH });
const n = GW * GH;

function fixtures(seed: number) {
  const params = initParams(shape, seed);
  const [w, h] = [GW * config.patch, GH * config.patch];
  const frame = tf.randomUniform([h, w, 3], 0, 1, "float32", seed) as tf.Tensor3D;
  const pos = tf.tensor2d(positionalCode(gridPoints(GW, GH), GW, config.posDim), [
    n,
    config.posDim,
  ]);
  return { params, frame, pos };
}

Deno.test("the shape follows the grid: a column code of gridW * gridH values", () => {
  assert.equal(shape.columnDim, 15);
  assert.deepEqual([shape.gridW, shape.gridH, shape.grid], [5, 3, 4]);
  const params = initParams(shape, 1);
  assert.deepEqual(params.w1c.shape, [15, config.hidden]);
  assert.deepEqual(params.wrc.shape, [15, config.rgbHidden]);
  disposeParams(params);
  const square = tf.zeros([GW * config.patch, GW * config.patch, 3]) as tf.Tensor3D;
  assert.throws(() => framePatches(square, GW, GH, config.patch), /needs 10x6/);
  square.dispose();
});

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

Deno.test("unfolded first layer equals the naive concatenated-query form", async () => {
  const { params, frame, pos } = fixtures(3);
  const patches = framePatches(frame, GW, GH, config.patch);
  const c = columnCode(params, patches);
  const unfolded = firstLayer(params, c, pos);
  // Naive: build every query q_ij = [c; pos_ij] and multiply by the stacked W1 = [W1c; W1p].
  const queries = tf.concat([tf.tile(c, [n, 1]), pos], 1);
  const naive = tf.matMul(queries, tf.concat([params.w1c, params.w1p], 0)).add(params.b1);
  assert.deepEqual(unfolded.shape, [n, config.hidden]);
  assert.ok(await maxAbsDiff(unfolded, naive) < 1e-5);
  tf.dispose([patches, c, unfolded, queries, naive, frame, pos]);
  disposeParams(params);
});

Deno.test("column code is the patch convolution (kernel = stride = patch)", async () => {
  const { params, frame, pos } = fixtures(4);
  const patches = framePatches(frame, GW, GH, config.patch);
  const c = columnCode(params, patches);
  const kernel = params.colW.reshape([config.patch, config.patch, 3, 1]) as tf.Tensor4D;
  const conv = tf.conv2d(frame.expandDims(0) as tf.Tensor4D, kernel, config.patch, "valid")
    .add(params.colB).reshape([1, n]);
  assert.ok(await maxAbsDiff(c, conv) < 1e-5);
  tf.dispose([patches, c, kernel, conv, frame, pos]);
  disposeParams(params);
});

/** The same loss as lossAndGrads, written the naive way for tf.grads to differentiate. */
function naiveLoss(
  p: ApmParams,
  frame: tf.Tensor3D,
  pos: tf.Tensor2D,
  tFeat: tf.Tensor2D,
  tRgb: tf.Tensor2D,
) {
  const c = columnCode(p, framePatches(frame, GW, GH, config.patch));
  const q = tf.concat([tf.tile(c, [n, 1]), pos], 1);
  let h = tf.relu(tf.matMul(q, tf.concat([p.w1c, p.w1p], 0)).add(p.b1));
  for (let k = 0; k < p.hiddenW.length; k++) {
    h = tf.relu(tf.matMul(h, p.hiddenW[k]).add(p.hiddenB[k]));
  }
  const f = tf.matMul(h, p.wf).add(p.bf);
  const rIn = tf.concat([f, q], 1);
  const r1 = tf.relu(tf.matMul(rIn, tf.concat([p.wrf, p.wrc, p.wrp], 0)).add(p.br1));
  const r2 = tf.relu(tf.matMul(r1, p.wr2).add(p.br2));
  const rgb = tf.matMul(r2, p.wr3).add(p.br3);
  return tf.add(
    tf.mean(tf.square(tf.sub(f, tFeat))),
    tf.mean(tf.square(tf.sub(rgb, tRgb)))
      .mul(0.5),
  ) as tf.Scalar;
}

Deno.test("hand-written backward pass equals autodiff of the naive form", async () => {
  const { params, frame, pos } = fixtures(5);
  const tFeat = tf.randomNormal([n, shape.featureDim], 0, 1, "float32", 9) as tf.Tensor2D;
  const tRgb = tf.randomUniform([n, 3], 0, 1, "float32", 10) as tf.Tensor2D;
  const patches = framePatches(frame, GW, GH, config.patch);
  const mine = lossAndGrads(params, patches, pos, { features: tFeat, rgb: tRgb }, {
    feature: 1,
    rgb: 0.5,
  });
  const vars = paramList(params);
  const { value, grads } = tf.variableGrads(() => naiveLoss(params, frame, pos, tFeat, tRgb), vars);
  assert.ok(Math.abs((await mine.loss.data())[0] - (await value.data())[0]) < 1e-5);
  for (let i = 0; i < vars.length; i++) {
    const ref = grads[vars[i].name];
    assert.deepEqual(mine.grads[i].shape, ref.shape, `shape of gradient ${i}`);
    const scale = Math.max(1e-3, (await tf.max(tf.abs(ref)).data())[0]);
    assert.ok(
      await maxAbsDiff(mine.grads[i], ref) / scale < 1e-3,
      `gradient ${i} (${vars[i].name})`,
    );
  }
  disposeParams(params);
});
