/**
 * `deno task segment <input> --out <file.ndjson> [--overlay <video.mp4>] [--frames N] [options]`:
 * segments every frame of a recording offline, as fast as the engine goes, into one JSON island
 * message per line, and optionally a video of the frames with their islands drawn. Exit status:
 * 0 done, 1 the input (or the overlay's encoder) failed, 2 bad arguments.
 *
 * @module
 */
import {
  applyStreamOptions,
  ConfigError,
  loadConfig,
  OPTIONS,
  type StreamSettings,
} from "./config.ts";
import { prepareJsonMap } from "./islands/wire_json.ts";
import { resampleLabels, resampleMap } from "./islands/resample_labels.ts";
import { segmentSource } from "./pipeline/segment_source.ts";
import { drawIslandOverlay } from "./server/image/overlay.ts";
import { checkOutputPath, openRawVideoEncoder, type RawVideoEncoder } from "../streams/ffmpeg.ts";
import { sourceFrameRate } from "../streams/open_source.ts";
import { parseSourceUri, type SourceDescriptor } from "../streams/source_uri.ts";

/** Options the command owns; every other flag goes to the server's option parser. */
const OWN = ["out", "overlay", "frames", "resolution"] as const;

/** A bad command line; the message names the option. */
class UsageError extends Error {}

interface CommandLine {
  out: string;
  overlay?: string;
  frames?: number;
  /**
   * Labels at the map's own lattice ("grid"), at the working frame the engine saw ("frame") or
   * at the source's own size ("source").
   */
  resolution: "grid" | "frame" | "source";
  settings: StreamSettings;
  mediaRoot: string;
  descriptor: SourceDescriptor;
}

function usage(): string {
  // The input is the source, and realtime is always false here.
  const applies = (flag: string, scope: string) =>
    flag === "media-root" || (scope === "stream" && flag !== "source" && flag !== "realtime");
  const options = OPTIONS.filter((o) => applies(o.flag, o.scope))
    .map((o) => `  --${o.flag.padEnd(20)} ${o.help}`);
  return `Usage: deno task segment <input> --out <file.ndjson> [--overlay <video.mp4>] ` +
    `[--frames N] [options]

  <input>                a video file, or any source the server takes (synthetic:?seed=3, ...)
  --out FILE             write one JSON island message per frame, one a line (required)
  --overlay FILE         also write the frames with their islands drawn (H.264, source fps)
  --frames N             stop after N frames (required for synthetic: and ?loop=1 files)
  --resolution R         labels (and island summaries) at "grid" (the map's own lattice,
                         default), "frame" (the working frame the engine saw, --frame-size at
                         the source's aspect) or "source" (the source's own width and height);
                         finer than the lattice: upsampled edge-aware, colour-guided
  --help

Options of the server that apply (environment variables and --config too):
${options.join("\n")}`;
}

