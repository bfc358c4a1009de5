/**
 * One stream's perception engine: raw frames in, feature fields out. It picks the compute
 * backend, loads the teacher, preprocesses each frame (WGSL kernel on webgpu) and runs the
 * continual trainer. Knows nothing of streams or HTTP.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { resizeRgbTensor } from "../../kernels/resize_rgb.ts";
import { type ApmConfig, latticeSide, minIslandArea, validateApmConfig } from "./apm_config.ts";
import { type BackendChoice, type BackendInfo, initBackend } from "./backend.ts";
import { createContinualTrainer, type TrainerState } from "./continual_trainer.ts";
import { loadMobileNetV2Teacher, type Teacher } from "./teacher.ts";

export type { TrainerState };

/** What the engine needs to start. */
export interface EngineOptions {
  apm: ApmConfig;
  backend: BackendChoice;
}

/** What the engine runs on, for the API and logs. */
export interface EngineInfo {
  backend: BackendInfo;
  teacher: string;
  grid: number;
  /** Side of the lattice the field is inferred on (the island map's size). */
  lattice: number;
  /** Share of island agreement given to the frame's colour. */
  colorWeight: number;
  /** Smallest island, in cells of the lattice. */
  minIslandArea: number;
  dim: number;
}

/** A raw frame, as the engine receives it. */
export interface RawFrame {
  width: number;
  height: number;
  /** `width * height * 3` bytes, rgb24. */
  data: Uint8Array;
}

/** The engine's answer for one frame. */
export interface FieldResult {
  width: number;
  height: number;
  dim: number;
  /** `width * height * dim` features, row-major; always finite. */
  field: Float32Array;
  loss: number;
  featureLoss: number;
  rgbLoss: number;
  /** The weights were re-drawn from scratch on this frame (divergence with no sound anchor). */
  reset: boolean;
  /** The weights diverged and were restored to their anchor (an EMA of them) on this frame. */
  restored: boolean;
  /** The loss spiked (a scene cut): the frame got extra adaptation steps. */
  spike: boolean;
  /** The teacher ran on this frame. */
  keyFrame: boolean;
  /** Milliseconds spent preprocessing and in the trainer (teacher, steps, inference). */
  timings: { preprocessMs: number; trainMs: number };
}

/** A running engine. */
export interface Engine {
  readonly info: EngineInfo;
  process(frame: RawFrame): Promise<FieldResult>;
  /** The trainer's weights, anchor and Adam moments, for a checkpoint. */
  exportState(): Promise<TrainerState>;
  /** Resumes from a checkpoint; throws, saying why, when it is for a model of another shape. */
  importState(state: TrainerState): void;
  dispose(): void;
}

/** Starts an engine: backend, teacher (bundled weights, no network), fresh APM. */
export async function createEngine({ apm, backend }: EngineOptions): Promise<Engine> {
  validateApmConfig(apm);
  const backendInfo = await initBackend(backend);
  const teacher: Teacher | null = apm.teacher === "mobilenet_v2"
    ? await loadMobileNetV2Teacher(apm.teacherLayer, apm.teacherDim)
    : null;
  const trainer = createContinualTrainer(apm, teacher);
  const side = apm.grid * apm.patch;
  let processed = 0;
  return {
    info: {
      backend: backendInfo,
      teacher: teacher?.name ?? "none",
      grid: apm.grid,
      lattice: latticeSide(apm),
      colorWeight: apm.colorWeight,
      minIslandArea: minIslandArea(apm, latticeSide(apm), latticeSide(apm)),
      dim: trainer.dim,
    },
    async process({ width, height, data }) {
      if (data.length !== width * height * 3) {
        throw new RangeError(
          `frame of ${width}x${height} needs ${width * height * 3} rgb24 bytes, got ${data.length}`,
        );
      }
      const t0 = performance.now();
      const keyFrame = teacher !== null && processed % apm.teacherEvery === 0;
      processed++;
      const frame = resizeRgbTensor(data, width, height, side, side);
      const rgbTarget = tf.tidy(() =>
        resizeRgbTensor(data, width, height, apm.grid, apm.grid).reshape([-1, 3]) as tf.Tensor2D
      );
      let teacherFrame: tf.Tensor3D | null = null;
      if (keyFrame) {
        const size = teacher!.inputSize;
        teacherFrame = size === side ? frame : resizeRgbTensor(data, width, height, size, size);
      }
      const t1 = performance.now();
      try {
        const r = await trainer.step({ frame, rgbTarget, teacherFrame });
        return {
          width: latticeSide(apm),
          height: latticeSide(apm),
          dim: r.dim,
          field: r.field,
          loss: r.loss,
          featureLoss: r.featureLoss,
          rgbLoss: r.rgbLoss,
          reset: r.reset,
          restored: r.restored,
          spike: r.spike,
          keyFrame,
          timings: { preprocessMs: t1 - t0, trainMs: performance.now() - t1 },
        };
      } finally {
        frame.dispose();
        rgbTarget.dispose();
        if (teacherFrame && teacherFrame !== frame) teacherFrame.dispose();
      }
    },
    exportState: () => trainer.exportState(),
    importState: (state) => trainer.importState(state),
    dispose() {
      trainer.dispose();
      teacher?.dispose();
    },
  };
}
