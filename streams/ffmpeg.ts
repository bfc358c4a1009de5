/**
 * The one module that runs ffmpeg: decodes an input to raw `rgb24` frames on a pipe, encodes
 * raw `rgb24` frames from a pipe to an H.264 video file, and asks ffprobe for the size of an
 * input's video.
 *
 * fluent-ffmpeg (archived upstream) is used only here, so that replacing it touches one file.
 * Under Deno it spawns ffmpeg through `node:child_process`. Before the first spawn in a
 * process it runs `ffmpeg -formats` and `ffmpeg -encoders` once (its capability check,
 * cached afterwards), so the first start takes about 0.2 s longer. The probe runs ffprobe
 * itself, not through fluent-ffmpeg's `ffprobe()`: that one hands back no process, so a probe
 * of a camera that hangs could not be killed at its timeout.
 *
 * @module
 */

import ffmpeg from "fluent-ffmpeg";
import { PassThrough } from "node:stream";
import { resolve } from "node:path";
import { redactUri } from "./source_uri.ts";

/** How long `close()` waits after SIGTERM before it sends SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 500;

/** Options for {@linkcode spawnRawVideo}. */
export interface RawVideoOptions {
  /** What ffmpeg gets after `-i`; already validated (see `source_uri.ts`). */
  input: string;
  /** Output width in pixels; the picture is scaled to it (aspect ratio is not kept). */
  width: number;
  /** Output height in pixels. */
  height: number;
  /**
   * Output frame rate. ffmpeg's `fps` filter drops (or repeats) frames to produce exactly this
   * rate, so frame `i` is at `i / fps` seconds without asking ffmpeg for the source's rate.
   */
  fps: number;
  /**
   * Treat `fps` as a ceiling instead (`-fpsmax`): a camera slower than it is passed through at
   * its own rate rather than padded with repeated frames. For live inputs, whose frames are
   * timed by the clock, not by their index.
   */
  fpsIsMax?: boolean;
  /** Read the input at its native rate (`-re`), as a live camera would deliver it. */
  realtime?: boolean;
  /** Protocols ffmpeg may open (`-protocol_whitelist`); `file` for local files. */
  protocolWhitelist?: string;
  /** More input options, placed before `-i` (for later network sources). */
  inputOptions?: readonly string[];
  /** Milliseconds between SIGTERM and SIGKILL on `close()`. */
  killGraceMs?: number;
}

/** How an ffmpeg run ended. */
export interface FfmpegExit {
  /** ffmpeg finished on its own with exit status 0. */
  ok: boolean;
  /** `close()` stopped it (then `ok` is false and `reason` is not an error). */
  closed: boolean;
  /** Why it failed: the last lines of ffmpeg's stderr (credentials redacted); "" when ok. */
  reason: string;
}

/** A running ffmpeg decoding to raw frames. */
export interface RawVideoProcess {
  /** Stops delivering stdout; ffmpeg blocks once the pipe is full (backpressure). */
  pause(): void;
  /** Resumes delivering stdout. */
  resume(): void;
  /** Resolves once ffmpeg has exited (reaped) and every stdout byte was delivered. */
  readonly exited: Promise<FfmpegExit>;
  /**
   * Stops ffmpeg: SIGTERM, then SIGKILL after the grace period; resolves once it has exited
   * and been reaped. Stdout not yet delivered is discarded. Idempotent.
   */
  close(): Promise<FfmpegExit>;
}

/** The ffmpeg options placed before and after `-i`, split as fluent-ffmpeg wants them. */
export interface RawVideoArgs {
  inputOptions: string[];
  outputOptions: string[];
}

/**
 * Builds the ffmpeg arguments for {@linkcode spawnRawVideo}, without the input and `pipe:1`.
 *
 * @example
 * ```ts
 * rawVideoArgs({ input: "file:/a.mp4", width: 224, height: 224, fps: 10 }).outputOptions;
 * // ["-map", "0:v:0", "-an", "-sn", "-dn", "-vf", "fps=10,scale=224:224", ...]
 * ```
 */
