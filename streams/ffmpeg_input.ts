/**
 * Turns a validated source descriptor (see `source_uri.ts`) into ffmpeg's input arguments:
 * what follows `-i`, the options before it, and the protocols ffmpeg may open for it. Pure:
 * nothing is spawned, so every kind is testable on any machine.
 *
 * Every option here exists in ffmpeg 5.1 (`ffmpeg -h demuxer=rtsp`, `-h protocol=http`,
 * `-h demuxer=v4l2`). `avfoundation` and `dshow` are built only into macOS and Windows ffmpeg,
 * so their arguments follow ffmpeg's device documentation and are checked only as arrays.
 *
 * @module
 */

import { SourceError } from "./frame.ts";
import type {
  FileSourceDescriptor,
  HttpSourceDescriptor,
  RtspSourceDescriptor,
  SourceDescriptor,
  WebcamSourceDescriptor,
} from "./source_uri.ts";

/** What `spawnRawVideo` needs to open one source (see `ffmpeg.ts`). */
export interface FfmpegInput {
  /** The argument of `-i`. */
  input: string;
  /** Options placed before `-i`, for this input only. */
  inputOptions: string[];
  /**
   * Value of `-protocol_whitelist`: the only protocols ffmpeg may open for this input. `""`
   * (cameras) allows none and must be passed as is, not replaced by a default.
   */
  protocolWhitelist: string;
}

/** Options for {@linkcode ffmpegInputArgs}. */
export interface FfmpegInputOptions {
  /**
   * Platform ffmpeg runs on; default `Deno.build.os`. A `webcam:` descriptor checked for
   * another platform is refused, since its device name has that platform's form.
   */
  platform?: typeof Deno.build.os;
  /**
   * RTSP and HTTP: how long a connect or a read may stall before ffmpeg gives up (then the
   * source fails, or an HTTP stream reconnects). Default {@linkcode DEFAULT_SOCKET_TIMEOUT_MS}.
   */
  socketTimeoutMs?: number;
}

/** Default stall limit of RTSP and HTTP sockets, in milliseconds. */
export const DEFAULT_SOCKET_TIMEOUT_MS = 5000;

/** Longest wait between two HTTP reconnection attempts, in seconds (`-reconnect_delay_max`). */
export const HTTP_RECONNECT_DELAY_MAX_S = 5;

/**
 * Builds ffmpeg's input arguments for `descriptor`.
 *
 * - file: `-stream_loop -1` when looping; protocols `file`.
 * - rtsp: `-rtsp_transport tcp|udp -timeout <µs> -flags low_delay
 *   -analyzeduration 500000`;
 *   protocols `tcp` (+`udp,rtp` for UDP, +`tls` for rtsps, +`srtp` for rtsps over UDP).
 * - http: `-reconnect 1 -reconnect_streamed 1 -reconnect_delay_max 5 -rw_timeout <µs>`;
 *   protocols `http,https,tcp,tls,crypto` (HLS playlists may switch scheme and use AES keys).
 * - webcam: `-f v4l2|avfoundation|dshow [-framerate F] [-video_size WxH]`; no protocol.
 *
 * @throws {SourceError} for a `synthetic` descriptor (not an ffmpeg input) or a webcam
 * checked for another platform than `platform`.
 *
 * @example
 * ```ts
 * ffmpegInputArgs({ kind: "rtsp", url: "rtsp://cam/live", transport: "tcp" });
 * // { input: "rtsp://cam/live", protocolWhitelist: "tcp", inputOptions: ["-rtsp_transport",
 * //   "tcp", "-timeout", "5000000", "-flags", "low_delay", "-analyzeduration", "500000"] }
 * ffmpegInputArgs(
 *   { kind: "webcam", platform: "linux", device: "/dev/video0", fps: 30 },
 *   { platform: "linux" },
 * );
 * // { input: "/dev/video0", protocolWhitelist: "", inputOptions: ["-f", "v4l2",
 * //   "-framerate", "30"] }
 * ```
 */
