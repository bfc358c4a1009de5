/**
 * The sizes a source's frames take on their way to the engine: the source's own size (what
 * decoding delivers, in square pixels) and the working frame the engine is given, which keeps
 * the source's aspect. Pure arithmetic; probing a source for its size is `probe_source.ts`.
 *
 * @module
 */

/** A width and a height in pixels. */
export interface FrameSize {
  width: number;
  height: number;
}

/** Default long side of the working frame, pixels (`--frame-size`). */
export const DEFAULT_FRAME_SIZE = 640;
/** Smallest long side `--frame-size` accepts (0 aside): smaller leaves the teacher too little. */
export const MIN_FRAME_SIZE = 64;
/**
 * Largest long side of a working frame, `--frame-size` or a source's own size: larger frames
 * cost the decoder and every resize for nothing the 28 x 28 teacher could use.
 */
export const MAX_FRAME_SIZE = 4096;

/**
 * The picture a stream's video shows, in square pixels, from what ffprobe reports of it: an
 * anamorphic source's width is scaled by its sample aspect ratio (720x576 at 16:15 shows
 * 768x576), and a source rotated by a quarter turn (phones) swaps its sides, as ffmpeg's
 * decoder rotates it upright.
 *
 * @example
 * ```ts
 * displaySize({ width: 720, height: 576, sampleAspect: [16, 15], rotation: 0 }); // 768x576
 * displaySize({ width: 1920, height: 1080, sampleAspect: [1, 1], rotation: -90 }); // 1080x1920
 * ```
 */
export function displaySize(
  probe: { width: number; height: number; sampleAspect: [number, number]; rotation: number },
): FrameSize {
  const [num, den] = probe.sampleAspect;
  const width = Math.max(1, Math.round((probe.width * num) / den));
  const quarter = Math.abs(Math.round(probe.rotation / 90)) % 2 === 1;
  return quarter ? { width: probe.height, height: width } : { width, height: probe.height };
}

/**
 * The working frame of a source of size `source`: its long side `frameSize` pixels with the
 * aspect kept (sides rounded, at least 1), but never larger than the source (a 384x288 source at
 * `frameSize` 640 stays 384x288), nor than {@linkcode MAX_FRAME_SIZE}; `frameSize` 0 keeps the
 * source's own size (within that limit).
 *
 * @throws {RangeError} on a `frameSize` that is neither 0 nor in
 * [{@linkcode MIN_FRAME_SIZE}, {@linkcode MAX_FRAME_SIZE}], or a source size that is not positive
 * integers.
 *
 * @example
 * ```ts
 * workingFrameSize({ width: 1920, height: 1080 }, 640); // { width: 640, height: 360 }
 * workingFrameSize({ width: 384, height: 288 }, 640); // { width: 384, height: 288 }
 * ```
 */
export function workingFrameSize(source: FrameSize, frameSize: number): FrameSize {
  checkFrameSize(frameSize);
  const { width, height } = source;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`a source size must be positive integers, got ${width}x${height}`);
  }
  const long = Math.max(width, height);
  const target = Math.min(frameSize === 0 ? long : frameSize, long, MAX_FRAME_SIZE);
  if (target === long) return { width, height };
  const scale = target / long;
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * Checks a `--frame-size` value; `name` is how the message names it.
 *
 * @throws {RangeError} saying what is accepted.
 */
export function checkFrameSize(frameSize: number, name = "frame-size"): void {
  if (
    !Number.isInteger(frameSize) ||
    (frameSize !== 0 && (frameSize < MIN_FRAME_SIZE || frameSize > MAX_FRAME_SIZE))
  ) {
    throw new RangeError(
      `${name} must be 0 (the source's own size) or an integer from ${MIN_FRAME_SIZE} to ` +
        `${MAX_FRAME_SIZE} (the working frame's long side in pixels), got ${frameSize}`,
    );
  }
}
