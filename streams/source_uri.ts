/**
 * Parses the source string a user gives (`--source`, an API call) into a typed descriptor,
 * and refuses anything else before it can reach ffmpeg.
 *
 * ffmpeg treats its input argument as a tiny language: a leading `-` is an option, and
 * pseudo-protocols such as `concat:`, `subfile:`, `data:` or `pipe:` read other files or file
 * descriptors than the one named. So only the forms listed in {@linkcode SOURCE_FORMS} pass.
 *
 * @module
 */

import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SourceError } from "./frame.ts";

/** A procedurally generated scene with ground truth (see `synthetic.ts`). */
export interface SyntheticSourceDescriptor {
  kind: "synthetic";
  /** Seed of the scene: the same seed gives the same frames. */
  seed: number;
  /** Number of moving objects. */
  objects: number;
  /** Frames per second the scene is generated at. */
  fps: number;
}

/** A local video file, checked to exist and to be a regular file. */
export interface FileSourceDescriptor {
  kind: "file";
  /** Absolute path of the file. */
  path: string;
}

/** What a source string names. */
export type SourceDescriptor = SyntheticSourceDescriptor | FileSourceDescriptor;

/** Defaults of the `synthetic:` query parameters. */
export const SYNTHETIC_DEFAULTS: Readonly<Omit<SyntheticSourceDescriptor, "kind">> = {
  seed: 1,
  objects: 4,
  fps: 10,
};

/** Largest `objects` a synthetic scene accepts (ids must fit the `truth` bytes and the frame). */
export const MAX_SYNTHETIC_OBJECTS = 16;

/** Largest `fps` a synthetic scene accepts. */
export const MAX_SYNTHETIC_FPS = 120;

/** The accepted forms, as told to the user in every rejection. */
export const SOURCE_FORMS =
  "accepted forms: 'synthetic:' with optional ?seed=N&objects=N&fps=N, a path to a local " +
  "video file (absolute or relative; write './name' if the name contains ':'), " +
  "or a file:///absolute/path URL";

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

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/**
 * Parses and validates a source string. Relative paths resolve against `cwd`.
 *
 * @throws {SourceError} naming the accepted forms when the string is not one of them, or when
 * the file it names does not exist or is not a regular file.
 *
 * @example
 * ```ts
 * parseSourceUri("synthetic:?seed=3"); // { kind: "synthetic", seed: 3, objects: 4, fps: 10 }
 * parseSourceUri("fixtures/boring.mp4"); // { kind: "file", path: "/work/main/fixtures/boring.mp4" }
 * parseSourceUri("concat:a.mp4|b.mp4"); // throws SourceError
 * ```
 */
export function parseSourceUri(uri: string, cwd: string = Deno.cwd()): SourceDescriptor {
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
  if (scheme === undefined) return fileDescriptor(resolve(cwd, uri), shown);
  if (scheme === "synthetic") return parseSynthetic(uri.slice(scheme.length + 1), shown);
  if (scheme === "file") return fileDescriptor(filePathOfUrl(uri, shown), shown);
  if (FFMPEG_PSEUDO_PROTOCOLS.has(scheme)) {
    throw new SourceError(
      `Source ${shown} uses ffmpeg's '${scheme}:' pseudo-protocol, which is refused because ` +
        `it can read other files or descriptors than the one named; ${SOURCE_FORMS}`,
    );
  }
  throw new SourceError(`Source ${shown} has an unsupported scheme '${scheme}:'; ${SOURCE_FORMS}`);
}

function parseSynthetic(rest: string, shown: string): SyntheticSourceDescriptor {
  if (rest !== "" && !rest.startsWith("?")) {
    throw new SourceError(
      `Source ${shown}: 'synthetic:' takes only query parameters, e.g. ` +
        `'synthetic:?seed=3&objects=4&fps=10'`,
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
      default:
        throw new SourceError(
          `Source ${shown}: unknown parameter '${key}' for 'synthetic:'; known: seed, objects, fps`,
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

function fileDescriptor(path: string, shown: string): FileSourceDescriptor {
  if (!isAbsolute(path)) throw new SourceError(`Source ${shown}: path is not absolute`);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "does not exist" : "cannot be read";
    throw new SourceError(
      `Source ${shown}: file ${JSON.stringify(path)} ${why}; check the path, or use ` +
        `one of the ${SOURCE_FORMS}`,
      { cause: error },
    );
  }
  if (!info.isFile) {
    throw new SourceError(
      `Source ${shown}: ${JSON.stringify(path)} is not a regular file; ${SOURCE_FORMS}`,
    );
  }
  return { kind: "file", path };
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