export function ffmpegInputArgs(
  descriptor: SourceDescriptor,
  { platform = Deno.build.os, socketTimeoutMs = DEFAULT_SOCKET_TIMEOUT_MS }: FfmpegInputOptions =
    {},
): FfmpegInput {
  if (!Number.isInteger(socketTimeoutMs) || socketTimeoutMs <= 0) {
    throw new RangeError(`socketTimeoutMs must be a positive integer, got ${socketTimeoutMs}`);
  }
  // ffmpeg's socket timeouts are in microseconds.
  const timeoutUs = String(socketTimeoutMs * 1000);
  switch (descriptor.kind) {
    case "synthetic":
      throw new SourceError("A 'synthetic:' source is generated in-process, not read by ffmpeg");
    case "file":
      return fileInput(descriptor);
    case "rtsp":
      return rtspInput(descriptor, timeoutUs);
    case "http":
      return httpInput(descriptor, timeoutUs);
    case "webcam":
      return webcamInput(descriptor, platform);
  }
}

function fileInput({ path, loop }: FileSourceDescriptor): FfmpegInput {
  return {
    // 'file:' makes ffmpeg take the path literally, even with a ':' in a file name.
    input: `file:${path}`,
    inputOptions: loop ? ["-stream_loop", "-1"] : [],
    protocolWhitelist: "file",
  };
}

function rtspInput({ url, transport }: RtspSourceDescriptor, timeoutUs: string): FfmpegInput {
  // The rtsp demuxer opens no 'rtsp' protocol itself: it dials 'tcp' (then 'tls' for
  // rtsps) and, for UDP transport, 'rtp' over 'udp' ('srtp' for secure profiles).
  const secure = url.startsWith("rtsps:");
  const protocols = ["tcp"];
  if (secure) protocols.push("tls");
  if (transport === "udp") protocols.push("udp", "rtp", ...(secure ? ["srtp"] : []));
  return {
    input: url,
    inputOptions: [
      "-rtsp_transport",
      transport,
      // 'timeout' is the socket I/O timeout of the rtsp demuxer since ffmpeg 5.0 ('stimeout'
      // is gone); without it a camera that stops answering blocks the read forever.
      "-timeout",
      timeoutUs,
      // Live view: the decoder hands over each frame at once. No '-fflags nobuffer': it drops
      // the packets read while analysing, keyframe included, so the first frame waited for the
      // next keyframe, up to a whole GOP (1.35 s against 1.05 s on the test camera's 1 s GOP).
      "-flags",
      "low_delay",
      // The SDP describes the stream; ffmpeg's default 5 s of analysis held the first frame
      // back 2-3 s after every (re)connect. Half a second is several frames at any camera rate.
      "-analyzeduration",
      "500000",
    ],
    protocolWhitelist: protocols.join(","),
  };
}

function httpInput({ url }: HttpSourceDescriptor, timeoutUs: string): FfmpegInput {
  return {
    input: url,
    inputOptions: [
      // MJPEG and other endless streams are not seekable: without 'reconnect_streamed' a
      // dropped connection ends the source.
      "-reconnect",
      "1",
      "-reconnect_streamed",
      "1",
      "-reconnect_delay_max",
      String(HTTP_RECONNECT_DELAY_MAX_S),
      "-rw_timeout",
      timeoutUs,
    ],
    // An HLS playlist names its segments and keys itself: they may be on https when the
    // playlist is on http (or redirect there), and AES-128 segments are read via 'crypto'.
    // 'file' stays out, so a playlist cannot make ffmpeg read local files.
    protocolWhitelist: "http,https,tcp,tls,crypto",
  };
}

function webcamInput(
  { platform, device, size, fps }: WebcamSourceDescriptor,
  runningOn: typeof Deno.build.os,
): FfmpegInput {
  if (platform !== runningOn) {
    throw new SourceError(
      `Camera '${device}' was checked for ${platform} but ffmpeg runs on ${runningOn}`,
    );
  }
  const capture = [
    ...(fps === undefined ? [] : ["-framerate", String(fps)]),
    ...(size === undefined ? [] : ["-video_size", `${size.width}x${size.height}`]),
  ];
  // Devices are opened by the capture demuxer, never through a protocol: allow none.
  switch (platform) {
    case "linux":
      return { input: device, inputOptions: ["-f", "v4l2", ...capture], protocolWhitelist: "" };
    case "darwin":
      // avfoundation reads "<video>:<audio>"; 'none' opens no microphone.
      return {
        input: `${device}:none`,
        inputOptions: ["-f", "avfoundation", ...capture],
        protocolWhitelist: "",
      };
    case "windows":
      return {
        input: `video=${device}`,
        inputOptions: ["-f", "dshow", ...capture],
        protocolWhitelist: "",
      };
  }
}
