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
  | { type: "init"; options: EngineOptions }
  | { type: "frame"; width: number; height: number; data: ArrayBuffer }
  /** The adapted weights, for a checkpoint. */
  | { type: "export" }
  /** Weights from a checkpoint; refused (an error reply) when the model's shape differs. */
  | { type: "import"; state: TrainerState };

/** The engine's answer for one frame: the island map and what it cost. */
export interface EngineMap {
  width: number;
  height: number;
  /** Island id of every grid location, row-major (an Int32Array's buffer, transferred). */
  labels: ArrayBuffer;
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
