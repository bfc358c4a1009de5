/**
 * Opens any source string a user may give: the single entry point of `streams/`.
 *
 * @module
 */

import type { FrameSource } from "./frame.ts";
import { DEFAULT_FILE_FPS, FileSource } from "./file_source.ts";
import { ffmpegInputArgs } from "./ffmpeg_input.ts";
import { parseSourceUri, redactUri } from "./source_uri.ts";
import { SyntheticSource } from "./synthetic_source.ts";

/** Options for {@linkcode openSource}. */
export interface OpenSourceOptions {
  /** Width of the frames the source delivers, in pixels. */
  width: number;
  /** Height of the frames the source delivers, in pixels. */
  height: number;
  /**
   * Most frames per second to deliver. Files are resampled to it (default 10); a `synthetic:`
   * scene runs at the lower of it and its own `fps` parameter.
   */
  fps?: number;
  /** Files only: play at the file's own speed (default true) or as fast as consumed. */
  realtime?: boolean;
}

/**
 * Validates `uri` (see `parseSourceUri` for the accepted forms) and starts the source.
 *
 * @throws {SourceError} when the string is not an accepted form or names no regular file.
 * A file ffmpeg cannot decode is reported later, by the first `next()` rejecting.
 *
 * @example
 * ```ts
 * const source = openSource("synthetic:?seed=3&objects=4", { width: 224, height: 224 });
 * const frame = await source.next();
 * await source.close();
 * ```
 */
export function openSource(
  uri: string,
  { width, height, fps, realtime }: OpenSourceOptions,
): FrameSource {
  const descriptor = parseSourceUri(uri);
  const displayUri = redactUri(uri);
  switch (descriptor.kind) {
    case "synthetic": {
      const { seed, objects } = descriptor;
      const rate = Math.min(descriptor.fps, fps ?? Infinity);
      return new SyntheticSource({ width, height, seed, objects, fps: rate, displayUri });
    }
    case "file":
    case "rtsp":
    case "http":
    case "webcam": {
      const live = descriptor.kind !== "file";
      return new FileSource({
        path: descriptor.kind === "file" ? descriptor.path : displayUri,
        width,
        height,
        fps: fps ?? DEFAULT_FILE_FPS,
        realtime,
        displayUri,
        ffmpegInput: ffmpegInputArgs(descriptor),
        live,
      });
    }
  }
}
