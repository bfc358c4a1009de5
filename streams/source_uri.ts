/**
 * Parses the source string a user gives (`--source`, an API call) into a typed descriptor,
 * and refuses anything else before it can reach ffmpeg.
 *
 * ffmpeg treats its input argument as a tiny language: a leading `-` is an option, and
 * pseudo-protocols such as `concat:`, `subfile:`, `data:` or `pipe:` read other files or file
 * descriptors than the one named. So only the forms listed in {@linkcode SOURCE_FORMS} pass:
 * `synthetic:`, local files, `rtsp(s)://`, `http(s)://` and `webcam:`. How each descriptor
 * becomes ffmpeg input arguments is `ffmpeg_input.ts`'s job.
 *
 * @module
 */

import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { SourceError } from "./frame.ts";

/** A procedurally generated scene with ground truth (see `synthetic.ts`). */
export interface SyntheticSourceDescriptor {
  kind: "synthetic";
  /** Seed of the scene: the same seed gives the same frames. */
  seed: number;
  /** Number of moving objects. */
  objects: number;
  /** Object size relative to the default (objects 15-25% of the frame's width at 1). */
  scale: number;
  /** Frames per second the scene is generated at. */
  fps: number;
  /**
   * The scene's own size (`?size=WxH`), what a camera's resolution is to a real source: the
   * working frame is fitted to it (`--frame-size`) and the scene rendered at that.
   */
  width: number;
  height: number;
}

/** A local video file, checked to exist and to be a regular file. */
export interface FileSourceDescriptor {
  kind: "file";
  /**
   * Absolute path of the file; with a `mediaRoot` it is the real path (symlinks resolved), the
   * one checked to lie inside the root.
   */
  path: string;
  /** Play the file over and over (`file:///a.mp4?loop=1`); absent when not asked for. */
  loop?: true;
}

/** Which RTSP lower transport carries the RTP packets. */
export type RtspTransport = "tcp" | "udp";

/** An RTSP camera or server: `rtsp://` or `rtsps://` (RTSP over TLS). */
export interface RtspSourceDescriptor {
  kind: "rtsp";
  /**
   * The URL for ffmpeg: scheme lower-cased, our own query options (`transport`) removed, the
   * rest (credentials, other query parameters) as given. Redact it before showing it.
   */
  url: string;
  /** `?transport=tcp|udp`; TCP (interleaved) by default, as it passes NAT and firewalls. */
  transport: RtspTransport;
}

/** An HTTP(S) stream or file: MJPEG, HLS playlist, progressive MP4 and the like. */
export interface HttpSourceDescriptor {
  kind: "http";
  /** The URL for ffmpeg: scheme lower-cased, the rest as given. Redact it before showing it. */
  url: string;
}

/** The platforms whose capture device ffmpeg can open, as `Deno.build.os` names them. */
export type WebcamPlatform = "linux" | "darwin" | "windows";

/** A local camera, opened through v4l2 (Linux), avfoundation (macOS) or dshow (Windows). */
export interface WebcamSourceDescriptor {
  kind: "webcam";
  /** Platform the device name was checked for. */
  platform: WebcamPlatform;
  /**
   * Linux: `/dev/video<N>`; macOS: a device index (`0`) or name (`FaceTime HD Camera`);
   * Windows: a DirectShow name without the `video=` prefix (`Integrated Camera`).
   */
  device: string;
  /** `?size=WxH`: capture size asked of the device; absent to take its default. */
  size?: { width: number; height: number };
  /** `?fps=N`: capture rate asked of the device; absent to take its default. */
  fps?: number;
}

/** What a source string names. */
export type SourceDescriptor =
  | SyntheticSourceDescriptor
  | FileSourceDescriptor
  | RtspSourceDescriptor
  | HttpSourceDescriptor
  | WebcamSourceDescriptor;

/** Options for {@linkcode parseSourceUri}. */
export interface ParseSourceOptions {
  /**
   * When set, a file source must lie inside this directory once `..` and symlinks are
   * resolved; anything else is refused. Unset, any readable file is accepted.
   */
  mediaRoot?: string;
  /** Platform whose webcam form `webcam:` devices must have; default `Deno.build.os`. */
  platform?: typeof Deno.build.os;
}

