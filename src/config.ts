/**
 * Every option of the server with its default, in one place. Each option can be given as a
 * flag (`--steps-per-frame 4`) or an environment variable (`ISLANDS_STEPS_PER_FRAME=4`; the
 * port also as `PORT`); a flag wins.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { type ApmConfig, DEFAULT_APM_CONFIG, validateApmConfig } from "./apm/apm_config.ts";
import type { BackendChoice } from "./apm/backend.ts";
import { parseWeatherSchedule } from "../streams/weather_schedule.ts";

/** The server's whole configuration. */
export interface ServerConfig {
  port: number;
  host: string;
  source: string;
  fps: number;
  /** Weather schedule applied to the source's frames ("" = none). */
  weather: string;
  /** File sources: paced at their own rate (true) or every frame as fast as possible. */
  realtime: boolean;
  /** Live sources: restart one that delivers no frame for this many seconds. */
  stallTimeout: number;
  /** File sources must lie inside this directory ("" = anywhere). */
  mediaRoot: string;
  backend: BackendChoice;
  apm: ApmConfig;
}

type Kind = "int" | "number" | "string";

/** One option: its flag, its environment variable, its default, what it does. */
export interface OptionSpec {
  flag: string;
  env: string;
  kind: Kind;
  default: string | number;
  help: string;
  set: (c: ServerConfig, v: string | number) => void;
}

const apm = DEFAULT_APM_CONFIG;

/** The options, in the order `--help` and the README list them. */
export const OPTIONS: OptionSpec[] = [
  opt("port", "int", 8080, "TCP port of the HTTP/WebSocket server", (c, v) => c.port = +v),
  opt(
    "host",
    "string",
    "127.0.0.1",
    "address to listen on (0.0.0.0 for every interface)",
    (c, v) => c.host = String(v),
  ),
  opt(
    "source",
    "string",
    "synthetic:",
    "the stream's source: synthetic:[?seed=&objects=&fps=] or a video file path",
    (c, v) => c.source = String(v),
  ),
  opt(
    "fps",
    "number",
    10,
    "frames per second taken from the source: files are resampled to exactly this rate, live sources capped at it",
    (c, v) => c.fps = +v,
  ),
  opt(
    "realtime",
    "string",
    "true",
    "file sources: true plays at the file's rate dropping what the engine misses; false processes every frame as fast as possible",
    (c, v) => c.realtime = String(v) === "true",
  ),
  opt(
    "stall-timeout",
    "number",
    10,
    "live sources: seconds without a frame before the source is restarted",
    (c, v) => c.stallTimeout = +v,
  ),
  opt(
    "media-root",
    "string",
    "",
    "file sources must lie inside this directory (empty = anywhere)",
    (c, v) => c.mediaRoot = String(v),
  ),
  opt(
    "weather",
    "string",
    "",
    "synthetic weather on the frames, e.g. fog:3 or clear/30,fog:4@60 (empty = none)",
    (c, v) => c.weather = String(v),
  ),
  opt(
    "backend",
    "string",
    "auto",
    "compute backend: auto (webgpu on a real GPU, else wasm), webgpu, wasm, cpu",
    (c, v) => c.backend = v as BackendChoice,
  ),
  opt(
    "grid",
    "int",
    apm.grid,
    "APM grid side: the island map is grid x grid",
    (c, v) => c.apm.grid = +v,
  ),
  opt(
    "patch",
    "int",
    apm.patch,
    "pixels per column patch; frames are resized to grid*patch square",
    (c, v) => c.apm.patch = +v,
  ),
  opt("hidden", "int", apm.hidden, "width of the APM's shared MLP", (c, v) => c.apm.hidden = +v),
  opt(
    "depth",
    "int",
    apm.depth,
    "hidden layers of the APM's shared MLP",
    (c, v) => c.apm.depth = +v,
  ),
  opt(
    "pos-dim",
    "int",
    apm.posDim,
    "dimensions of the positional code (multiple of 4)",
    (c, v) => c.apm.posDim = +v,
  ),
  opt(
    "steps-per-frame",
    "int",
    apm.stepsPerFrame,
    "Adam steps of test-time training per frame",
    (c, v) => c.apm.stepsPerFrame = +v,
  ),
  opt(
    "locations-per-step",
    "int",
    apm.locationsPerStep,
    "random grid locations each step trains on",
    (c, v) => c.apm.locationsPerStep = +v,
  ),
  opt(
    "learning-rate",
    "number",
    apm.learningRate,
    "Adam learning rate",
    (c, v) => c.apm.learningRate = +v,
  ),
  opt(
    "teacher",
    "string",
    apm.teacher,
    "teacher: mobilenet_v2 or none (colour only)",
    (c, v) => c.apm.teacher = v as ApmConfig["teacher"],
  ),
  opt(
    "teacher-dim",
    "int",
    apm.teacherDim,
    "project the teacher's features to this many dimensions (0 = keep its own)",
    (c, v) => c.apm.teacherDim = +v,
  ),
  opt(
    "error-sampling",
    "number",
    apm.errorSampling,
    "share of each step's locations drawn by their current error (0 = uniform)",
    (c, v) => c.apm.errorSampling = +v,
  ),
  opt(
    "column-lr-scale",
    "number",
    apm.columnLrScale,
    "learning-rate multiplier of the weights that read the column code",
    (c, v) => c.apm.columnLrScale = +v,
  ),
  opt(
    "teacher-every",
    "int",
    apm.teacherEvery,
    "run the teacher on every n-th processed frame",
    (c, v) => c.apm.teacherEvery = +v,
  ),
  opt(
    "seed",
    "int",
    apm.seed,
    "seed of the APM's initial weights and sampling",
    (c, v) => c.apm.seed = +v,
  ),
];

