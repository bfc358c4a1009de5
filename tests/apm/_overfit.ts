/**
 * Single-frame overfitting of the APM (the paper's Fig. 3 behaviour), shared by the per-backend
 * tests and `bench/overfit.ts`: trains on one synthetic frame with its real teacher targets and
 * reports the loss and how well the field's islands agree with the ground truth and with the
 * teacher, before and after.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { resizeRgbTensor } from "../../kernels/resize_rgb.ts";
import { DEFAULT_APM_CONFIG } from "../../src/apm/apm_config.ts";
import { createAdam } from "../../src/apm/adam.ts";
import {
  apmShape,
  columnCode,
  disposeParams,
  framePatches,
  inferFeatures,
  initParams,
  lossAndGrads,
  paramList,
} from "../../src/apm/apm_model.ts";
import { type BackendChoice, initBackend } from "../../src/apm/backend.ts";
import { gridPoints, positionalCode } from "../../src/apm/positional_code.ts";
import { loadMobileNetV2Teacher, type Teacher } from "../../src/apm/teacher.ts";
import { adjustedRandIndex, downsampleLabelsMode } from "../../src/islands/adjusted_rand_index.ts";
import { segmentField } from "../../src/islands/segment_field.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";

/** What one overfitting run measured. */
export interface OverfitReport {
  backend: string;
  /** Loss of every step, first to last. */
  losses: number[];
  /** ARI of the field's islands vs the ground truth, before training and after. */
  truthAri: { before: number; after: number };
  /** ARI of the field's islands vs the teacher field's own islands, before and after. */
  teacherAri: { before: number; after: number };
  msPerStep: number;
}

/** Options of an overfitting run. */
export interface OverfitOptions {
  backend: BackendChoice;
  grid: number;
  hidden: number;
  steps: number;
  learningRate: number;
}

// One teacher per backend: tfjs cannot move weights off WebGPU synchronously under Deno.
const teachers = new Map<string, Teacher>();

/** Overfits a fresh APM on frame 0 of `synthetic:?seed=1` at 224x224. */
export async function overfitOneFrame(o: OverfitOptions): Promise<OverfitReport> {
  const info = await initBackend(o.backend);
  let teacher = teachers.get(info.name);
  if (!teacher) {
    teacher = await loadMobileNetV2Teacher();
    teachers.set(info.name, teacher);
  }
  const config = {
    ...DEFAULT_APM_CONFIG,
    grid: o.grid,
    patch: 224 / o.grid,
    hidden: o.hidden,
    depth: 2,
    posDim: 64,
    rgbHidden: 32,
  };
  const n = o.grid * o.grid;
  const { data, truth } = renderSyntheticFrame({ width: 224, height: 224, seed: 1 }, 0);
  const frame = resizeRgbTensor(data, 224, 224, 224, 224);
  const rgb = tf.tidy(() => resizeRgbTensor(data, 224, 224, o.grid, o.grid).reshape([n, 3]));
  const features = teacher.features(frame, o.grid);
  const patches = framePatches(frame, o.grid, o.grid, config.patch);
  const pos = tf.tensor2d(positionalCode(gridPoints(o.grid, o.grid), o.grid, 64), [n, 64]);
  const params = initParams(apmShape(config, teacher.dim), 1);
  const flat = info.name === "webgpu";
  let adam = createAdam(paramList(params), { learningRate: o.learningRate, flat });

  const gt = downsampleLabelsMode(truth, 224, 224, o.grid, o.grid);
  const fieldOf = (t: Float32Array) => ({
    width: o.grid,
    height: o.grid,
    dim: teacher.dim,
    data: t,
  });
  const teacherIslands = segmentField(fieldOf(await features.data() as Float32Array));
  const islandsNow = async () => {
    const f = tf.tidy(() => inferFeatures(params, columnCode(params, patches), pos));
    const labels = segmentField(fieldOf(await f.data() as Float32Array));
    f.dispose();
    return labels;
  };
  const before = await islandsNow();

  const losses: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < o.steps; i++) {
    // The paper's step decay, once: a lower rate for the last 40% of the steps.
    if (i === Math.floor(o.steps * 0.6)) {
      adam.dispose();
      adam = createAdam(paramList(params), { learningRate: o.learningRate / 5, flat });
    }
    const r = lossAndGrads(params, patches, pos, { features, rgb: rgb as tf.Tensor2D }, {
      feature: 1,
      rgb: 1,
    });
    adam.apply(r.grads);
    losses.push((await r.loss.data())[0]);
    tf.dispose([r.loss, r.featureLoss, r.rgbLoss, ...r.grads]);
  }
  const msPerStep = (performance.now() - t0) / o.steps;
  const after = await islandsNow();

  tf.dispose([frame, rgb, features, patches, pos]);
  adam.dispose();
  disposeParams(params);
  return {
    backend: info.name,
    losses,
    truthAri: { before: adjustedRandIndex(gt, before), after: adjustedRandIndex(gt, after) },
    teacherAri: {
      before: adjustedRandIndex(teacherIslands, before),
      after: adjustedRandIndex(teacherIslands, after),
    },
    msPerStep,
  };
}