/** Defaults of the `synthetic:` query parameters. */
export const SYNTHETIC_DEFAULTS: Readonly<Omit<SyntheticSourceDescriptor, "kind">> = {
  seed: 1,
  objects: 4,
  scale: 1,
  fps: 10,
  width: 224,
  height: 224,
};

/** Range of each side of the `synthetic:` `size` parameter, pixels. */
export const SYNTHETIC_SIZE_RANGE: readonly [number, number] = [8, 4096];

/** Range of the `synthetic:` `scale` parameter. */
export const SYNTHETIC_SCALE_RANGE: readonly [number, number] = [0.1, 2];

/** Largest `objects` a synthetic scene accepts (ids must fit the `truth` bytes and the frame). */
export const MAX_SYNTHETIC_OBJECTS = 16;

/** Largest `fps` a synthetic scene accepts. */
export const MAX_SYNTHETIC_FPS = 120;

/** Largest capture rate a `webcam:` source accepts (`?fps=`). */
export const MAX_WEBCAM_FPS = 240;

/** Largest width or height a `webcam:` source accepts (`?size=`). */
export const MAX_WEBCAM_SIDE = 8192;

/** The accepted forms, as told to the user in every rejection. */
export const SOURCE_FORMS =
  "accepted forms: 'synthetic:' with optional ?seed=N&objects=N&scale=S&fps=N&size=WxH, " +
  "a path to a local video file (absolute or relative; write './name' if the name contains ':'), " +
  "a file:///absolute/path URL with optional ?loop=1, " +
  "rtsp://[user:password@]host[:port]/path or rtsps://... with optional ?transport=tcp|udp, " +
  "http(s)://host/path (MJPEG, HLS or a video file), " +
  "or webcam:DEVICE with optional ?size=WxH&fps=N where DEVICE is /dev/video<N> on Linux, " +
  "an index or name on macOS (webcam:0, webcam:FaceTime HD Camera), " +
  "or video=NAME on Windows (webcam:video=Integrated Camera)";

// ffmpeg protocols that read something other than the file named, or wrap another protocol:
// they get a message of their own because they are the usual way to smuggle a read.
const FFMPEG_PSEUDO_PROTOCOLS = new Set([
  "async",
  "cache",
  "concat",
  "concatf",
  "crypto",
  "data",
  "fd",
  "ffrtmpcrypt",
  "ffrtmphttp",
  "hls",
  "httpproxy",
  "md5",
  "pipe",
  "subfile",
  "tee",
]);

// ffmpeg network protocols that are real but not accepted as a source: raw sockets and file
// transfer protocols have no place in a camera URL, and each widens what ffmpeg may reach.
const FFMPEG_OTHER_PROTOCOLS = new Set([
  "amqp",
  "bluray",
  "ftp",
  "gopher",
  "gophers",
  "icecast",
  "ipfs",
  "ipns",
  "mmsh",
  "mmst",
  "prompeg",
  "rist",
  "rtmp",
  "rtmpe",
  "rtmps",
  "rtmpt",
  "rtmpte",
  "rtmpts",
  "rtp",
  "sctp",
  "sftp",
  "srt",
  "srtp",
  "tcp",
  "tls",
  "udp",
  "udplite",
  "unix",
  "zmq",
]);

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
// Whitespace and control characters: a URL parser silently drops some (tab, newline), so the
// string checked would not be the one ffmpeg gets; in a log they can forge lines.
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;
const CONTROL = /\p{Cc}/u;

/**
 * Parses and validates a source string. Relative paths resolve against `cwd`. Nothing is
 * opened: an RTSP/HTTP host or a camera that does not answer is reported when the source starts.
 *
 * @throws {SourceError} naming the accepted forms when the string is not one of them, when
 * the file it names does not exist, is not a regular file or lies outside `mediaRoot`, or when
 * a `webcam:` device does not have the form of `platform`.
 *
 * @example
 * ```ts
 * parseSourceUri("synthetic:?seed=3&size=640x360");
 * // { kind: "synthetic", seed: 3, objects: 4, scale: 1, fps: 10, width: 640, height: 360 }
 * parseSourceUri("fixtures/boring.mp4"); // { kind: "file", path: "/work/main/fixtures/boring.mp4" }
 * parseSourceUri("rtsp://admin:pw@cam/live?transport=udp");
 * // { kind: "rtsp", url: "rtsp://admin:pw@cam/live", transport: "udp" }
 * parseSourceUri("webcam:/dev/video0?size=640x480", ".", { platform: "linux" });
 * // { kind: "webcam", platform: "linux", device: "/dev/video0", size: { width: 640, height: 480 } }
 * parseSourceUri("clips/a.mp4", "/srv", { mediaRoot: "/srv/clips" }); // real path inside the root
 * parseSourceUri("concat:a.mp4|b.mp4"); // throws SourceError
 * ```
 */
