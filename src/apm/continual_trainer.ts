/**
 * Continual test-time training on a stream: the APM's weights carry over from frame to frame
 * (the "boring video" view of a live camera), each frame gets a few Adam steps on random subsets
 * of locations, then the whole field is inferred.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ApmConfig } from "./apm_config.ts";
import { createAdam } from "./adam.ts";
import {
  type ApmParams,
  apmShape,
  columnCode,
  disposeParams,
  framePatches,
  inferFeatures,
  initParams,
  lossAndGrads,
  paramList,
} from "./apm_model.ts";
import { gridPoints, positionalCode } from "./positional_code.ts";
import type { Teacher } from "./teacher.ts";
import { mulberry32 } from "../util/mulberry32.ts";

/** What one frame brings to the trainer, all on the active tfjs backend. */
export interface TrainerInputs {
  /** The frame at `[grid*patch, grid*patch, 3]`, values in [0, 1]. */
  frame: tf.Tensor3D;
  /** The frame area-averaged to the grid, `[grid^2, 3]`: the RGB head's target. */
  rgbTarget: tf.Tensor2D;
  /** The frame at the teacher's input size, when this is a key frame for the teacher. */
  teacherFrame: tf.Tensor3D | null;
}

/** What one frame of adaptation produced. */
export interface TrainerResult {
  /** The inferred field, `grid^2 x dim`, row-major. Always finite. */
  field: Float32Array;
  /** Feature dimension of the field. */
  dim: number;
  /** Loss of the frame's last step (before it), feature and colour parts; NaN with 0 steps. */
  loss: number;
  featureLoss: number;
  rgbLoss: number;
  /** True when the weights diverged (non-finite loss) and were re-drawn on this frame. */
  reset: boolean;
}

/** A continually adapting APM. */
export interface ContinualTrainer {
  /** Feature dimension (the teacher's, or the config's without a teacher). */
  readonly dim: number;
  /** Adapts on one frame (`stepsPerFrame` Adam steps), then infers the whole field. */
  step(inputs: TrainerInputs): Promise<TrainerResult>;
  dispose(): void;
}

/** `k` distinct indices of `0..n-1` (partial Fisher-Yates over a reused permutation). */
function sampleIndices(perm: Int32Array, k: number, rand: () => number): Int32Array {
  const n = perm.length;
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm.slice(0, k);
}

/**
 * `k` distinct indices of `0..n-1`, index `i` drawn with probability proportional to `w[i] > 0`
 * (Efraimidis-Spirakis: the `k` largest keys `log(u) / w`).
 */
function sampleWeighted(w: Float64Array, k: number, rand: () => number): Int32Array {
  const keys = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) keys[i] = Math.log(rand() || 1e-300) / w[i];
  return Int32Array.from({ length: w.length }, (_, i) => i)
    .sort((a, b) => keys[b] - keys[a])
    .slice(0, k);
}

/** Sampling weights: `share` of the mass follows `err^power`, the rest is uniform. */
function errorWeights(err: Float32Array, share: number, power: number): Float64Array {
  const n = err.length;
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[i] = Math.pow(Math.max(err[i], 0), power);
  for (let i = 0; i < n; i++) w[i] = (sum > 0 ? share * w[i] / sum : share / n) + (1 - share) / n;
  return w;
}

