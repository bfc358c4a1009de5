/**
 * Continual test-time training on a stream: the APM's weights carry over from frame to frame
 * (the "boring video" view of a live camera), each frame gets a few Adam steps on random subsets
 * of locations, then the whole field is inferred.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type ApmConfig, latticeSize, type Size } from "./apm_config.ts";
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
import { gridPoints, latticeCells, latticePoints, positionalCode } from "./positional_code.ts";
import type { Teacher } from "./teacher.ts";
import { mulberry32 } from "../util/mulberry32.ts";

/** What one frame brings to the trainer, all on the active tfjs backend. */
export interface TrainerInputs {
  /** The frame at `[gridH*patch, gridW*patch, 3]`, values in [0, 1]. */
  frame: tf.Tensor3D;
  /** The frame area-averaged to the grid, `[gridW*gridH, 3]`: the RGB head's target. */
  rgbTarget: tf.Tensor2D;
  /**
   * The whole frame for the teacher (any size: the teacher letterboxes it into its input), when
   * this is a key frame for the teacher.
   */
  teacherFrame: tf.Tensor3D | null;
}

/** What one frame of adaptation produced. */
export interface TrainerResult {
  /**
   * The inferred field, `(lattice width * height) x dim` (see `latticeSize`), row-major. Always
   * finite.
   */
  field: Float32Array;
  /** Feature dimension of the field. */
  dim: number;
  /** Loss of the frame's last step (before it), feature and colour parts; NaN with 0 steps. */
  loss: number;
  featureLoss: number;
  rgbLoss: number;
  /** True when the weights were re-drawn from scratch on this frame (divergence, no anchor). */
  reset: boolean;
  /** True when the weights diverged and were restored to the anchor on this frame. */
  restored: boolean;
  /** True when the frame's loss spiked (a scene cut) and it got extra steps. */
  spike: boolean;
  /**
   * At each lattice location, the squared error of the inferred field against the teacher
   * after this frame's steps: what the continually trained APM still fails to predict (things
   * that moved in or changed). Null without a teacher, error sampling or steps.
   */
  featureError: Float32Array | null;
}

/**
 * A trainer's weights for a checkpoint. `shape` is the model's shape (`ApmShape`: grid, gridW,
 * gridH, patch, columnDim, posDim, hidden, depth, featureDim, rgbHidden); only a trainer of the
 * same shape can take the state (a state without gridW and gridH, written before grids followed
 * the frame's aspect, was square: `grid x grid`). The teacher's kind and layer are not part of it: a state
 * fits another teacher of the same dimension, but its features then mean something else.
 * `tensors` are named `weights/<param>`, then `anchor/<param>` (when there is one), then
 * `adam/m/<param>`, `adam/v/<param>` and `adam/step` (a single value).
 */
export interface TrainerState {
  shape: Record<string, number>;
  tensors: { name: string; shape: number[]; data: Float32Array }[];
  /** Frames trained so far (counts toward `freezeAfterFrames`). */
  framesTrained: number;
}

/** A continually adapting APM. */
export interface ContinualTrainer {
  /** Feature dimension (the teacher's, or the config's without a teacher). */
  readonly dim: number;
  /** The training grid (columns, rows). */
  readonly grid: Size;
  /** The lattice the field is inferred on (`latticeSize`). */
  readonly lattice: Size;
  /** Adapts on one frame (`stepsPerFrame` Adam steps), then infers the whole field. */
  step(inputs: TrainerInputs): Promise<TrainerResult>;
  /** Copies out the weights, the anchor and Adam's moments. */
  exportState(): Promise<TrainerState>;
  /** Takes over an exported state; throws when it is for a model of another shape. */
  importState(state: TrainerState): void;
  dispose(): void;
}

// Loss spikes (a scene cut, a moved camera): a frame's first-step loss above the running mean
// plus SPIKE_K running mean absolute deviations, and at least SPIKE_RATIO times the mean. The
// statistics skip a fresh net's first SPIKE_SKIP frames, average the next SPIKE_WARMUP before
// any frame is tested, then follow the loss at rate SPIKE_RATE (a memory of ~20 frames).
const SPIKE_K = 6;
const SPIKE_RATIO = 3;
const SPIKE_SKIP = 10;
const SPIKE_WARMUP = 10;
const SPIKE_RATE = 0.05;
/** A spike frame gets this many times `stepsPerFrame` extra steps before its field is inferred. */
const SPIKE_EXTRA_STEPS = 2;