export function parseSourceUri(
  uri: string,
  cwd: string = Deno.cwd(),
  { mediaRoot, platform = Deno.build.os }: ParseSourceOptions = {},
): SourceDescriptor {
  const shown = JSON.stringify(redactUri(uri));
  if (uri.length === 0) throw new SourceError(`Empty source; ${SOURCE_FORMS}`);
  if (uri.includes("\0")) throw new SourceError(`Source ${shown} contains a NUL byte`);
  if (uri.startsWith("-")) {
    throw new SourceError(
      `Source ${shown} starts with '-', which ffmpeg would read as an option; ` +
        `to name a file starting with '-' write './${redactUri(uri)}'; ${SOURCE_FORMS}`,
    );
  }
  const scheme = SCHEME.exec(uri)?.[1].toLowerCase();
  if (scheme === undefined) return fileDescriptor(resolve(cwd, uri), shown, mediaRoot);
  if (scheme === "synthetic") return parseSynthetic(uri.slice(scheme.length + 1), shown);
  if (scheme === "file") return parseFileUrl(uri, shown, mediaRoot);
  if (scheme === "rtsp" || scheme === "rtsps") return parseRtsp(uri, scheme, shown);
  if (scheme === "http" || scheme === "https") return parseHttp(uri, scheme, shown);
  if (scheme === "webcam") return parseWebcam(uri.slice(scheme.length + 1), platform, shown);
  // 'crypto+http:' and the like wrap another protocol: judged by the wrapper.
  const outer = scheme.split("+")[0];
  if (FFMPEG_PSEUDO_PROTOCOLS.has(outer)) {
    throw new SourceError(
      `Source ${shown} uses ffmpeg's '${outer}:' pseudo-protocol, which is refused because ` +
        `it can read other files or descriptors than the one named; ${SOURCE_FORMS}`,
    );
  }
  if (FFMPEG_OTHER_PROTOCOLS.has(outer)) {
    throw new SourceError(
      `Source ${shown} uses ffmpeg's '${outer}:' protocol, which is not accepted as a ` +
        `source; ${SOURCE_FORMS}`,
    );
  }
  throw new SourceError(`Source ${shown} has an unsupported scheme '${scheme}:'; ${SOURCE_FORMS}`);
}

/** Checks what `rtsp:` and `http:` URLs share; returns the URL with its scheme lower-cased. */
function networkUrl(uri: string, scheme: string, shown: string): string {
  if (WHITESPACE_OR_CONTROL.test(uri)) {
    throw new SourceError(
      `Source ${shown} contains whitespace or control characters; percent-encode them ` +
        `(a space is %20); ${SOURCE_FORMS}`,
    );
  }
  if (uri.includes("\\")) {
    // A URL parser reads '\' as '/' in http URLs; ffmpeg does not: refuse the ambiguity.
    throw new SourceError(`Source ${shown} contains '\\'; percent-encode it as %5C`);
  }
  const url = scheme + uri.slice(scheme.length);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new SourceError(`Source ${shown} is not a valid URL; ${SOURCE_FORMS}`, { cause: error });
  }
  // The host is read from the raw text too: for http a URL parser turns 'http:///x' into
  // host 'x', while ffmpeg sees no host at all.
  const authority = url.startsWith(`${scheme}://`)
    ? /^[^/?#]*/.exec(url.slice(scheme.length + 3))![0]
    : "";
  const host = authority.slice(authority.lastIndexOf("@") + 1).replace(/:\d*$/, "");
  if (host === "" || parsed.hostname === "") {
    throw new SourceError(
      `Source ${shown} has no host; write '${scheme}://host[:port]/path'; ${SOURCE_FORMS}`,
    );
  }
  return url;
}