export function rawVideoArgs(
  {
    width,
    height,
    fps,
    fpsIsMax = false,
    realtime = true,
    protocolWhitelist = "file",
    inputOptions = [],
  }: RawVideoOptions,
): RawVideoArgs {
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`fps must be > 0, got ${fps}`);
  return {
    inputOptions: [
      // No stdin: ffmpeg would otherwise read keystrokes (and 'q') from ours.
      "-nostdin",
      "-hide_banner",
      "-loglevel",
      "error",
      "-protocol_whitelist",
      protocolWhitelist,
      ...(realtime ? ["-re"] : []),
      ...inputOptions,
    ],
    outputOptions: [
      "-map",
      "0:v:0",
      "-an",
      "-sn",
      "-dn",
      ...(fpsIsMax ? ["-fpsmax", String(fps), "-vf", `scale=${width}:${height}`] : [
        "-vf",
        // Rate first so that frames about to be dropped are not scaled.
        `fps=${fps},scale=${width}:${height}`,
      ]),
      "-pix_fmt",
      "rgb24",
      "-f",
      "rawvideo",
    ],
  };
}

/**
 * Starts ffmpeg decoding `options.input` to `rgb24` frames of `width * height * 3` bytes on
 * stdout; every stdout chunk (of any size) goes to `onData`.
 *
 * @example
 * ```ts
 * const proc = spawnRawVideo(
 *   { input: "file:/clips/a.mp4", width: 160, height: 120, fps: 10, realtime: false },
 *   (chunk) => reader.push(chunk),
 * );
 * const exit = await proc.exited; // { ok: true, closed: false, reason: "" }
 * ```
 */
export function spawnRawVideo(
  options: RawVideoOptions,
  onData: (chunk: Uint8Array) => void,
): RawVideoProcess {
  const { inputOptions, outputOptions } = rawVideoArgs(options);
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const command = ffmpeg(options.input).inputOptions(inputOptions).outputOptions(outputOptions);
  // With no target, pipe() makes a PassThrough fed from ffmpeg's stdout; pausing it pauses
  // the child's pipe too, which is how backpressure reaches ffmpeg.
  const stdout = command.pipe() as PassThrough;

  let started = false;
  let closing = false;
  let discard = false;
  let finished: { ok: boolean; reason: string } | null = null;
  let stdoutEnded = false;
  let resolveExited!: (exit: FfmpegExit) => void;
  const exited = new Promise<FfmpegExit>((resolve) => (resolveExited = resolve));
  const settle = () => {
    if (finished && stdoutEnded) resolveExited({ ...finished, closed: closing });
  };

  stdout.on("data", (chunk: Uint8Array) => {
    if (!discard) onData(chunk);
  });
  stdout.on("end", () => {
    stdoutEnded = true;
    settle();
  });
  stdout.on("error", () => {/* the process outcome reports the failure */});

  command.on("start", () => {
    started = true;
    // close() came before fluent-ffmpeg had spawned the process: stop it at once.
    if (closing) command.kill("SIGKILL");
  });
  command.on("end", () => {
    finished = { ok: true, reason: "" };
    settle();
  });
  command.on("error", (error: Error, _stdout: string | null, stderr: string | null) => {
    finished = { ok: false, reason: stderrTail(stderr) || redactUri(error.message) };
    // Failed before spawning (ffmpeg not found): nothing will ever end the PassThrough.
    if (!started) stdout.end();
    settle();
  });

  let closed: Promise<FfmpegExit> | null = null;
  return {
    pause: () => void stdout.pause(),
    resume: () => {
      if (!discard) stdout.resume();
    },
    exited,
    close() {
      closed ??= (async () => {
        if (!finished) closing = true;
        discard = true;
        // ffmpeg blocked on a full pipe would not see SIGTERM: drain it.
        stdout.resume();
        if (finished) return await exited;
        if (started) command.kill("SIGTERM");
        const timer = setTimeout(() => {
          if (started && !finished) command.kill("SIGKILL");
        }, killGraceMs);
        try {
          return await exited;
        } finally {
          clearTimeout(timer);
        }
      })();
      return closed;
    },
  };
}

/** Options for {@linkcode openRawVideoEncoder}. */
export interface RawVideoEncoderOptions {
  /** Frame width in pixels. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** Frames per second of the video: frame `i` is shown at `i / fps` seconds. */
  fps: number;
  /** Path of the video file (its extension picks the container, e.g. `.mp4`); overwritten. */
  output: string;
}

