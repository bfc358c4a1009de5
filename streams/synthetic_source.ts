/**
 * `FrameSource` for the `synthetic:` scene.
 *
 * By default it behaves like a camera: a timer renders frames at the scene's rate whether or not
 * anyone takes them, and a consumer slower than the rate gets the newest frame, the others
 * counted in `stats.dropped`. With `realtime: false` it is an offline source instead: each
 * `next()` renders the following frame on demand, with no timer, and none is dropped.
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
  /**
   * Paced by a timer at the scene's rate, dropping what a slow consumer misses (default true),
   * or rendered on demand, every frame, as fast as consumed.
   */
  realtime?: boolean;
};

/**
 * A source of synthetic frames with ground truth in `frame.truth`; frame `i` is at `i / fps` s
 * in both modes.
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
  /** The paced mode's mailbox; null on demand. */
  readonly #mailbox: LatestFrame | null;
  /** On demand: the frame rendered at construction (to validate the options), not yet taken. */
  #first: Frame | null = null;
  #closed = false;
  #epoch = performance.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor({ displayUri = "synthetic:", realtime = true, ...options }: SyntheticSourceOptions) {
    this.displayUri = displayUri;
    this.#options = options;
    this.#fps = options.fps ?? 10;
    this.#mailbox = realtime ? new LatestFrame() : null;
    // Renders frame 0 now, so bad options throw here and not inside a timer or a later next().
    if (this.#mailbox) this.#produce();
    else this.#first = this.#render();
  }

  next(): Promise<Frame | null> {
    if (this.#mailbox) return this.#mailbox.next();
    if (this.#closed) return Promise.resolve(null);
    const frame = this.#first ?? this.#render();
    this.#first = null;
    return Promise.resolve(frame);
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#first = null;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#mailbox?.close();
    return Promise.resolve();
  }

  /** Renders the next frame in sequence and counts it as decoded. */
  #render(): Frame {
    const index = this.stats.decoded;
    const { data, truth } = renderSyntheticFrame(this.#options, index);
    const { width, height } = this.#options;
    this.stats.decoded = index + 1;
    return {
      index,
      pts: index / this.#fps,
      width,
      height,
      data,
      truth,
      decodedAt: performance.now(),
    };
  }

  #produce(): void {
    const mailbox = this.#mailbox!;
    const index = this.stats.decoded;
    mailbox.put(this.#render());
    this.stats.dropped = mailbox.dropped;
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