function parseRtsp(uri: string, scheme: string, shown: string): RtspSourceDescriptor {
  const url = networkUrl(uri, scheme, shown);
  let transport: RtspTransport = "tcp";
  let seen = false;
  // The query is edited as raw text: re-serialising it through URLSearchParams would change
  // the encoding of parameters the camera reads.
  const hash = url.indexOf("#");
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? "" : url.slice(hash);
  const question = beforeHash.indexOf("?");
  if (question < 0) return { kind: "rtsp", url, transport };
  const kept: string[] = [];
  for (const pair of beforeHash.slice(question + 1).split("&")) {
    const equals = pair.indexOf("=");
    const key = equals < 0 ? pair : pair.slice(0, equals);
    const value = equals < 0 ? "" : pair.slice(equals + 1);
    if (decodeQueryPart(key, shown) !== "transport") {
      if (pair !== "") kept.push(pair);
      continue;
    }
    const wanted = decodeQueryPart(value, shown).toLowerCase();
    if (seen || (wanted !== "tcp" && wanted !== "udp")) {
      throw new SourceError(
        `Source ${shown}: transport must be given once, as 'tcp' or 'udp', got '${value}'`,
      );
    }
    seen = true;
    transport = wanted;
  }
  const base = beforeHash.slice(0, question);
  return {
    kind: "rtsp",
    url: (kept.length > 0 ? `${base}?${kept.join("&")}` : base) + fragment,
    transport,
  };
}

function decodeQueryPart(part: string, shown: string): string {
  try {
    return decodeURIComponent(part.replaceAll("+", " "));
  } catch (error) {
    throw new SourceError(`Source ${shown} has a malformed %-escape in its query`, {
      cause: error,
    });
  }
}

function parseHttp(uri: string, scheme: string, shown: string): HttpSourceDescriptor {
  return { kind: "http", url: networkUrl(uri, scheme, shown) };
}

// What a device looks like on each platform. ':' is refused in names because avfoundation and
// dshow read it as the separator between the video and the audio device.
const WEBCAM_FORMS: Record<WebcamPlatform, string> = {
  linux: "webcam:/dev/video<N>, e.g. webcam:/dev/video0",
  darwin: "webcam:<index> or webcam:<name>, e.g. webcam:0 or webcam:FaceTime HD Camera",
  windows: "webcam:video=<name>, e.g. webcam:video=Integrated Camera",
};
const V4L2_DEVICE = /^\/dev\/video\d{1,3}$/;
const MAX_WEBCAM_NAME = 128;

function parseWebcam(rest: string, os: typeof Deno.build.os, shown: string) {
  if (os !== "linux" && os !== "darwin" && os !== "windows") {
    throw new SourceError(
      `Source ${shown}: 'webcam:' is supported on linux, darwin and windows, not on ${os}`,
    );
  }
  const platform: WebcamPlatform = os;
  if (CONTROL.test(rest)) {
    throw new SourceError(`Source ${shown} contains control characters; ${WEBCAM_FORMS[os]}`);
  }
  const question = rest.indexOf("?");
  const device = question < 0 ? rest : rest.slice(0, question);
  const name = platform === "windows" ? device.replace(/^video=/, "") : device;
  const valid = platform === "linux"
    ? V4L2_DEVICE.test(device)
    : (platform === "darwin" || device.startsWith("video=")) && name !== "" &&
      name.length <= MAX_WEBCAM_NAME && name.trim() === name && !name.includes(":") &&
      name.toLowerCase() !== "none";
  if (!valid) {
    throw new SourceError(
      `Source ${shown}: device '${device}' is not a ${platform} camera; write ` +
        `${WEBCAM_FORMS[platform]} (optional ?size=WxH&fps=N); ${SOURCE_FORMS}`,
    );
  }
  const descriptor: WebcamSourceDescriptor = { kind: "webcam", platform, device: name };
  if (question < 0) return descriptor;
  for (const [key, value] of new URLSearchParams(rest.slice(question + 1))) {
    switch (key) {
      case "size": {
        const match = /^(\d{1,5})x(\d{1,5})$/.exec(value);
        const [width, height] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
        if (
          !match || width < 1 || height < 1 || width > MAX_WEBCAM_SIDE ||
          height > MAX_WEBCAM_SIDE
        ) {
          throw new SourceError(
            `Source ${shown}: size must be WIDTHxHEIGHT, each in [1, ${MAX_WEBCAM_SIDE}], ` +
              `e.g. 640x480, got '${value}'`,
          );
        }
        descriptor.size = { width, height };
        break;
      }
      case "fps": {
        const fps = Number(value);
        if (!/^\d+(\.\d+)?$/.test(value) || fps <= 0 || fps > MAX_WEBCAM_FPS) {
          throw new SourceError(
            `Source ${shown}: fps must be a number in (0, ${MAX_WEBCAM_FPS}], got '${value}'`,
          );
        }
        descriptor.fps = fps;
        break;
      }
      default:
        throw new SourceError(
          `Source ${shown}: unknown parameter '${key}' for 'webcam:'; known: size, fps`,
        );
    }
  }
  return descriptor;
}