/** An ffmpeg encoding raw frames to a video file. */
export interface RawVideoEncoder {
  /**
   * Queues one `rgb24` frame of `width * height * 3` bytes, which must not change afterwards;
   * resolves once ffmpeg can take more. Rejects if ffmpeg has failed, with its reason.
   */
  write(rgb: Uint8Array): Promise<void>;
  /**
   * Ends the input and resolves once ffmpeg has finished the file and exited (reaped); rejects
   * with ffmpeg's reason if it failed. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Checks that `path` is a plain file path ffmpeg will not read as an option (`-…`) or a protocol
 * (`name:…`); `option` names it in the message.
 *
 * @throws {RangeError} saying what to give instead.
 */
export function checkOutputPath(path: string, option = "output"): void {
  if (path === "") throw new RangeError(`${option} needs a file path`);
  if (path.startsWith("-")) {
    throw new RangeError(
      `${option} must be a file path, got "${path}" (write ./${path} for a file named so)`,
    );
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path)) {
    throw new RangeError(
      `${option} must be a plain file path, not a URL or protocol ("${path}"); ` +
        `write ./${path} for a file named so`,
    );
  }
}

/**
 * Starts ffmpeg encoding `rgb24` frames written to it into `output`: H.264 (libx264), yuv420p
 * (what players expect), at `fps`. yuv420p needs even sides, so an odd width or height gets
 * one black column or row.
 *
 * @throws {RangeError} on a bad size, rate or path (see {@linkcode checkOutputPath}).
 *
 * @example
 * ```ts
 * const video = openRawVideoEncoder({ width: 224, height: 224, fps: 10, output: "out.mp4" });
 * await video.write(rgb); // once per frame
 * await video.close();
 * ```
 */
export function openRawVideoEncoder(
  { width, height, fps, output }: RawVideoEncoderOptions,
): RawVideoEncoder {
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`fps must be > 0, got ${fps}`);
  checkOutputPath(output);
  const frameBytes = width * height * 3;
  const odd = width % 2 === 1 || height % 2 === 1;
  const stdin = new PassThrough();
  const command = ffmpeg(stdin)
    .inputOptions([
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-video_size",
      `${width}x${height}`,
      "-framerate",
      String(fps),
    ])
    .outputOptions([
      "-an",
      ...(odd ? ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2"] : []),
      "-c:v",
      "libx264",
      "-pix_fmt",
      "yuv420p",
    ])
    // An absolute path: ffmpeg cannot take it for a protocol. fluent-ffmpeg adds `-y` for a
    // file output, so an existing file is overwritten, as asked.
    .output(resolve(output));

  let failure: Error | null = null;
  const exited = new Promise<void>((resolveExit) => {
    command.on("end", () => resolveExit());
    command.on("error", (error: Error, _stdout: string | null, stderr: string | null) => {
      const reason = stderrTail(stderr) || redactUri(error.message);
      failure = new Error(`ffmpeg cannot encode ${output}: ${reason}`);
      // Nothing reads the input any more: let a pending write() see the failure.
      stdin.destroy();
      resolveExit();
    });
  });
  command.run();

  let closed: Promise<void> | null = null;
  return {
    async write(rgb) {
      if (failure) throw failure;
      if (closed) throw new Error(`write() after close() on the encoder of ${output}`);
      if (rgb.length !== frameBytes) {
        throw new RangeError(`${rgb.length} bytes for a ${width}x${height} rgb24 frame`);
      }
      // Wait for the pipe to drain (or ffmpeg to die), so memory stays bounded.
      if (!stdin.write(rgb)) {
        await Promise.race([new Promise((r) => stdin.once("drain", r)), exited]);
      }
      if (failure) throw failure;
    },
    close() {
      closed ??= (async () => {
        stdin.end();
        await exited;
        if (failure) throw failure;
      })();
      return closed;
    },
  };
}

/** Default {@linkcode VideoProbeOptions.timeoutMs}. */
export const DEFAULT_PROBE_TIMEOUT_MS = 15_000;

/** Options for {@linkcode probeVideo}. */
export interface VideoProbeOptions {
  /** What ffprobe gets after `-i`; already validated (see `source_uri.ts`). */
  input: string;
  /** Protocols ffprobe may open (`-protocol_whitelist`); `""` allows none (capture devices). */
  protocolWhitelist: string;
  /**
   * Input options (see `ffmpeg_input.ts`): the same as for decoding, so a camera is reached the
   * same way. `-stream_loop` is left out (ffprobe reads the first pass only).
   */
  inputOptions?: readonly string[];
  /** ffprobe is killed (and reaped) after this long, ms. Default 15 s. */
  timeoutMs?: number;
  /** Aborting kills ffprobe at once; the promise rejects. */
  signal?: AbortSignal;
}

