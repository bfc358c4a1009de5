/**
 * Offline segmentation: every frame of a source through a fresh engine, in order, none dropped.
 * The library side of `deno task segment` and of benchmarks. Unlike `StreamPipeline` (latest
 * frame wins, published to listeners) it pulls the next source frame only when its consumer
 * asks for the next result, so a slow consumer slows the source instead of growing a queue.
 *
 * @module
 */
import type { StreamSettings } from "../config.ts";
import type { FrameSource } from "../../streams/frame.ts";
import { openSource } from "../../streams/open_source.ts";
import { workingFrameSize } from "../../streams/frame_geometry.ts";
import { probeSourceSize } from "../../streams/probe_source.ts";
import { redactUri } from "../../streams/source_uri.ts";
import { parseWeatherSchedule } from "../../streams/weather_schedule.ts";
import { WeatherSource } from "../../streams/weather_source.ts";
import { EngineHost } from "./engine_host.ts";
import { processFrame, type PublishedFrame } from "./stream_pipeline.ts";

/** What to segment. */
export interface SegmentOptions {
  /** Source and per-stream options; `realtime` is ignored (always false here). */
  settings: StreamSettings;
  /** Stop after this many frames (a positive integer); default: at the end of the input. */
  frames?: number;
  /** File sources must lie inside this directory ("" or absent: anywhere). */
  mediaRoot?: string;
  /** The `stream` field of the frames. Default "default", the server's default stream. */
  stream?: string;
}

/**
 * Runs every frame of `settings.source` through a fresh engine, yielding each processed frame in
 * order; stops at the end of the input or after `frames`. The source is probed for its size
 * first and decoded at its working size (`--frame-size`, aspect kept): each frame's `image` is
 * the working frame and `source` the source's own size. Releases the engine and the source when
 * done or when the consumer stops early (`return()`, a `break` out of `for await`).
 *
 * @throws {SourceError} when the source cannot be opened or fails while decoding.
 * @throws {Error} when the engine fails, or when the source dropped a frame (live sources come at
 * their own rate and drop what the engine misses: record them to a file first).
 *
 * @example
 * ```ts
 * const settings = applyStreamOptions(loadConfig([]), { source: "fixtures/boring.mp4" });
 * for await (const f of segmentSource({ settings })) console.log(f.frame, f.islands.length);
 * ```
 */
export async function* segmentSource(
  { settings, frames, mediaRoot, stream = "default" }: SegmentOptions,
): AsyncGenerator<PublishedFrame> {
  if (frames !== undefined && !(Number.isInteger(frames) && frames > 0)) {
    throw new RangeError(`frames must be a positive integer, got ${frames}`);
  }
  const { source, apm, backend, fps, weather, stallTimeout, frameSize } = settings;
  let input: FrameSource | null = null;
  let engine: EngineHost | null = null;
  try {
    // Offline nothing waits: a live source that does not answer fails at once.
    const sourceSize = await probeSourceSize(source, {
      mediaRoot: mediaRoot || undefined,
      retryLive: false,
    });
    const working = workingFrameSize(sourceSize, frameSize);
    const raw = openSource(source, {
      width: working.width,
      height: working.height,
      fps,
      realtime: false,
      stallTimeoutMs: stallTimeout * 1000,
      mediaRoot: mediaRoot || undefined,
    });
    input = weather ? new WeatherSource(raw, parseWeatherSchedule(weather)) : raw;
    engine = new EngineHost();
    await engine.start({ apm, backend, frame: working });
    for (let n = 0; frames === undefined || n < frames; n++) {
      const frame = await input.next();
      if (!frame) break;
      checkNoneDropped(input, source);
      yield await processFrame(engine, stream, frame, sourceSize);
    }
    checkNoneDropped(input, source);
  } finally {
    await input?.close();
    engine?.terminate();
  }
}

function checkNoneDropped(input: FrameSource, source: string): void {
  const { dropped, decoded } = input.stats;
  if (dropped > 0) {
    throw new Error(
      `${redactUri(source)} dropped ${dropped} of ${decoded} frames: a live source does not ` +
        `wait for the engine; record it to a file first and segment the file`,
    );
  }
}
