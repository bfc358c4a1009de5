/**
 * Opens any source string a user may give: the single entry point of `streams/`.
 *
 * @module
 */

import type { FrameSource } from "./frame.ts";
import { DEFAULT_FILE_FPS, FileSource } from "./file_source.ts";
import { ffmpegInputArgs } from "./ffmpeg_input.ts";
import { parseSourceUri, redactUri, type SourceDescriptor } from "./source_uri.ts";
import { reachabilityProbe } from "./reachability.ts";
import { SupervisedSource } from "./supervised_source.ts";
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
  /**
   * Files and `synthetic:`: play at the source's own speed, dropping what a slow consumer misses
   * (default true), or deliver every frame as fast as consumed. Live sources ignore it.
   */
  realtime?: boolean;
  /** Live sources: restart one that delivers no frame for this long, ms. Default 10 000. */
  stallTimeoutMs?: number;
  /** When set, file sources must lie inside this directory (symlinks resolved). */
  mediaRoot?: string;
}

/** Default {@linkcode OpenSourceOptions.stallTimeoutMs}. */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;

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
  { width, height, fps, realtime, stallTimeoutMs = DEFAULT_STALL_TIMEOUT_MS, mediaRoot }:
    OpenSourceOptions,
): FrameSource {
  const descriptor = parseSourceUri(uri, Deno.cwd(), { mediaRoot: mediaRoot || undefined });
  const displayUri = redactUri(uri);
  switch (descriptor.kind) {
    case "synthetic": {
      const { seed, objects, scale } = descriptor;
      const rate = sourceFrameRate(descriptor, fps);
      return new SyntheticSource({
        width,
        height,
        seed,
        objects,
        scale,
        fps: rate,
        realtime,
        displayUri,
      });
    }
    case "file":
      return new FileSource({
        path: descriptor.path,
        width,
        height,
        fps: sourceFrameRate(descriptor, fps),
        realtime,
        displayUri,
        ffmpegInput: ffmpegInputArgs(descriptor),
      });
    case "rtsp":
    case "http":
    case "webcam": {
      // Cameras drop, reboot and stall: a supervisor reopens them with backoff, for ever,
      // probing them cheaply meanwhile so that one that comes back is reopened at once.
      return new SupervisedSource({
        live: true,
        stallTimeoutMs,
        probe: reachabilityProbe(descriptor),
        open: () => openUnsupervised(uri, { width, height, fps }),
      });
    }
  }
}

/**
 * The frame rate a source opened with `fps` (see {@linkcode OpenSourceOptions.fps}) delivers:
 * a file's and a `synthetic:` scene's frame `i` is at `i / rate` seconds. For a live source it
 * is only the ceiling: its frames come at its own rate, timed by the clock.
 */
export function sourceFrameRate(descriptor: SourceDescriptor, fps?: number): number {
  return descriptor.kind === "synthetic"
    ? Math.min(descriptor.fps, fps ?? Infinity)
    : fps ?? DEFAULT_FILE_FPS;
}

/**
 * Like {@linkcode openSource}, but a live source is opened once, without a supervisor: it fails
 * (its `next()` rejects) or ends instead of being reopened. For supervisors and tests.
 */
export function openUnsupervised(
  uri: string,
  { width, height, fps, realtime, mediaRoot }: OpenSourceOptions,
): FrameSource {
  const descriptor = parseSourceUri(uri, Deno.cwd(), { mediaRoot: mediaRoot || undefined });
  if (descriptor.kind === "synthetic" || descriptor.kind === "file") {
    return openSource(uri, { width, height, fps, realtime, mediaRoot });
  }
  const displayUri = redactUri(uri);
  return new FileSource({
    path: displayUri,
    width,
    height,
    fps: fps ?? DEFAULT_FILE_FPS,
    displayUri,
    ffmpegInput: ffmpegInputArgs(descriptor),
    live: true,
  });
}