function parseSynthetic(rest: string, shown: string): SyntheticSourceDescriptor {
  if (rest !== "" && !rest.startsWith("?")) {
    throw new SourceError(
      `Source ${shown}: 'synthetic:' takes only query parameters, e.g. ` +
        `'synthetic:?seed=3&objects=4&scale=1&fps=10&size=224x224'`,
    );
  }
  const descriptor: SyntheticSourceDescriptor = { kind: "synthetic", ...SYNTHETIC_DEFAULTS };
  for (const [key, value] of new URLSearchParams(rest.slice(1))) {
    switch (key) {
      case "seed":
        descriptor.seed = integerParam(key, value, 0, 0xffffffff, shown);
        break;
      case "objects":
        descriptor.objects = integerParam(key, value, 0, MAX_SYNTHETIC_OBJECTS, shown);
        break;
      case "scale": {
        const scale = Number(value);
        const [lo, hi] = SYNTHETIC_SCALE_RANGE;
        if (value.trim() === "" || !(scale >= lo && scale <= hi)) {
          throw new SourceError(
            `Source ${shown}: scale must be a number in [${lo}, ${hi}], got '${value}'`,
          );
        }
        descriptor.scale = scale;
        break;
      }
      case "fps": {
        const fps = Number(value);
        if (value.trim() === "" || !Number.isFinite(fps) || fps <= 0 || fps > MAX_SYNTHETIC_FPS) {
          throw new SourceError(
            `Source ${shown}: fps must be a number in (0, ${MAX_SYNTHETIC_FPS}], got '${value}'`,
          );
        }
        descriptor.fps = fps;
        break;
      }
      case "size": {
        const match = /^(\d{1,5})x(\d{1,5})$/.exec(value);
        const [width, height] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
        const [lo, hi] = SYNTHETIC_SIZE_RANGE;
        if (!match || width < lo || height < lo || width > hi || height > hi) {
          throw new SourceError(
            `Source ${shown}: size must be WIDTHxHEIGHT, each an integer in [${lo}, ${hi}], ` +
              `e.g. 640x360, got '${value}'`,
          );
        }
        descriptor.width = width;
        descriptor.height = height;
        break;
      }
      default:
        throw new SourceError(
          `Source ${shown}: unknown parameter '${key}' for 'synthetic:'; known: seed, objects, ` +
            `scale, fps, size`,
        );
    }
  }
  return descriptor;
}

function integerParam(key: string, value: string, min: number, max: number, shown: string) {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new SourceError(
      `Source ${shown}: ${key} must be an integer in [${min}, ${max}], got '${value}'`,
    );
  }
  return n;
}

function parseFileUrl(uri: string, shown: string, mediaRoot?: string): FileSourceDescriptor {
  const question = uri.indexOf("?");
  const hash = uri.indexOf("#");
  if (hash >= 0 && (question < 0 || hash < question)) {
    throw new SourceError(
      `Source ${shown}: a file URL takes no '#fragment'; percent-encode a '#' in the name ` +
        `as %23`,
    );
  }
  const descriptor = fileDescriptor(
    filePathOfUrl(question < 0 ? uri : uri.slice(0, question), shown),
    shown,
    mediaRoot,
  );
  if (question < 0) return descriptor;
  for (const [key, value] of new URLSearchParams(uri.slice(question + 1))) {
    if (key !== "loop") {
      throw new SourceError(
        `Source ${shown}: unknown parameter '${key}' for a file URL; known: loop`,
      );
    }
    if (value !== "0" && value !== "1") {
      throw new SourceError(`Source ${shown}: loop must be 0 or 1, got '${value}'`);
    }
    if (value === "1") descriptor.loop = true;
    else delete descriptor.loop;
  }
  return descriptor;
}

