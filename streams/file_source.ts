/**
 * `FrameSource` for anything ffmpeg decodes: a local video file, and (through `ffmpegInput`,
 * see `ffmpeg_input.ts`) cameras and streams.
 *
 * By default a file plays in real time (`-re`), like a camera: the newest frame wins and
 * frames a slow consumer misses are counted in `stats.dropped`. With `realtime: false` it is
 * decoded as fast as the consumer takes frames and none is dropped, for tests and benchmarks.
 * A live input (`live: true`: cameras, network streams) is never paced by ffmpeg, since it comes
 * at its own rate, and always keeps only the newest frame.
 *
 * @module
 */

import { type Frame, type FrameSource, SourceError, type SourceStats } from "./frame.ts";
import { type RawVideoProcess, spawnRawVideo } from "./ffmpeg.ts";
import type { FfmpegInput } from "./ffmpeg_input.ts";
import type { FrameMailbox } from "./frame_mailbox.ts";
import { FrameQueue } from "./frame_queue.ts";
import { FrameReader } from "./frame_reader.ts";
import { LatestFrame } from "./latest_frame.ts";

/** Output frame rate of file sources when none is asked for. */
export const DEFAULT_FILE_FPS = 10;

/** Options for {@linkcode FileSource}. */
export interface FileSourceOptions {
  /** Absolute path of an existing regular file (validate with `parseSourceUri`). */
  path: string;
  /** Output width in pixels; the picture is scaled to it, aspect ratio not kept. */
  width: number;
  /** Output height in pixels. */
  height: number;
  /** Output frame rate: frames are dropped (or repeated) to produce it. Default 10. */
  fps?: number;
  /** Play at the file's own speed, dropping frames a slow consumer misses. Default true. */
  realtime?: boolean;
  /** Shown as the source's `displayUri`. Default: the path. */
  displayUri?: string;
  /** ffmpeg's input, its options and protocol whitelist. Default: the file at `path`. */
  ffmpegInput?: FfmpegInput;
  /** A live input (camera, network stream): not paced, newest frame wins. Default false. */
  live?: boolean;
}

/**
 * Frames of a local video file; `next()` resolves to `null` at its end.
 *
 * @example
 * ```ts
 * const source = new FileSource({ path: "/clips/a.mp4", width: 224, height: 224 });
 * for (let frame; (frame = await source.next()) !== null;) console.log(frame.index, frame.pts);
 * await source.close();
 * ```
 */
export class FileSource implements FrameSource {
  readonly displayUri: string;
  readonly stats: SourceStats = { decoded: 0, dropped: 0 };
  readonly #mailbox: FrameMailbox;
  readonly #process: RawVideoProcess;

  constructor(
    {
      path,
      width,
      height,
      fps = DEFAULT_FILE_FPS,
      realtime = true,
      displayUri = path,
      ffmpegInput = { input: `file:${path}`, inputOptions: [], protocolWhitelist: "file" },
      live = false,
    }: FileSourceOptions,
  ) {
    this.displayUri = displayUri;
    const reader = new FrameReader(width * height * 3);
    let startedAt: number | undefined;
    const queue = realtime || live
      ? null
      : new FrameQueue({ onDrain: () => this.#process.resume() });
    const mailbox = this.#mailbox = queue ?? new LatestFrame();
    this.#process = spawnRawVideo(
      // 'file:' makes ffmpeg take the path literally, even with a ':' in a file name.
      {
        input: ffmpegInput.input,
        inputOptions: ffmpegInput.inputOptions,
        protocolWhitelist: ffmpegInput.protocolWhitelist,
        width,
        height,
        fps,
        fpsIsMax: live,
        realtime: realtime && !live,
      },
      (chunk) => {
        for (const data of reader.push(chunk)) {
          const index = this.stats.decoded++;
          const now = performance.now();
          startedAt ??= now;
          mailbox.put({
            index,
            // A file's frames are timed by their index at the exact output rate; a live source
            // runs at its own (capped) rate, so its frames are timed by the clock.
            pts: live ? (now - startedAt) / 1000 : index / fps,
            width,
            height,
            data,
            decodedAt: now,
          });
        }
        this.stats.dropped = mailbox.dropped;
        // Offline: stop reading while frames wait, so memory stays bounded.
        if (queue && queue.size > 0) this.#process.pause();
      },
    );
    this.#process.exited.then((exit) => {
      if (exit.ok) mailbox.end();
      else if (!exit.closed) {
        mailbox.fail(
          new SourceError(
            live
              ? `ffmpeg cannot read ${displayUri}: ${exit.reason} ` +
                `(check the address, credentials and that the source is up)`
              : `ffmpeg cannot decode ${displayUri}: ${exit.reason} ` +
                `(check that it is a video file; \`ffprobe\` on it shows the same reason)`,
          ),
        );
      }
    });
  }

  next(): Promise<Frame | null> {
    return this.#mailbox.next();
  }

  async close(): Promise<void> {
    // The consumer's pending next() resolves to null at once; then ffmpeg is stopped.
    this.#mailbox.close();
    await this.#process.close();
  }
}