/** Creates a continual trainer; `teacher` null trains on colour alone. */
export function createContinualTrainer(
  config: ApmConfig,
  teacher: Teacher | null,
): ContinualTrainer {
  const dim = teacher ? teacher.dim : config.featureDim;
  const shape = apmShape(config, dim);
  const n = config.grid * config.grid;
  const pos = tf.tensor2d(
    positionalCode(gridPoints(config.grid, config.grid), config.grid, config.posDim),
    [n, config.posDim],
  );
  const rand = mulberry32(config.seed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const batch = Math.min(config.locationsPerStep, n);
  let draws = 0;
  let params: ApmParams = initParams(shape, config.seed);
  // One flat update on WebGPU, where each kernel dispatch costs; per variable elsewhere.
  const adamOptions = { learningRate: config.learningRate, flat: tf.getBackend() === "webgpu" };
  // The column-reading weights learn slower (see ApmConfig.columnLrScale).
  const lrScales = (p: ApmParams) =>
    paramList(p).map((v) => v === p.w1c || v === p.wrc ? config.columnLrScale : 1);
  let adam = createAdam(paramList(params), { ...adamOptions, lrScales: lrScales(params) });
  // Per-location squared feature error of the last inferred field; drives location sampling.
  let locationError: Float32Array | null = null;
  let teacherTarget: tf.Tensor2D | null = null;
  const weights = { feature: config.featureLossWeight, rgb: config.rgbLossWeight };

  const redraw = () => {
    adam.dispose();
    disposeParams(params);
    params = initParams(shape, config.seed + ++draws);
    adam = createAdam(paramList(params), { ...adamOptions, lrScales: lrScales(params) });
    locationError = null;
  };

  return {
    dim,
    async step({ frame, rgbTarget, teacherFrame }) {
      if (teacher && teacherFrame) {
        teacherTarget?.dispose();
        teacherTarget = teacher.features(teacherFrame, config.grid);
      }
      const patches = framePatches(frame, config.grid, config.patch);
      let lossT: tf.Tensor | null = null;
      let featT: tf.Tensor | null = null;
      let rgbT: tf.Tensor | null = null;
      const sampling = locationError && config.errorSampling > 0
        ? errorWeights(locationError, config.errorSampling, config.errorPower)
        : null;
      for (let s = 0; s < config.stepsPerFrame; s++) {
        const chosen = sampling
          ? sampleWeighted(sampling, batch, rand)
          : sampleIndices(perm, batch, rand);
        const idx = tf.tensor1d(chosen, "int32");
        const r = tf.tidy(() =>
          lossAndGrads(params, patches, tf.gather(pos, idx), {
            features: teacherTarget ? tf.gather(teacherTarget, idx) : null,
            rgb: tf.gather(rgbTarget, idx),
          }, weights)
        );
        // Outside the tidy: Adam's new moments must outlive this step.
        adam.apply(r.grads);
        tf.dispose([idx, ...r.grads]);
        for (const t of [lossT, featT, rgbT]) t?.dispose();
        [lossT, featT, rgbT] = [r.loss, r.featureLoss, r.rgbLoss];
      }
      const losses = lossT
        ? await Promise.all([lossT, featT!, rgbT!].map(async (t) => (await t.data())[0]))
        : [NaN, NaN, NaN];
      for (const t of [lossT, featT, rgbT]) t?.dispose();
      const reset = config.stepsPerFrame > 0 && !Number.isFinite(losses[0]);
      if (reset) redraw();
      // Infer the whole field from the adapted weights.
      const fieldT = tf.tidy(() => inferFeatures(params, columnCode(params, patches), pos));
      patches.dispose();
      const errT = teacherTarget && config.errorSampling > 0
        ? tf.tidy(() => tf.sum(tf.squaredDifference(fieldT, teacherTarget!), 1))
        : null;
      const field = await fieldT.data() as Float32Array;
      fieldT.dispose();
      if (errT) {
        locationError = await errT.data() as Float32Array;
        errT.dispose();
      }
      if (!field.every(Number.isFinite)) {
        // Never hand non-finite features downstream: re-draw and answer with the fresh net.
        redraw();
        return { ...(await this.step({ frame, rgbTarget, teacherFrame: null })), reset: true };
      }
      return { field, dim, loss: losses[0], featureLoss: losses[1], rgbLoss: losses[2], reset };
    },
    dispose() {
      adam.dispose();
      disposeParams(params);
      pos.dispose();
      teacherTarget?.dispose();
    },
  };
}