/** Parses the arguments; null when `--help` was asked for. */
function parseCommandLine(args: string[]): CommandLine | null {
  if (args.includes("--help")) return null;
  const input = args[0];
  if (input === undefined || input.startsWith("-")) {
    throw new UsageError(
      "give the input first: a video file or a source such as synthetic:?seed=3",
    );
  }
  const own: Partial<Record<(typeof OWN)[number], string>> = {};
  const rest: string[] = [];
  for (let i = 1; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("--")) {
      throw new UsageError(
        `unexpected argument "${arg}": the input comes first, alone; options are --name value`,
      );
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (name === "source") throw new UsageError("--source: the input is the source; give it first");
    if (name === "realtime") {
      throw new UsageError("--realtime: segment always processes every frame, none dropped");
    }
    // A value never starts with "--", so a forgotten value is reported for its own option.
    const value = eq >= 0
      ? arg.slice(eq + 1)
      : args[i + 1]?.startsWith("--")
      ? undefined
      : args[i + 1];
    if (eq < 0 && value !== undefined) i++;
    if ((OWN as readonly string[]).includes(name)) {
      const key = name as (typeof OWN)[number];
      if (value === undefined) throw new UsageError(`--${key} needs a value`);
      if (own[key] !== undefined) throw new UsageError(`--${key} is given twice`);
      own[key] = value;
    } else {
      rest.push(eq >= 0 ? arg : `--${name}`, ...(eq < 0 && value !== undefined ? [value] : []));
    }
  }
  if (own.out === undefined) {
    throw new UsageError("--out is required: the file to write the island maps to, one a line");
  }
  const outputs = [["--out", own.out], ["--overlay", own.overlay]] as const;
  for (const [option, path] of outputs) {
    try {
      if (path !== undefined) checkOutputPath(path, option);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  let frames: number | undefined;
  if (own.frames !== undefined) {
    frames = /^\d+$/.test(own.frames) ? Number(own.frames) : NaN;
    if (!(frames > 0)) {
      throw new UsageError(`--frames must be a positive integer, got "${own.frames}"`);
    }
  }

  const resolution = own.resolution ?? "grid";
  if (resolution !== "grid" && resolution !== "frame" && resolution !== "source") {
    throw new UsageError(
      `--resolution must be "grid", "frame" or "source", got "${resolution}"`,
    );
  }

  let config;
  try {
    config = loadConfig(rest);
  } catch (err) {
    // loadConfig appends the server's --help text; the command prints its own usage instead.
    if (err instanceof ConfigError) throw new UsageError(err.message.split("\n\n")[0]);
    throw err;
  }
  let descriptor: SourceDescriptor;
  try {
    descriptor = parseSourceUri(input, Deno.cwd(), { mediaRoot: config.mediaRoot || undefined });
  } catch (err) {
    throw new UsageError(`input: ${(err as Error).message}`);
  }
  const endless = descriptor.kind === "synthetic" ||
    (descriptor.kind === "file" && descriptor.loop === true);
  if (endless && frames === undefined) {
    throw new UsageError(`--frames is required: the input ${input} never ends (e.g. --frames 100)`);
  }
  const settings = applyStreamOptions(config, { source: input, realtime: false }, "input");
  return {
    out: own.out,
    overlay: own.overlay,
    frames,
    resolution,
    settings,
    mediaRoot: config.mediaRoot,
    descriptor,
  };
}

/** Segments the input; returns the number of frames. */
async function segment(cmd: CommandLine, out: WritableStreamDefaultWriter<Uint8Array>) {
  const started = performance.now();
  const utf8 = new TextEncoder();
  const fps = sourceFrameRate(cmd.descriptor, cmd.settings.fps);
  let video: RawVideoEncoder | null = null;
  let count = 0;
  let engineMs = 0;
  try {
    const { settings, frames, mediaRoot } = cmd;
    for await (const f of segmentSource({ settings, frames, mediaRoot })) {
      const { width, height, rgb } = f.image;
      // Summaries in the units of the labels written, so each line is a whole contract message.
      const map = resampleMap(f, cmd.resolution);
      await out.write(utf8.encode(prepareJsonMap({ ...f, ...map })(0, 0) + "\n"));
      if (cmd.overlay !== undefined) {
        // The working frame, at the source's aspect, with its islands at its own pixels.
        const fine = map.width === width && map.height === height
          ? map.labels
          : resampleLabels(f, "frame").labels;
        video ??= openRawVideoEncoder({ width, height, fps, output: cmd.overlay });
        await video.write(drawIslandOverlay(rgb, width, height, fine, width, height));
      }
      count++;
      engineMs += f.timings.preprocessMs + f.timings.trainMs + f.timings.islandsMs;
    }
    await video?.close();
  } catch (err) {
    // Finish what was written so far; the input's failure is the error worth reporting.
    await video?.close().catch(() => {});
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const written = cmd.overlay === undefined ? cmd.out : `${cmd.out} and ${cmd.overlay}`;
  console.error(
    `segment: ${count} frames in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(2)} fps, ` +
      `engine ${(engineMs / Math.max(count, 1)).toFixed(0)} ms/frame) -> ${written}`,
  );
}

async function main(args: string[]): Promise<number> {
  let cmd: CommandLine | null;
  let file: Deno.FsFile;
  try {
    cmd = parseCommandLine(args);
    if (cmd === null) {
      console.log(usage());
      return 0;
    }
    try {
      file = await Deno.open(cmd.out, { write: true, create: true, truncate: true });
    } catch (err) {
      throw new UsageError(`cannot write --out ${cmd.out}: ${(err as Error).message}`);
    }
  } catch (err) {
    if (!(err instanceof UsageError || err instanceof ConfigError)) throw err;
    console.error(`error: ${err.message}\n(deno task segment --help lists the options)`);
    return 2;
  }
  const out = file.writable.getWriter();
  try {
    await segment(cmd, out);
    return 0;
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    return 1;
  } finally {
    await out.close();
  }
}

Deno.exit(await main(Deno.args));
