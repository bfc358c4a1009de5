/**
 * The unit that flows out of every source: one decoded RGB frame.
 *
 * @module
 */

/** One decoded frame, packed `rgb24` (row-major, 3 bytes a pixel). */
export interface Frame {
  /** 0-based index of this frame among all frames the source decoded, counting dropped ones. */
  index: number;
  /** Presentation time in seconds from the start of the source. */
  pts: number;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 3` bytes, rgb24. */
  data: Uint8Array;
  /**
   * Ground-truth object id of every pixel (`width * height`, 0 = background), when the source
   * knows it (the `synthetic:` source does; cameras and files do not).
   */
  truth?: Uint8Array;
  /**
   * When this process had the frame whole, `performance.now()` ms: the start of its age, which
   * must stay bounded however long a stream runs.
   */
  decodedAt?: number;
}

/** Counters every source keeps. */
export interface SourceStats {
  /** Frames decoded so far. */
  decoded: number;
  /** Frames decoded but never consumed because a newer frame replaced them. */
  dropped: number;
}

/**
 * A running source of frames. Live sources keep only the newest frame: when the consumer is
 * slower than the source, older frames are dropped and counted in `stats.dropped`.
 */
export interface FrameSource {
  /** The source as it may be shown to people: credentials are redacted. */
  readonly displayUri: string;
  /** Counters, updated live. */
  readonly stats: SourceStats;
  /**
   * Resolves to the newest frame not yet returned, waiting for one if needed; resolves to
   * `null` once the source has ended (end of file, or `close()`); rejects with a
   * `SourceError` when the source fails (ffmpeg cannot open it, it exits with an error).
   */
  next(): Promise<Frame | null>;
  /** Stops the source and releases everything it holds (kills and reaps ffmpeg). Idempotent. */
  close(): Promise<void>;
}

/** A source failed: cannot be opened, or broke while running. The message says what to do. */
export class SourceError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SourceError";
  }
}