/** Names of the parameters, in `paramList` order. */
function paramNames(p: ApmParams): string[] {
  const hidden = p.hiddenW.length;
  return [
    "colW",
    "colB",
    "w1c",
    "w1p",
    "b1",
    ...Array.from({ length: hidden }, (_, k) => `hiddenW${k}`),
    ...Array.from({ length: hidden }, (_, k) => `hiddenB${k}`),
    "wf",
    "bf",
    "wrf",
    "wrc",
    "wrp",
    "br1",
    "wr2",
    "br2",
    "wr3",
    "br3",
  ];
}

/** `a 1, b 2` for a shape record, in the record's key order. */
function describeShape(shape: Record<string, number>): string {
  return Object.entries(shape).map(([k, v]) => `${k} ${v}`).join(", ");
}

/** The mean of `values` over the queries of each of `cells` grid cells (`cellOf` per query). */
function meanPerCell(values: Float32Array, cellOf: Int32Array, cells: number): Float32Array {
  const sum = new Float32Array(cells);
  const count = new Float32Array(cells);
  for (let i = 0; i < values.length; i++) {
    sum[cellOf[i]] += values[i];
    count[cellOf[i]]++;
  }
  for (let c = 0; c < cells; c++) sum[c] /= count[c] || 1;
  return sum;
}

/** Whether every value of the tensors is finite (`x * 0` is NaN exactly for NaN and ±Inf). */
async function allFinite(ts: tf.Tensor[]): Promise<boolean> {
  const s = tf.tidy(() => tf.addN(ts.map((t) => tf.sum(tf.mul(t, 0)))));
  const v = (await s.data())[0];
  s.dispose();
  return Number.isFinite(v);
}

