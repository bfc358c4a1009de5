/**
 * The JSON wire form of an island map: one message per processed frame.
 *
 * @module
 */
import type { IslandSummary } from "./types.ts";

/**
 * One frame's islands as subscribers receive them. The fields of the first-light contract are
 * fixed; `loss` and `keyFrame` are extras.
 */
export interface IslandMessage {
  type: "islands";
  stream: string;
  /** 0-based index of the source frame as decoded, counting dropped frames. */
  frame: number;
  /** Presentation time of the source frame, seconds. */
  pts: number;
  width: number;
  height: number;
  /** `width * height` island ids, row-major. */
  labels: ArrayLike<number>;
  islands: IslandSummary[];
  /** The APM's training loss on this frame (NaN when it did not train is sent as null). */
  loss: number | null;
  /** The teacher ran on this frame. */
  keyFrame: boolean;
}

/** Encodes a message as JSON (typed arrays become plain arrays). */
export function encodeIslandMessage(msg: IslandMessage): string {
  return JSON.stringify({
    ...msg,
    labels: Array.from(msg.labels),
    loss: msg.loss !== null && Number.isFinite(msg.loss) ? msg.loss : null,
  });
}