/** What ffprobe says of the first video stream, as stored (before rotation and SAR). */
export interface VideoProbe {
  /** Coded picture width and height, pixels. */
  width: number;
  height: number;
  /** Sample (pixel) aspect ratio as `[num, den]`; `[1, 1]` when unknown or unset. */
  sampleAspect: [number, number];
  /** Display rotation in degrees (side data or the legacy `rotate` tag); 0 when none. */
  rotation: number;
}

/**
 * Reads the size of `input`'s first video stream with ffprobe: storage size, sample aspect
 * ratio and rotation (`frame_geometry.ts` turns them into what decoding delivers).
 *
 * @throws {Error} with ffprobe's reason (credentials redacted) when it cannot open the input,
 * finds no video stream, or runs past the timeout.
 *
 * @example
 * ```ts
 * await probeVideo({ input: "file:/clips/a.mp4", protocolWhitelist: "file" });
 * // { width: 1920, height: 1080, sampleAspect: [1, 1], rotation: 0 }
 * ```
 */
export async function probeVideo(
  { input, protocolWhitelist, inputOptions = [], timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, signal }:
    VideoProbeOptions,
): Promise<VideoProbe> {
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  signal?.throwIfAborted();
  const options: string[] = [];
  for (let i = 0; i < inputOptions.length; i++) {
    if (inputOptions[i] === "-stream_loop") i++;
    else options.push(inputOptions[i]);
  }
  const timeout = AbortSignal.timeout(timeoutMs);
  const shown = redactUri(input);
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("ffprobe", {
      args: [
        ...["-hide_banner", "-v", "error"],
        ...["-protocol_whitelist", protocolWhitelist, ...options],
        ...["-select_streams", "v:0", "-of", "json"],
        "-show_entries",
        "stream=width,height,sample_aspect_ratio:stream_tags=rotate:stream_side_data=rotation",
        ...["-i", input],
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    }).output();
  } catch (err) {
    throw new Error(`cannot run ffprobe on ${shown}: ${redactUri((err as Error).message)}`);
  }
  signal?.throwIfAborted();
  if (timeout.aborted) {
    throw new Error(`ffprobe found no video in ${shown} within ${timeoutMs} ms (killed)`);
  }
  const stderr = stderrTail(new TextDecoder().decode(out.stderr));
  if (!out.success) {
    throw new Error(`ffprobe cannot read ${shown}: ${stderr || `exit ${out.code}`}`);
  }
  return parseVideoProbe(new TextDecoder().decode(out.stdout), shown);
}

/**
 * The first video stream of ffprobe's JSON (`-of json -show_entries stream=...`), checked.
 * Exported for tests.
 *
 * @throws {Error} naming `shown` when there is no video stream with a size.
 */
export function parseVideoProbe(json: string, shown: string): VideoProbe {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`ffprobe gave no readable answer for ${shown}`);
  }
  const stream = (parsed as { streams?: Record<string, unknown>[] })?.streams?.[0];
  const width = Number(stream?.width), height = Number(stream?.height);
  if (
    !stream || !(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)
  ) {
    throw new Error(`${shown} has no video stream with a known size (ffprobe found none)`);
  }
  const sar = /^(\d+):(\d+)$/.exec(String(stream.sample_aspect_ratio ?? ""));
  const sampleAspect: [number, number] = sar && +sar[1] > 0 && +sar[2] > 0
    ? [+sar[1], +sar[2]]
    : [1, 1];
  const sideData = Array.isArray(stream.side_data_list) ? stream.side_data_list : [];
  const fromSideData = sideData
    .map((d) => Number((d as Record<string, unknown>)?.rotation))
    .find((r) => Number.isFinite(r));
  const fromTag = Number((stream.tags as Record<string, unknown> | undefined)?.rotate);
  const rotation = fromSideData ?? (Number.isFinite(fromTag) ? fromTag : 0);
  return { width, height, sampleAspect, rotation };
}

/** The last lines of ffmpeg's stderr, one line, without the `@ 0x…` addresses it prints. */
function stderrTail(stderr: string | null, maxLines = 6): string {
  if (!stderr) return "";
  const lines = stderr.split(/\r?\n|\r/).map((line) => line.trim()).filter((line) => line);
  const tail = lines.slice(-maxLines).join("; ").replace(/ @ 0x[0-9a-f]+\]/g, "]");
  return redactUri(tail.length > 1000 ? "…" + tail.slice(-1000) : tail);
}
