/**
 * `FrameSource` for the `synthetic:` scene: renders frames in real time at the scene's rate.
 *
 * It behaves like a camera: a timer produces frames whether or not anyone takes them, and a
 * consumer slower than the rate gets the newest frame, the others counted in `stats.dropped`.
 *
 * @module
 */

import type { Frame, FrameSource, SourceStats } from "./frame.ts";
import { LatestFrame } from "./latest_frame.ts";
import { renderSyntheticFrame, type SyntheticOptions } from "./synthetic.ts";

/** Options for {@linkcode SyntheticSource}: the scene, at a required size. */
export type SyntheticSourceOptions = SyntheticOptions & {
  /** Shown as the source's `displayUri`. Default `synthetic:`. */
  displayUri?: string;
};

/**
 * A live source of synthetic frames with ground truth in `frame.truth`.
 *
 * @example
 * ```ts
 * const source = new SyntheticSource({ width: 224, height: 224, seed: 3, fps: 10 });
 * const frame = await source.next(); // frame.index 0, frame.pts 0, frame.truth set
 * await source.close();
 * ```
 */
export class SyntheticSource implements FrameSource {
  readonly displayUri: string;
  readonly stats: SourceStats = { decoded: 0, dropped: 0 };
  readonly #options: SyntheticOptions;
  readonly #fps: number;
  readonly #mailbox = new LatestFrame();
  #epoch = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor({ displayUri = "synthetic:", ...options }: SyntheticSourceOptions) {
    this.displayUri = displayUri;
    this.#options = options;
    this.#fps = options.fps ?? 10;
    // Renders frame 0 now, so bad options throw here and not inside a timer.
    this.#produce();
  }

  next(): Promise<Frame | null> {
    return this.#mailbox.next();
  }

  close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#mailbox.close();
    return Promise.resolve();
  }

  #produce(): void {
    const index = this.stats.decoded;
    const { data, truth } = renderSyntheticFrame(this.#options, index);
    const { width, height } = this.#options;
    this.#mailbox.put({
      index,
      pts: index / this.#fps,
      width,
      height,
      data,
      truth,
      decodedAt: performance.now(),
    });
    this.stats.decoded = index + 1;
    this.stats.dropped = this.#mailbox.dropped;
    // Frames are due at fixed times from an epoch, so the rate does not drift. After a stall
    // (a blocked event loop) the epoch moves instead of bursting out the missed frames, which
    // the mailbox would only drop.
    const interval = 1000 / this.#fps;
    const now = performance.now();
    let due = this.#epoch + interval * (index + 1);
    if (due < now - interval) {
      this.#epoch += now - due;
      due = now;
    }
    this.#timer = setTimeout(() => this.#produce(), Math.max(0, due - now));
  }
}
