/**
 * Messages across the Worker boundary between a stream's pipeline and its engine. Frames go in
 * and island maps come out as transferred buffers: nothing is copied that can be moved.
 *
 * @module
 */
import type { IslandSummary } from "../islands/types.ts";
import type { TrainerState } from "./continual_trainer.ts";
import type { EngineInfo, EngineOptions } from "./engine.ts";

/** Pipeline -> engine. */
export type EngineRequest =
  /**
   * `stop`: a shared 4-byte flag the pipeline sets to 1 when it stops the engine; the engine
   * checks it between training steps (see `EngineHost.terminate`).
   */
  | { type: "init"; options: EngineOptions; stop?: SharedArrayBuffer }
  | { type: "frame"; width: number; height: number; data: ArrayBuffer }
  /** The adapted weights, for a checkpoint. */
  | { type: "export" }
  /** Weights from a checkpoint; refused (an error reply) when the model's shape differs. */
  | { type: "import"; state: TrainerState };

/**
 * The engine's answer for one frame: the island map and what it cost.
 *
 * The map always comes at the lattice (`width x height`, the `--lattice` or the grid), with the
 * summaries of its islands. An engine that cuts islands at the frame's own pixels also sends
 * `frameLabels`, the same islands (same ids) at the frame it was given: `resample_labels.ts`
 * then serves every resolution from those instead of upsampling the lattice.
 */
export interface EngineMap {
  /** Size of `labels` and `featureColors`: the lattice (`EngineInfo.lattice`). */
  width: number;
  height: number;
  /** Island id of every lattice location, row-major (an Int32Array's buffer, transferred). */
  labels: ArrayBuffer;
  /**
   * Optional: island id of every pixel of the frame the engine was given (its width x height,
   * row-major; an Int32Array's buffer, transferred). Absent when the engine cut islands on the
   * lattice only.
   */
  frameLabels?: ArrayBuffer;
  /** Summaries of the islands of `labels`, in lattice cells. */
  islands: IslandSummary[];
  /** The feature field as RGB (PCA), `width * height * 3` bytes (a Uint8Array's buffer). */
  featureColors: ArrayBuffer;
  loss: number;
  featureLoss: number;
  rgbLoss: number;
  /** The weights were re-drawn from scratch / restored to their anchor on this frame. */
  reset: boolean;
  restored: boolean;
  /** The loss spiked (a scene cut, a moved camera): the frame got extra adaptation steps. */
  spike: boolean;
  keyFrame: boolean;
  timings: { preprocessMs: number; trainMs: number; islandsMs: number };
}

/** Engine -> pipeline. */
export type EngineReply =
  | { type: "ready"; info: EngineInfo }
  | { type: "map"; map: EngineMap }
  | { type: "state"; state: TrainerState }
  | { type: "imported" }
  | { type: "error"; message: string };
