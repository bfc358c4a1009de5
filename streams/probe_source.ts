/**
 * The size of a source's own frames, found before any is decoded, so the stream can open it at a
 * working size that keeps its aspect (`frame_geometry.ts`) and start its engine for that size.
 *
 * A `synthetic:` scene knows its size (`?size=WxH`); anything ffmpeg reads is asked with ffprobe,
 * reached exactly as decoding reaches it (the same input options and protocol whitelist, from
 * `ffmpeg_input.ts`), with a timeout. A file that cannot be probed is an error at once. A live
 * source (camera, network stream) that does not answer is retried with the same backoff as the
 * supervisor's reconnects (`backoff.ts`), for as long as it takes: a camera that is down when the
 * server starts is waited for, not given up on. Meanwhile it is probed cheaply every half
 * second (`reachability.ts`), and probed with ffprobe again as soon as it answers.
 *
 * @module
 */

import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  probeVideo,
  type VideoProbe,
  type VideoProbeOptions,
} from "./ffmpeg.ts";
import { ffmpegInputArgs } from "./ffmpeg_input.ts";
import { SourceError } from "./frame.ts";
import { displaySize, type FrameSize } from "./frame_geometry.ts";
import { reachabilityProbe, waitToRetry } from "./reachability.ts";
import { parseSourceUri, redactUri, type SourceDescriptor } from "./source_uri.ts";

/** Where a probe stands, for a stream's status while it waits for its source. */
export interface ProbeProgress {
  /**
   * `starting`: a probe is running; `backing-off`: waiting before the next one; `unreachable`:
   * the source does not even answer a connection (see `reachability.ts`), no ffprobe runs.
   */
  state: "starting" | "backing-off" | "unreachable";
  /** Probes that failed so far. */
  failures: number;
  /** Why the last one failed (credentials redacted); null before any failure. */
  lastError: string | null;
}

/** Options for {@linkcode probeSourceSize}. */
export interface ProbeSourceOptions {
  /** File sources must lie inside this directory. */
  mediaRoot?: string;
  /** Each ffprobe run is killed after this long, ms. Default 15 s. */
  timeoutMs?: number;
  /**
   * Live sources: probe again after a failure, with backoff, until one answers (default true);
   * false fails at the first, as a file does (offline use, where nothing should wait).
   */
  retryLive?: boolean;
  /** Delays between retries (see `backoffDelay`; the supervisor's defaults). */
  backoff?: BackoffOptions;
  /** Jitter of the backoff, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /** Called whenever the probe starts, fails or backs off. */
  onProgress?: (progress: ProbeProgress) => void;
  /** Stops waiting (and kills a running ffprobe); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * An RTSP camera's SDP nearly always carries its H.264/H.265 parameter sets, so ffprobe knows the
 * size after reading almost nothing (`-probesize 32`): 0.3 s on the test camera, against 1 s for
 * the full analysis. A camera whose SDP lacks them is probed again in full.
 */
async function probeRtsp(probe: VideoProbeOptions): Promise<VideoProbe> {
  try {
    return await probeVideo({
      ...probe,
      inputOptions: [...probe.inputOptions ?? [], "-probesize", "32"],
    });
  } catch (err) {
    probe.signal?.throwIfAborted();
    if (/within \d+ ms \(killed\)/.test((err as Error).message)) throw err; // no faster in full
    return await probeVideo(probe);
  }
}

/** Whether frames of this kind come at the source's own pace and it may go down and come back. */
export function isLiveSource(descriptor: SourceDescriptor): boolean {
  return descriptor.kind === "rtsp" || descriptor.kind === "http" || descriptor.kind === "webcam";
}

/**
 * The size of `uri`'s frames as decoding delivers them, in square pixels (`displaySize`: the
 * sample aspect ratio and a quarter-turn rotation applied).
 *
 * @throws {SourceError} when `uri` is not an accepted source, or a file (or, with `retryLive`
 * false, a live source) cannot be probed; the message carries ffprobe's reason.
 *
 * @example
 * ```ts
 * await probeSourceSize("synthetic:?size=640x360"); // { width: 640, height: 360 }
 * await probeSourceSize("clips/street.mp4"); // e.g. { width: 1920, height: 1080 }
 * ```
 */
export async function probeSourceSize(
  uri: string,
  {
    mediaRoot,
    timeoutMs = DEFAULT_PROBE_TIMEOUT_MS,
    retryLive = true,
    backoff = {},
    random = Math.random,
    onProgress,
    signal,
  }: ProbeSourceOptions = {},
): Promise<FrameSize> {
  const descriptor = parseSourceUri(uri, Deno.cwd(), { mediaRoot: mediaRoot || undefined });
  if (descriptor.kind === "synthetic") {
    return { width: descriptor.width, height: descriptor.height };
  }
  const input = ffmpegInputArgs(descriptor);
  const shown = redactUri(uri);
  const live = isLiveSource(descriptor);
  const progress: ProbeProgress = { state: "starting", failures: 0, lastError: null };
  const reachable = live && retryLive ? reachabilityProbe(descriptor) : null;
  const stopped = new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener("abort", () => resolve(), { once: true });
  });
  for (let attempt = 0;; attempt++) {
    signal?.throwIfAborted();
    onProgress?.({ ...progress, state: "starting" });
    try {
      const probe = { ...input, timeoutMs, signal };
      return displaySize(
        descriptor.kind === "rtsp" ? await probeRtsp(probe) : await probeVideo(probe),
      );
    } catch (err) {
      signal?.throwIfAborted();
      const reason = (err as Error).message;
      if (!live || !retryLive) {
        throw new SourceError(
          live
            ? `${reason} (check the address, credentials and that the source is up)`
            : `${reason} (check that ${shown} is a video file)`,
          { cause: err },
        );
      }
      progress.failures++;
      progress.lastError = reason;
    }
    onProgress?.({ ...progress, state: "backing-off" });
    // Probed cheaply meanwhile: no ffprobe while it is down, the next one as soon as it is up.
    const outcome = await waitToRetry({
      delayMs: backoffDelay(attempt, random, backoff),
      probe: reachable,
      stopped,
      onReachable: (up) => onProgress?.({ ...progress, state: up ? "backing-off" : "unreachable" }),
    });
    signal?.throwIfAborted();
    if (outcome === "back") attempt = -1; // back after being down: the shortest delay again
  }
}