function opt(
  flag: string,
  kind: Kind,
  def: string | number,
  help: string,
  set: OptionSpec["set"],
): OptionSpec {
  // PORT is the platform convention; the rest carry a prefix so that a stray SOURCE or HOST
  // in someone's environment cannot silently change the server.
  const env = flag === "port" ? "PORT" : `ISLANDS_${flag.toUpperCase().replaceAll("-", "_")}`;
  return { flag, env, kind, default: def, help, set };
}

/** A configuration problem; the message names the option and what is accepted. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The text `--help` prints. */
export function helpText(): string {
  const lines = OPTIONS.map((o) =>
    `  --${o.flag.padEnd(20)} ${o.help} (env ${o.env}, default ${o.default})`
  );
  return `Usage: deno task start [options]\n\nOptions:\n${lines.join("\n")}\n  --help`;
}

/** Builds the configuration from flags, then environment variables, then defaults. */
export function loadConfig(
  args: string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): ServerConfig & { help: boolean } {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: Object.fromEntries([
        ...OPTIONS.map((o) => [o.flag, { type: "string" as const }]),
        ["help", { type: "boolean" as const }],
      ]),
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${helpText()}`);
  }
  const config: ServerConfig = {
    port: 0,
    host: "",
    source: "",
    fps: 0,
    weather: "",
    realtime: true,
    stallTimeout: 10,
    mediaRoot: "",
    backend: "auto",
    apm: { ...DEFAULT_APM_CONFIG },
  };
  for (const o of OPTIONS) {
    const raw = (values[o.flag] as string | undefined) ?? env(o.env);
    if (raw === undefined) {
      o.set(config, o.default);
      continue;
    }
    if (o.kind === "string") {
      o.set(config, raw);
      continue;
    }
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || (o.kind === "int" && !Number.isInteger(n))) {
      throw new ConfigError(
        `--${o.flag} (${o.env}) must be ${
          o.kind === "int" ? "an integer" : "a number"
        }, got "${raw}"`,
      );
    }
    o.set(config, n);
  }
  if (config.port < 0 || config.port > 65535) {
    throw new ConfigError(`--port must be 0-65535, got ${config.port}`);
  }
  if (!(config.fps > 0 && config.fps <= 120)) {
    throw new ConfigError(`--fps must be in (0, 120], got ${config.fps}`);
  }
  if (!["auto", "webgpu", "wasm", "cpu"].includes(config.backend)) {
    throw new ConfigError(`--backend must be auto, webgpu, wasm or cpu, got "${config.backend}"`);
  }
  const realtimeRaw = (values["realtime"] as string | undefined) ?? env("ISLANDS_REALTIME");
  if (realtimeRaw !== undefined && realtimeRaw !== "true" && realtimeRaw !== "false") {
    throw new ConfigError(`--realtime must be true or false, got "${realtimeRaw}"`);
  }
  if (!(config.stallTimeout > 0)) {
    throw new ConfigError(`--stall-timeout must be a positive number of seconds`);
  }
  if (config.weather !== "") {
    try {
      parseWeatherSchedule(config.weather);
    } catch (err) {
      throw new ConfigError(`--weather: ${(err as Error).message}`);
    }
  }
  try {
    validateApmConfig(config.apm);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  return { ...config, help: values.help === true };
}