/** Indices of a Bernoulli(`p`) draw over `0..n-1`, by geometric skips: O(p n) random numbers. */
function bernoulliIndices(n: number, p: number, rand: () => number): number[] {
  const logQ = Math.log1p(-p);
  const skip = () => Math.floor(Math.log(1 - rand()) / logQ);
  const out: number[] = [];
  for (let j = skip(); j < n; j += 1 + skip()) out.push(j);
  return out;
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

/**
 * Creates a continual trainer on a `grid` (`gridSize`; default the square `grid x grid`);
 * `teacher` null trains on colour alone.
 *
 * Guards against the collapse of long continual adaptation (CoTTA, Wang et al. 2022; RDumb,
 * Press et al. 2023): an EMA anchor of the weights, restored on divergence; a small stochastic
 * restore toward it every frame; extra steps on loss spikes. `stopped`, when given, is asked
 * before each training step; once true, `step` throws "engine stopped".
 */
export function createContinualTrainer(
  config: ApmConfig,
  teacher: Teacher | null,
  grid: Size = { width: config.grid, height: config.grid },
  stopped: (() => boolean) | null = null,
): ContinualTrainer {
  const dim = teacher ? teacher.dim : config.featureDim;
  const shape = apmShape(config, dim, grid);
  const { width: gridW, height: gridH } = grid;
  const n = gridW * gridH;
  // One frequency scale for both axes: the grid's cells are square in the frame.
  const scale = Math.max(gridW, gridH);
  const pos = tf.tensor2d(
    positionalCode(gridPoints(gridW, gridH), scale, config.posDim),
    [n, config.posDim],
  );
  // The field is inferred on the lattice; on the grid itself the training codes serve.
  const lattice = latticeSize(config, grid);
  const onGrid = lattice.width === gridW && lattice.height === gridH;
  const inferPos = onGrid ? pos : tf.tensor2d(
    positionalCode(
      latticePoints(lattice.width, lattice.height, gridW, gridH),
      scale,
      config.posDim,
    ),
    [lattice.width * lattice.height, config.posDim],
  );
  // Each lattice query's grid cell: its error against the cell's teacher target, averaged per
  // cell, drives the location sampling.
  const queryCells = onGrid ? null : latticeCells(lattice.width, lattice.height, gridW, gridH);
  const cellOfQuery = queryCells ? tf.tensor1d(queryCells, "int32") : null;
  let rand = mulberry32(config.seed);
  // Its own stream, so that the restore leaves the location sampling as it was.
  const restoreRand = mulberry32(config.seed ^ 0x5eed);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const batch = Math.min(config.locationsPerStep, n);
  let draws = 0;
  const params: ApmParams = initParams(shape, config.seed);
  const vars = paramList(params);
  const names = paramNames(params);
  const total = vars.reduce((a, v) => a + v.size, 0);
  // One flat update on WebGPU, where each kernel dispatch costs; per variable elsewhere.
  const adam = createAdam(vars, {
    learningRate: config.learningRate,
    flat: tf.getBackend() === "webgpu",
    // The column-reading weights learn slower (see ApmConfig.columnLrScale).
    lrScales: vars.map((v) => v === params.w1c || v === params.wrc ? config.columnLrScale : 1),
  });
  // EMA of the weights (see ApmConfig.anchorDecay); null until the first trained frame and
  // after a re-draw. Unused when every frame starts from scratch.
  let anchor: tf.Tensor[] | null = null;
  let anchorUpdates = 0;
  // The weights as first drawn (or last re-drawn): where ApmConfig.initDecay pulls them.
  let initial: tf.Tensor[] = vars.map((v) => tf.clone(v));
  let framesTrained = 0;
  // Running mean of the first-step loss and of its absolute deviation; frames seen so far.
  let lossMean = 0;
  let lossDev = 0;
  let lossFrames = 0;
  // Per-location squared feature error of the last inferred field; drives location sampling.
  let locationError: Float32Array | null = null;
  let teacherTarget: tf.Tensor2D | null = null;
  const weights = { feature: config.featureLossWeight, rgb: config.rgbLossWeight };

  /** Overwrites the weights with a fresh draw from `seed` (the variables stay the same). */
  const reinit = (seed: number) => {
    const fresh = initParams(shape, seed);
    paramList(fresh).forEach((v, i) => vars[i].assign(v));
    disposeParams(fresh);
    tf.dispose(initial);
    initial = vars.map((v) => tf.clone(v));
    adam.reset();
    locationError = null;
  };

  /** Re-draws the weights from scratch, forgetting the anchor and the loss statistics. */
  const redraw = () => {
    reinit(config.seed + ++draws);
    if (anchor) tf.dispose(anchor);
    anchor = null;
    anchorUpdates = 0;
    lossFrames = 0;
  };

  /** Recovers from divergence: back to the anchor when it is sound, else a fresh draw. */
  const recover = async (): Promise<"restored" | "reset"> => {
    if (anchor && await allFinite(anchor)) {
      anchor.forEach((a, i) => vars[i].assign(a));
      adam.reset();
      locationError = null;
      return "restored";
    }
    redraw();
    return "reset";
  };

  /** `count` Adam steps on the frame; the first step's loss and the last step's three losses. */
  const train = (patches: tf.Tensor2D, rgbTarget: tf.Tensor2D, count: number) => {
    const sampling = locationError && config.errorSampling > 0
      ? errorWeights(locationError, config.errorSampling, config.errorPower)
      : null;
    let first: tf.Scalar | null = null;
    let last: tf.Scalar[] = [];
    for (let s = 0; s < count; s++) {
      if (stopped?.()) throw new Error("engine stopped");
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
      if (first) tf.dispose(last.filter((t) => t !== first));
      else first = r.loss;
      last = [r.loss, r.featureLoss, r.rgbLoss];
    }
    return { first: first!, last };
  };

  /** Reads scalars and frees them (each once, even when listed twice). */
  const read = async (ts: tf.Scalar[]) => {
    const values = await Promise.all(ts.map(async (t) => (await t.data())[0]));
    tf.dispose([...new Set(ts)]);
    return values;
  };

  /** A spike test of the first-step loss, then folds it into the running statistics. */
  const spikeAndUpdate = (loss: number) => {
    const seen = lossFrames++ - SPIKE_SKIP;
    // The net's first frames are a transient of its own (the loss falls by orders of magnitude).
    if (seen < 0) return false;
    const spike = seen >= SPIKE_WARMUP && loss > lossMean + SPIKE_K * lossDev &&
      loss > SPIKE_RATIO * lossMean;
    // A plain average while warming up, an EMA after.
    const rate = Math.max(SPIKE_RATE, 1 / (seen + 1));
    lossMean += rate * (loss - lossMean);
    lossDev += rate * (Math.abs(loss - lossMean) - lossDev);
    return spike;
  };

  /** EMA toward the weights (a plain average over the first frames), then CoTTA's restore. */
  const updateAnchor = () => {
    if (config.initDecay > 0) {
      tf.tidy(() =>
        vars.forEach((v, i) => v.assign(tf.sub(v, tf.mul(tf.sub(v, initial[i]), config.initDecay))))
      );
    }
    const rate = Math.max(1 - config.anchorDecay, 1 / ++anchorUpdates);
    const prev = anchor;
    anchor = tf.tidy(() =>
      vars.map((v, i) => prev ? tf.add(prev[i], tf.mul(tf.sub(v, prev[i]), rate)) : tf.clone(v))
    );
    if (prev) tf.dispose(prev);
    if (config.restoreProbability <= 0) return;
    // Which weights go back: a few hundred flat indices, drawn in JavaScript and uploaded as
    // masks only for the variables they fall in (cheaper than a uniform draw per weight).
    const hits = bernoulliIndices(total, config.restoreProbability, restoreRand);
    let offset = 0;
    let h = 0;
    vars.forEach((v, i) => {
      const end = offset + v.size;
      if (h < hits.length && hits[h] < end) {
        const mask = new Uint8Array(v.size);
        for (; h < hits.length && hits[h] < end; h++) mask[hits[h] - offset] = 1;
        const a = anchor![i];
        tf.tidy(() => v.assign(tf.where(tf.tensor(mask, v.shape, "bool"), a, v)));
      }
      offset = end;
    });
  };

  return {
    dim,
    grid: { ...grid },
    lattice,
    async step({ frame, rgbTarget, teacherFrame }) {
      const frozen = config.freezeAfterFrames > 0 && framesTrained >= config.freezeAfterFrames;
      const steps = frozen ? 0 : config.stepsPerFrame;
      // Frozen weights need no targets: the teacher would only cost time.
      if (teacher && teacherFrame && !frozen) {
        teacherTarget?.dispose();
        teacherTarget = teacher.features(teacherFrame, gridW, gridH);
      }
      if (config.resetEveryFrame) {
        reinit(config.seed);
        rand = mulberry32(config.seed);
        perm.forEach((_, i) => perm[i] = i);
      }
      const patches = framePatches(frame, gridW, gridH, config.patch);
      let losses = [NaN, NaN, NaN];
      let spike = false;
      let recovered: "restored" | "reset" | null = null;
      // Back to the anchor, or a fresh draw that then gets this frame's steps (its answer would
      // be noise otherwise).
      const recoverHere = async (redrawOnly: boolean) => {
        if (redrawOnly) redraw();
        recovered = redrawOnly ? "reset" : await recover();
        if (recovered === "reset" && steps > 0) {
          const r = train(patches, rgbTarget, steps);
          tf.dispose([...new Set([r.first, ...r.last])]);
        }
      };
      if (steps > 0) {
        const { first, last } = train(patches, rgbTarget, steps);
        const [firstLoss, ...lastLosses] = await read([first, ...last]);
        losses = lastLosses;
        // From scratch every frame, the first loss is the fresh net's: no measure of surprise.
        if (!config.resetEveryFrame && Number.isFinite(firstLoss)) {
          spike = spikeAndUpdate(firstLoss);
        }
        if (spike && Number.isFinite(losses[0])) {
          const more = train(patches, rgbTarget, SPIKE_EXTRA_STEPS * steps);
          losses = (await read([more.first, ...more.last])).slice(1);
        }
        framesTrained++;
        if (!Number.isFinite(losses[0])) await recoverHere(false);
      }
      // Infer the whole field; a non-finite one is never handed on: recover, then re-draw;
      // zeros are the last resort, reachable only with a non-finite frame.
      let field: Float32Array = new Float32Array(0);
      let featureError: Float32Array | null = null;
      for (let attempt = 0;; attempt++) {
        const fieldT = tf.tidy(() => inferFeatures(params, columnCode(params, patches), inferPos));
        const errT = teacherTarget && config.errorSampling > 0 && steps > 0
          ? tf.tidy(() => {
            const target = cellOfQuery ? tf.gather(teacherTarget!, cellOfQuery) : teacherTarget!;
            return tf.sum(tf.squaredDifference(fieldT, target), 1);
          })
          : null;
        field = await fieldT.data() as Float32Array;
        fieldT.dispose();
        if (errT) {
          const err = await errT.data() as Float32Array;
          errT.dispose();
          featureError = err;
          locationError = queryCells ? meanPerCell(err, queryCells, n) : err;
        }
        if (field.every(Number.isFinite)) break;
        if (attempt === 2) {
          field = field.map((x) => Number.isFinite(x) ? x : 0);
          break;
        }
        await recoverHere(attempt > 0);
      }
      patches.dispose();
      // Healthy trained frames feed the anchor; frozen weights and per-frame resets have none.
      if (steps > 0 && !recovered && !config.resetEveryFrame) updateAnchor();
      return {
        field,
        dim,
        loss: losses[0],
        featureLoss: losses[1],
        rgbLoss: losses[2],
        reset: recovered === "reset",
        restored: recovered === "restored",
        spike,
        featureError,
      };
    },
    async exportState() {
      const adamState = adam.getState();
      const named: [string, tf.Tensor][] = [
        ...vars.map((v, i): [string, tf.Tensor] => [`weights/${names[i]}`, v]),
        ...(anchor ?? []).map((a, i): [string, tf.Tensor] => [`anchor/${names[i]}`, a]),
        ...adamState.m.map((m, i): [string, tf.Tensor] => [`adam/m/${names[i]}`, m]),
        ...adamState.v.map((v, i): [string, tf.Tensor] => [`adam/v/${names[i]}`, v]),
      ];
      const tensors = await Promise.all(named.map(async ([name, t]) => ({
        name,
        shape: t.shape.slice(),
        data: Float32Array.from(await t.data() as Float32Array),
      })));
      tf.dispose([...adamState.m, ...adamState.v]);
      tensors.push({ name: "adam/step", shape: [1], data: Float32Array.of(adamState.step) });
      return { shape: { ...shape }, tensors, framesTrained };
    },
    importState(state) {
      const mine: Record<string, number> = { ...shape };
      // Checkpoints from before grids followed the frame's aspect were square.
      const theirs = "gridW" in state.shape
        ? state.shape
        : { ...state.shape, gridW: state.shape.grid, gridH: state.shape.grid };
      const keys = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
      const differ = [...keys].filter((k) => mine[k] !== theirs[k]);
      if (differ.length > 0) {
        throw new Error(
          `checkpoint is for a model of ${describeShape(theirs)}; this stream runs ` +
            `${describeShape(mine)} (they differ in ${differ.join(", ")}): delete it or use ` +
            `matching options`,
        );
      }
      const byName = new Map(state.tensors.map((t) => [t.name, t]));
      // Every tensor of a group, checked against the variables' shapes; null when absent.
      const group = (prefix: string) => {
        if (!names.some((name) => byName.has(prefix + name))) return null;
        return names.map((name, i) => {
          const t = byName.get(prefix + name);
          if (!t || t.shape.join() !== vars[i].shape.join()) {
            throw new Error(
              `checkpoint tensor ${prefix}${name} is ${t ? `[${t.shape}]` : "missing"}, ` +
                `expected [${vars[i].shape}]: the checkpoint is damaged, delete it`,
            );
          }
          return t;
        });
      };
      const w = group("weights/");
      if (!w) throw new Error("checkpoint has no weights: the checkpoint is damaged, delete it");
      const a = group("anchor/");
      const m = group("adam/m/");
      const v = group("adam/v/");
      const adamStep = byName.get("adam/step")?.data[0];
      w.forEach((t, i) => vars[i].assign(tf.tensor(t.data, t.shape)));
      if (anchor) tf.dispose(anchor);
      anchor = a ? a.map((t) => tf.tensor(t.data, t.shape)) : null;
      // The anchor's warm-up is over in a state that has one.
      anchorUpdates = a ? Infinity : 0;
      if (m && v && adamStep !== undefined) {
        const toTensors = (g: typeof m) => g.map((t) => tf.tensor(t.data, t.shape));
        const adamState = { step: adamStep, m: toTensors(m), v: toTensors(v) };
        adam.setState(adamState);
        tf.dispose([...adamState.m, ...adamState.v]);
      } else adam.reset();
      framesTrained = state.framesTrained;
      // The loss statistics belong to the stream the state came from: learn them afresh.
      lossFrames = 0;
      locationError = null;
    },
    dispose() {
      adam.dispose();
      disposeParams(params);
      if (anchor) tf.dispose(anchor);
      tf.dispose(initial);
      pos.dispose();
      if (inferPos !== pos) inferPos.dispose();
      cellOfQuery?.dispose();
      teacherTarget?.dispose();
    },
  };
}