function filePathOfUrl(uri: string, shown: string): string {
  // 'file:name' is ffmpeg's relative form but not a URL (a URL parser makes it '/name'), so
  // only real file URLs are taken, and a plain relative path covers the relative case.
  if (!/^file:\//i.test(uri)) {
    throw new SourceError(
      `Source ${shown} is not a file URL; write 'file:///absolute/path' or a plain path`,
    );
  }
  try {
    return fileURLToPath(uri);
  } catch (error) {
    throw new SourceError(
      `Source ${shown} is not a valid local file URL (${(error as Error).message}); ` +
        SOURCE_FORMS,
      { cause: error },
    );
  }
}

function fileDescriptor(path: string, shown: string, mediaRoot?: string): FileSourceDescriptor {
  if (!isAbsolute(path)) throw new SourceError(`Source ${shown}: path is not absolute`);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "does not exist" : "cannot be read";
    // A plain path is taken literally, '?' included: options need the URL form.
    const hint = path.includes("?")
      ? "; to give options such as ?loop=1 write a file:///absolute/path?loop=1 URL"
      : "";
    throw new SourceError(
      `Source ${shown}: file ${JSON.stringify(path)} ${why}${hint}; check the path, or use ` +
        `one of the ${SOURCE_FORMS}`,
      { cause: error },
    );
  }
  if (!info.isFile) {
    throw new SourceError(
      `Source ${shown}: ${JSON.stringify(path)} is not a regular file; ${SOURCE_FORMS}`,
    );
  }
  if (mediaRoot === undefined) return { kind: "file", path };
  return { kind: "file", path: insideMediaRoot(path, mediaRoot, shown) };
}

// Real paths on both sides: a symlink inside the root that points out of it is outside.
function insideMediaRoot(path: string, mediaRoot: string, shown: string): string {
  let root: string;
  let real: string;
  try {
    root = Deno.realPathSync(mediaRoot);
  } catch (error) {
    throw new SourceError(
      `Source ${shown}: the media root ${JSON.stringify(mediaRoot)} cannot be resolved; ` +
        `check the server's media root setting`,
      { cause: error },
    );
  }
  try {
    real = Deno.realPathSync(path);
  } catch (error) {
    throw new SourceError(`Source ${shown}: file ${JSON.stringify(path)} cannot be resolved`, {
      cause: error,
    });
  }
  const inside = relative(root, real);
  if (inside === "" || inside.split(sep)[0] === ".." || isAbsolute(inside)) {
    throw new SourceError(
      `Source ${shown}: file ${JSON.stringify(path)} is outside the media root ` +
        `${JSON.stringify(root)}; only files inside it may be opened`,
    );
  }
  return real;
}

// Userinfo of any 'scheme://user:password@host' URL, greedy up to the last '@' before the path
// so that an unescaped '@' inside a password is covered too.
const USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#]*@/g;
// Query parameters that commonly carry a secret.
const SECRET_PARAM_NAMES = [
  "password",
  "passwd",
  "passphrase",
  "pwd",
  "pass",
  "token",
  "access_token",
  "auth",
  "secret",
  "api_key",
  "apikey",
  "signature",
  "sig",
];
const SECRET_PARAMS = new RegExp(`([?&;](?:${SECRET_PARAM_NAMES.join("|")})=)[^&#\\s]*`, "gi");

/**
 * Replaces credentials in every URL inside `s` with `***`: the `user:password@` (or `user@`)
 * part and the values of query parameters like `password=` or `token=`. Meant for anything a
 * source string may reach: logs, errors, the UI. Text without credentials is unchanged.
 *
 * @example
 * ```ts
 * redactUri("rtsp://admin:hunter2@10.0.0.5:554/stream"); // "rtsp://***@10.0.0.5:554/stream"
 * redactUri("http://cam/video?token=abc&x=1"); // "http://cam/video?token=***&x=1"
 * ```
 */
export function redactUri(s: string): string {
  return s.replace(USERINFO, "$1***@").replace(SECRET_PARAMS, "$1***");
}
