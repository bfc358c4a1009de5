/**
 * The hand-over point between a source's producer (a timer, ffmpeg's stdout) and the one
 * consumer that calls `FrameSource.next()`. Two policies implement it: `LatestFrame` (live:
 * the newest frame wins) and `FrameQueue` (offline: every frame is kept, the producer waits).
 *
 * @module
 */

import type { Frame } from "./frame.ts";

/** Producer and consumer sides of a frame hand-over. */
export interface FrameMailbox {
  /** Offers a frame. What happens to one not yet taken depends on the policy. */
  put(frame: Frame): void;
  /**
   * Resolves to the next frame, waiting for one if none is there; resolves to `null` after
   * `end()` or `close()` once the frames already put are taken; rejects after `fail()`.
   */
  next(): Promise<Frame | null>;
  /** The producer has finished: frames already put are still delivered, then `null`. */
  end(): void;
  /** The producer broke: frames already put are still delivered, then `next()` rejects. */
  fail(error: Error): void;
  /** The consumer has stopped: frames not yet taken are discarded, `next()` resolves `null`. */
  close(): void;
  /** Frames put but replaced before anyone took them. */
  readonly dropped: number;
}
