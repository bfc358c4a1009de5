/**
 * One stream's perception engine: raw frames in, feature fields out. It picks the compute
 * backend, loads the teacher, preprocesses each frame (WGSL kernel on webgpu) and runs the
 * continual trainer. Knows nothing of streams or HTTP.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { resizeRgbTensor } from "../../kernels/resize_rgb.ts";
import {
  type ApmConfig,
  gridSize,
  minIslandArea,
  type Size,
  validateApmConfig,
} from "./apm_config.ts";
import { type BackendChoice, type BackendInfo, initBackend } from "./backend.ts";
import { createContinualTrainer, type TrainerState } from "./continual_trainer.ts";
import { letterboxFit, loadMobileNetV2Teacher, type Teacher } from "./teacher.ts";

export type { TrainerState };

/** What the engine needs to start. */
export interface EngineOptions {
  apm: ApmConfig;
  backend: BackendChoice;
  /**
   * Size of every frame the engine will get (the stream's working frame): the grid takes its
   * aspect (`gridSize`) and frames of another size are refused. Absent: a square grid, and
   * frames of any size are resized to it (tools and tests that feed square frames).
   */
  frame?: Size;
}

/** What the engine runs on, for the API and logs. */
export interface EngineInfo {
  backend: BackendInfo;
  teacher: string;
  /** The frames it takes (null: any size, resized to a square grid). */
  frame: Size | null;
  /** The training grid, shaped like the frame (`gridSize`). */
  grid: Size;
  /** The lattice the field is inferred on: the island map's size (`latticeSize`). */
  lattice: Size;
  /** Share of island agreement given to the frame's colour. */
  colorWeight: number;
  /** Islands of what moved or changed, at the frame's pixels (see `ApmConfig.foreground`). */
  foreground: boolean;
  /** With `foreground`: at most this many background islands. */
  maxBackground: number;
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
  /** The lattice the field is on (`EngineInfo.lattice`). */
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
  /**
   * Per lattice location, what the APM still fails to predict of the teacher's features after
   * this frame's training (null without a teacher): feature-space surprise.
   */
  featureError: Float32Array | null;
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

/**
 * Starts an engine: backend, teacher (bundled weights, no network), fresh APM. `stopped`, when
 * given, is asked between training steps: once it says true, `process` rejects with "engine
 * stopped" at the next step (a stopped stream's engine must not train on for minutes).
 */
export async function createEngine(
  { apm, backend, frame }: EngineOptions,
  stopped: (() => boolean) | null = null,
): Promise<Engine> {
  validateApmConfig(apm);
  if (
    frame && !(Number.isInteger(frame.width) && Number.isInteger(frame.height) &&
      frame.width > 0 && frame.height > 0)
  ) {
    throw new RangeError(
      `engine frame size must be positive integers, got ${JSON.stringify(frame)}`,
    );
  }
  const backendInfo = await initBackend(backend);
  const teacher: Teacher | null = apm.teacher === "mobilenet_v2"
    ? await loadMobileNetV2Teacher(apm.teacherLayer, apm.teacherDim)
    : null;
  const grid = gridSize(apm, frame);
  const trainer = createContinualTrainer(apm, teacher, grid, stopped);
  const { lattice } = trainer;
  // What the column module sees: the frame at whole patches per grid cell.
  const columnW = grid.width * apm.patch, columnH = grid.height * apm.patch;
  let processed = 0;
  return {
    info: {
      backend: backendInfo,
      teacher: teacher?.name ?? "none",
      frame: frame ? { ...frame } : null,
      grid,
      lattice,
      colorWeight: apm.colorWeight,
      foreground: apm.foreground,
      maxBackground: apm.maxBackground,
      minIslandArea: minIslandArea(apm, lattice.width, lattice.height),
      dim: trainer.dim,
    },
    async process({ width, height, data }) {
      if (data.length !== width * height * 3) {
        throw new RangeError(
          `frame of ${width}x${height} needs ${width * height * 3} rgb24 bytes, got ${data.length}`,
        );
      }
      if (frame && (width !== frame.width || height !== frame.height)) {
        throw new RangeError(
          `frame of ${width}x${height}: this engine was started for ${frame.width}x${frame.height} ` +
            `frames (its grid follows their aspect); open the source at that size`,
        );
      }
      const t0 = performance.now();
      const keyFrame = teacher !== null && processed % apm.teacherEvery === 0;
      processed++;
      const columnFrame = resizeRgbTensor(data, width, height, columnW, columnH);
      const rgbTarget = tf.tidy(() =>
        resizeRgbTensor(data, width, height, grid.width, grid.height).reshape([
          -1,
          3,
        ]) as tf.Tensor2D
      );
      let teacherFrame: tf.Tensor3D | null = null;
      if (keyFrame) {
        // Resized here (area averaging, on the GPU with webgpu) to the size the teacher
        // letterboxes, so it pads without resizing again.
        const fit = letterboxFit(width, height, teacher!.inputSize);
        teacherFrame = fit.width === columnW && fit.height === columnH
          ? columnFrame
          : resizeRgbTensor(data, width, height, fit.width, fit.height);
      }
      const t1 = performance.now();
      try {
        const r = await trainer.step({ frame: columnFrame, rgbTarget, teacherFrame });
        return {
          width: lattice.width,
          height: lattice.height,
          dim: r.dim,
          field: r.field,
          loss: r.loss,
          featureLoss: r.featureLoss,
          rgbLoss: r.rgbLoss,
          reset: r.reset,
          restored: r.restored,
          spike: r.spike,
          featureError: r.featureError,
          keyFrame,
          timings: { preprocessMs: t1 - t0, trainMs: performance.now() - t1 },
        };
      } finally {
        columnFrame.dispose();
        rgbTarget.dispose();
        if (teacherFrame && teacherFrame !== columnFrame) teacherFrame.dispose();
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
