/**
 * Every option of the server with its default, in one place. Each option can be given as a
 * flag (`--steps-per-frame 4`) or an environment variable (`ISLANDS_STEPS_PER_FRAME=4`; the
 * port also as `PORT`); a flag wins.
 *
 * @module
 */
import { DEFAULT_ENCODING_SHARE } from "./server/encoding_budget.ts";
import { parseArgs } from "node:util";
import { type ApmConfig, DEFAULT_APM_CONFIG, validateApmConfig } from "./apm/apm_config.ts";
import type { BackendChoice } from "./apm/backend.ts";
import { parseWeatherSchedule } from "../streams/weather_schedule.ts";
import { checkFrameSize, DEFAULT_FRAME_SIZE } from "../streams/frame_geometry.ts";
import { STREAM_ID_PATTERN } from "./pipeline/stream_id.ts";

/** What one stream runs with: its source and every per-stream option. */
export interface StreamSettings {
  source: string;
  fps: number;
  /** Weather schedule applied to the source's frames ("" = none). */
  weather: string;
  /** File sources: paced at their own rate (true) or every frame as fast as possible. */
  realtime: boolean;
  /** Live sources: restart one that delivers no frame for this many seconds. */
  stallTimeout: number;
  /**
   * Long side of the working frame in pixels, aspect kept, never above the source's own size;
   * 0 = the source's own size (see `workingFrameSize` in streams/frame_geometry.ts).
   */
  frameSize: number;
  backend: BackendChoice;
  apm: ApmConfig;
}

/** Whether clients must present a token: always, never, or unless the server is loopback-only. */
export type AuthMode = "auto" | "on" | "off";

/** A stream declared in the config file, started at boot. */
export interface StreamDeclaration {
  id: string;
  settings: StreamSettings;
}

/** The server's whole configuration. Its stream fields are every stream's defaults. */
export interface ServerConfig extends StreamSettings {
  port: number;
  host: string;
  /** JSON config file these settings were read from ("" = none). */
  config: string;
  /** File sources must lie inside this directory ("" = anywhere). */
  mediaRoot: string;
  auth: AuthMode;
  adminTokens: string[];
  viewerTokens: string[];
  /** Origins allowed by CORS (`*` = any; empty = no CORS headers). */
  corsOrigins: string[];
  maxStreams: number;
  /** Maps queued per WebSocket before the oldest is dropped. */
  subscriberQueue: number;
  /** Share of the main thread that costly subscriptions' encodings may take together. */
  encodingBudget: number;
  /** Seconds a socket may drop every map before it is closed (code 4008). */
  slowSubscriberTimeout: number;
  /** Seconds without an answer to a ping before a socket is closed. */
  wsIdleTimeout: number;
  /** Directory of the streams' weight checkpoints ("" = no checkpoints). */
  stateDir: string;
  /** Seconds between a stream's checkpoints (one is also written when it stops). */
  checkpointEvery: number;
  /** Streams started at boot: the config file's, else one "default" from `source`. */
  streams: StreamDeclaration[];
}

type Kind = "int" | "number" | "string" | "boolean" | "list";
type Value = string | number | boolean | string[];

/** One option: its flag, its environment variable, its default, what it does. */
export interface OptionSpec {
  flag: string;
  env: string;
  kind: Kind;
  /** "stream" options can differ per stream (config file `streams`, the stream API). */
  scope: "server" | "stream";
  default: string | number | boolean;
  help: string;
  /** Tokens: their values are never shown. */
  secret?: boolean;
  set: (c: ServerConfig, v: Value) => void;
}

const apm = DEFAULT_APM_CONFIG;
const S = "server" as const;
const T = "stream" as const;

/** The options, in the order `--help` and the README list them. */
export const OPTIONS: OptionSpec[] = [
  opt(
    "config",
    S,
    "string",
    "",
    "JSON config file: option names as keys, plus `streams`",
    (c, v) => {
      c.config = String(v);
    },
  ),
  opt("port", S, "int", 8080, "TCP port of the HTTP/WebSocket server", (c, v) => c.port = +v),
  opt(
    "host",
    S,
    "string",
    "127.0.0.1",
    "address to listen on (0.0.0.0 for every interface)",
    (c, v) => c.host = String(v),
  ),
  opt(
    "auth",
    S,
    "string",
    "auto",
    "bearer tokens required: on, off, or auto (off when listening on loopback only, else on)",
    (c, v) => c.auth = v as AuthMode,
  ),
  opt(
    "admin-tokens",
    S,
    "list",
    "",
    "comma-separated tokens of the admin role (change streams; also view); 16+ characters",
    (c, v) => c.adminTokens = v as string[],
    true,
  ),
  opt(
    "viewer-tokens",
    S,
    "list",
    "",
    "comma-separated tokens of the viewer role (read the API, subscribe); 16+ characters",
    (c, v) => c.viewerTokens = v as string[],
    true,
  ),
  opt(
    "cors-origins",
    S,
    "list",
    "",
    "comma-separated origins allowed to call the API from a browser (* = any; empty = none)",
    (c, v) => c.corsOrigins = v as string[],
  ),
  opt(
    "media-root",
    S,
    "string",
    "",
    "file sources must lie inside this directory (empty = anywhere)",
    (c, v) => c.mediaRoot = String(v),
  ),
  opt("max-streams", S, "int", 16, "most streams the server runs at once", (c, v) => {
    c.maxStreams = +v;
  }),
  opt(
    "subscriber-queue",
    S,
    "int",
    4,
    "maps queued per WebSocket; when full the oldest is dropped and counted",
    (c, v) => c.subscriberQueue = +v,
  ),
  opt(
    "encoding-budget",
    S,
    "number",
    DEFAULT_ENCODING_SHARE,
    "share of the main thread that subscriptions costing over 5 ms a map (large labels, frame JPEGs) may take together, in equal parts; their maps are skipped past it",
    (c, v) => c.encodingBudget = +v,
  ),
  opt(
    "slow-subscriber-timeout",
    S,
    "number",
    30,
    "seconds a socket may drop every map before it is closed with code 4008",
    (c, v) => c.slowSubscriberTimeout = +v,
  ),
  opt(
    "ws-idle-timeout",
    S,
    "number",
    30,
    "seconds between pings; a socket that has not answered one by the next is dropped",
    (c, v) => c.wsIdleTimeout = +v,
  ),
  opt(
    "state-dir",
    S,
    "string",
    "state",
    "directory where each stream's adapted weights are checkpointed and restored from (empty = none)",
    (c, v) => c.stateDir = String(v),
  ),
  opt(
    "checkpoint-every",
    S,
    "number",
    60,
    "seconds between a stream's checkpoints; one is also written when it stops",
    (c, v) => c.checkpointEvery = +v,
  ),
  opt(
    "source",
    T,
    "string",
    "synthetic:",
    "the default stream's source: synthetic:[?seed=&objects=&fps=], a file, rtsp://, http(s)://, webcam:",
    (c, v) => c.source = String(v),
  ),
  opt(
    "fps",
    T,
    "number",
    10,
    "frames per second taken from the source: files are resampled to exactly this rate, live sources capped at it",
    (c, v) => c.fps = +v,
  ),
  opt(
    "realtime",
    T,
    "boolean",
    true,
    "file and synthetic: sources: true plays at the source's rate dropping what the engine misses; false processes every frame as fast as possible",
    (c, v) => c.realtime = v as boolean,
  ),
  opt(
    "stall-timeout",
    T,
    "number",
    10,
    "live sources: seconds without a frame before the source is restarted",
    (c, v) => c.stallTimeout = +v,
  ),
  opt(
    "frame-size",
    T,
    "int",
    DEFAULT_FRAME_SIZE,
    "long side of the working frame in pixels, the source's aspect kept and never upscaled (0 = the source's own size; else 64-4096)",
    (c, v) => c.frameSize = +v,
  ),
  opt(
    "weather",
    T,
    "string",
    "",
    "synthetic weather on the frames, e.g. fog:3 or clear/30,fog:4@60 (empty = none)",
    (c, v) => c.weather = String(v),
  ),
  opt(
    "backend",
    T,
    "string",
    "auto",
    "compute backend: auto (webgpu on a real GPU, else wasm), webgpu, wasm, cpu",
    (c, v) => c.backend = v as BackendChoice,
  ),
  opt(
    "grid",
    T,
    "int",
    apm.grid,
    "APM grid: about grid x grid cells shaped like the frame (32: 32x32 square, 43x24 at 16:9)",
    (c, v) => c.apm.grid = +v,
  ),
  opt(
    "patch",
    T,
    "int",
    apm.patch,
    "pixels per column patch: the column module sees the frame at gridW*patch x gridH*patch",
    (c, v) => c.apm.patch = +v,
  ),
  opt(
    "lattice",
    T,
    "int",
    apm.lattice,
    "long side of the lattice the field is queried on and islands cut from, the short side following the grid's aspect (0 = the grid; up to 256)",
    (c, v) => c.apm.lattice = +v,
  ),
  opt(
    "color-weight",
    T,
    "number",
    apm.colorWeight,
    "share of island agreement given to the frame's colour, the rest to the APM's features",
    (c, v) => c.apm.colorWeight = +v,
  ),
  opt(
    "foreground",
    T,
    "boolean",
    apm.foreground,
    "cut islands of what moved or changed against the stream's learnt usual scene, at the " +
      "frame's pixels (false: islands of the field and colour alone, at the lattice)",
    (c, v) => c.apm.foreground = v as boolean,
  ),
  opt(
    "max-background",
    T,
    "int",
    apm.maxBackground,
    "with --foreground: at most this many background islands",
    (c, v) => c.apm.maxBackground = +v,
  ),
  opt(
    "min-island",
    T,
    "number",
    apm.minIsland,
    "smallest island as a fraction of the frame's area; smaller ones join a neighbour",
    (c, v) => c.apm.minIsland = +v,
  ),
  opt("hidden", T, "int", apm.hidden, "width of the APM's shared MLP", (c, v) => {
    c.apm.hidden = +v;
  }),
  opt("depth", T, "int", apm.depth, "hidden layers of the APM's shared MLP", (c, v) => {
    c.apm.depth = +v;
  }),
  opt(
    "pos-dim",
    T,
    "int",
    apm.posDim,
    "dimensions of the positional code (multiple of 4)",
    (c, v) => c.apm.posDim = +v,
  ),
  opt(
    "steps-per-frame",
    T,
    "int",
    apm.stepsPerFrame,
    "Adam steps of test-time training per frame",
    (c, v) => c.apm.stepsPerFrame = +v,
  ),
  opt(
    "locations-per-step",
    T,
    "int",
    apm.locationsPerStep,
    "random grid locations each step trains on",
    (c, v) => c.apm.locationsPerStep = +v,
  ),
  opt(
    "learning-rate",
    T,
    "number",
    apm.learningRate,
    "Adam learning rate",
    (c, v) => c.apm.learningRate = +v,
  ),
  opt(
    "teacher",
    T,
    "string",
    apm.teacher,
    "teacher: mobilenet_v2 or none (colour only)",
    (c, v) => c.apm.teacher = v as ApmConfig["teacher"],
  ),
  opt(
    "teacher-layer",
    T,
    "string",
    apm.teacherLayer,
    "MobileNetV2 layer(s) the APM learns, several joined by commas (e.g. a 56x56 and a 28x28 map)",
    (c, v) => c.apm.teacherLayer = String(v),
  ),
  opt(
    "teacher-dim",
    T,
    "int",
    apm.teacherDim,
    "project the teacher's features to this many dimensions (0 = keep its own)",
    (c, v) => c.apm.teacherDim = +v,
  ),
  opt(
    "error-sampling",
    T,
    "number",
    apm.errorSampling,
    "share of each step's locations drawn by their current error (0 = uniform)",
    (c, v) => c.apm.errorSampling = +v,
  ),
  opt(
    "column-lr-scale",
    T,
    "number",
    apm.columnLrScale,
    "learning-rate multiplier of the weights that read the column code",
    (c, v) => c.apm.columnLrScale = +v,
  ),
  opt(
    "anchor-decay",
    T,
    "number",
    apm.anchorDecay,
    "per-frame decay of the weights' slowly updated anchor copy, restored to on divergence",
    (c, v) => c.apm.anchorDecay = +v,
  ),
  opt(
    "restore-probability",
    T,
    "number",
    apm.restoreProbability,
    "chance per frame that each weight is reset to its anchor value (damps drift)",
    (c, v) => c.apm.restoreProbability = +v,
  ),
  opt(
    "init-decay",
    T,
    "number",
    apm.initDecay,
    "per frame, the fraction of the way the weights move back toward their initial values (keeps them plastic)",
    (c, v) => c.apm.initDecay = +v,
  ),
  opt(
    "teacher-every",
    T,
    "int",
    apm.teacherEvery,
    "run the teacher on every n-th processed frame",
    (c, v) => c.apm.teacherEvery = +v,
  ),
  opt(
    "seed",
    T,
    "int",
    apm.seed,
    "seed of the APM's initial weights and sampling",
    (c, v) => c.apm.seed = +v,
  ),
];

function opt(
  flag: string,
  scope: OptionSpec["scope"],
  kind: Kind,
  def: string | number | boolean,
  help: string,
  set: OptionSpec["set"],
  secret = false,
): OptionSpec {
  // PORT is the platform convention; the rest carry a prefix so that a stray SOURCE or HOST
  // in someone's environment cannot silently change the server.
  const env = flag === "port" ? "PORT" : `ISLANDS_${flag.toUpperCase().replaceAll("-", "_")}`;
  return { flag, env, kind, scope, default: def, help, set, secret };
}

const BY_FLAG = new Map(OPTIONS.map((o) => [o.flag, o]));

/** A configuration problem; the message names the option and what is accepted. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** The text `--help` prints. */
export function helpText(): string {
  const lines = OPTIONS.map((o) =>
    `  --${o.flag.padEnd(24)} ${o.help} (env ${o.env}, default ${
      o.default === "" ? "none" : o.default
    })`
  );
  return `Usage: deno task start [options]\n\nOptions:\n${lines.join("\n")}\n  --help`;
}

/** Options of one stream beyond the defaults, keyed by option name (`"steps-per-frame": 3`). */
export type StreamOptionValues = Record<string, unknown>;

/**
 * Builds the configuration: for each option a flag wins over its environment variable, which wins
 * over the config file, which wins over the default.
 */
export function loadConfig(
  args: string[],
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
  readFile: (path: string) => string = (p) => Deno.readTextFileSync(p),
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
  const fromCli = (o: OptionSpec) => (values[o.flag] as string | undefined) ?? env(o.env);
  const configPath = fromCli(BY_FLAG.get("config")!) ?? "";
  const file = configPath === "" ? {} : readConfigFile(configPath, readFile);

  const config = emptyConfig();
  let sourceGiven = false;
  for (const o of OPTIONS) {
    const cli = fromCli(o);
    const raw: unknown = cli ?? file[o.flag] ?? o.default;
    if (o.flag === "source") sourceGiven = cli !== undefined || file.source !== undefined;
    const where = cli !== undefined ? `--${o.flag} (${o.env})` : `"${o.flag}" in ${configPath}`;
    o.set(config, parseValue(o, raw, where));
  }
  validateServer(config);
  validateStream(config, "");
  config.streams = declaredStreams(file.streams, config, configPath);
  if (config.streams.length === 0 || sourceGiven) {
    if (config.streams.some((s) => s.id === "default")) {
      throw new ConfigError(`${configPath} declares a stream "default" and a source is also set`);
    }
    config.streams.unshift({ id: "default", settings: streamDefaults(config) });
  }
  return { ...config, help: values.help === true };
}

/** The per-stream part of a configuration (a deep copy). */
export function streamDefaults(c: StreamSettings): StreamSettings {
  const { source, fps, weather, realtime, stallTimeout, frameSize, backend } = c;
  return { source, fps, weather, realtime, stallTimeout, frameSize, backend, apm: { ...c.apm } };
}

/**
 * A stream's settings: `base` with `options` (option names as keys, `source` included) applied
 * and validated. Throws a ConfigError naming the option; server-wide options are refused.
 */
export function applyStreamOptions(
  base: StreamSettings,
  options: StreamOptionValues,
  where = "options",
): StreamSettings {
  const target = { ...emptyConfig(), ...streamDefaults(base) };
  for (const [key, raw] of Object.entries(options)) {
    const o = BY_FLAG.get(key);
    if (!o) {
      throw new ConfigError(
        `${where}: unknown option "${key}"; per-stream options are: ${streamOptionNames()}`,
      );
    }
    if (o.scope !== "stream") {
      throw new ConfigError(`${where}: "${key}" is a server-wide option, not a per-stream one`);
    }
    o.set(target, parseValue(o, raw, `${where}.${key}`));
  }
  validateStream(target, `${where}.`);
  return streamDefaults(target);
}

/** Names of the options a stream can set, for error messages and docs. */
export function streamOptionNames(): string {
  return OPTIONS.filter((o) => o.scope === "stream").map((o) => o.flag).join(", ");
}

/** A stream's settings as option names and values (what the API shows and accepts). */
export function streamSettingsAsOptions(
  s: StreamSettings,
): Record<string, string | number | boolean> {
  const probe = { ...emptyConfig(), ...streamDefaults(s) };
  const out: Record<string, string | number | boolean> = {};
  for (const o of OPTIONS) {
    if (o.scope === "stream") out[o.flag] = readStreamOption(probe, o.flag);
  }
  return out;
}

function readStreamOption(c: StreamSettings, flag: string): string | number | boolean {
  const a = c.apm;
  const table: Record<string, string | number | boolean> = {
    source: c.source,
    fps: c.fps,
    realtime: c.realtime,
    "stall-timeout": c.stallTimeout,
    "frame-size": c.frameSize,
    weather: c.weather,
    backend: c.backend,
    grid: a.grid,
    patch: a.patch,
    lattice: a.lattice,
    "color-weight": a.colorWeight,
    foreground: a.foreground,
    "max-background": a.maxBackground,
    "min-island": a.minIsland,
    hidden: a.hidden,
    depth: a.depth,
    "pos-dim": a.posDim,
    "steps-per-frame": a.stepsPerFrame,
    "locations-per-step": a.locationsPerStep,
    "learning-rate": a.learningRate,
    teacher: a.teacher,
    "teacher-layer": a.teacherLayer,
    "teacher-dim": a.teacherDim,
    "error-sampling": a.errorSampling,
    "column-lr-scale": a.columnLrScale,
    "teacher-every": a.teacherEvery,
    "anchor-decay": a.anchorDecay,
    "restore-probability": a.restoreProbability,
    "init-decay": a.initDecay,
    seed: a.seed,
  };
  if (!(flag in table)) throw new Error(`per-stream option --${flag} has no read-back`);
  return table[flag];
}

function emptyConfig(): ServerConfig {
  return {
    port: 0,
    host: "",
    config: "",
    mediaRoot: "",
    auth: "auto",
    adminTokens: [],
    viewerTokens: [],
    corsOrigins: [],
    maxStreams: 0,
    subscriberQueue: 0,
    encodingBudget: 0,
    slowSubscriberTimeout: 0,
    wsIdleTimeout: 0,
    stateDir: "",
    checkpointEvery: 60,
    streams: [],
    source: "",
    fps: 0,
    weather: "",
    realtime: true,
    stallTimeout: 10,
    frameSize: DEFAULT_FRAME_SIZE,
    backend: "auto",
    apm: { ...DEFAULT_APM_CONFIG },
  };
}

function parseValue(o: OptionSpec, raw: unknown, where: string): Value {
  if (o.kind === "list") {
    const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",") : null;
    if (!items || !items.every((x) => typeof x === "string")) {
      throw new ConfigError(`${where} must be a comma-separated string or a list of strings`);
    }
    return items.map((x) => x.trim()).filter((x) => x !== "");
  }
  if (o.kind === "boolean") {
    if (raw === true || raw === "true") return true;
    if (raw === false || raw === "false") return false;
    throw new ConfigError(`${where} must be true or false, got ${shown(o, raw)}`);
  }
  if (o.kind === "string") {
    if (typeof raw !== "string") throw new ConfigError(`${where} must be a string`);
    return raw;
  }
  const n = typeof raw === "number"
    ? raw
    : typeof raw === "string" && raw.trim() !== ""
    ? Number(raw)
    : NaN;
  if (!Number.isFinite(n) || (o.kind === "int" && !Number.isInteger(n))) {
    throw new ConfigError(
      `${where} must be ${o.kind === "int" ? "an integer" : "a number"}, got ${shown(o, raw)}`,
    );
  }
  return n;
}

function shown(o: OptionSpec, raw: unknown): string {
  return o.secret ? "(hidden)" : JSON.stringify(raw);
}

function validateServer(c: ServerConfig) {
  if (c.port < 0 || c.port > 65535) throw new ConfigError(`--port must be 0-65535, got ${c.port}`);
  if (!["auto", "on", "off"].includes(c.auth)) {
    throw new ConfigError(`--auth must be auto, on or off, got "${c.auth}"`);
  }
  for (
    const [flag, v, min] of [
      ["max-streams", c.maxStreams, 1],
      ["subscriber-queue", c.subscriberQueue, 1],
    ] as const
  ) {
    if (!(v >= min)) throw new ConfigError(`--${flag} must be at least ${min}, got ${v}`);
  }
  if (!(c.encodingBudget > 0 && c.encodingBudget <= 1)) {
    throw new ConfigError(`--encoding-budget must be in (0, 1], got ${c.encodingBudget}`);
  }
  for (
    const [flag, v] of [
      ["slow-subscriber-timeout", c.slowSubscriberTimeout],
      ["ws-idle-timeout", c.wsIdleTimeout],
      ["checkpoint-every", c.checkpointEvery],
    ] as const
  ) {
    if (!(v > 0)) throw new ConfigError(`--${flag} must be a positive number of seconds, got ${v}`);
  }
  for (const origin of c.corsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `--cors-origins: "${origin}" is not an origin; use scheme://host[:port] (no path) or *`,
      );
    }
  }
}

/** Checks a stream's settings; `prefix` is how the options are named in the message. */
function validateStream(c: StreamSettings, prefix: string) {
  const name = (flag: string) => prefix === "" ? `--${flag}` : `${prefix}${flag}`;
  if (c.source.trim() === "") throw new ConfigError(`${name("source")} must not be empty`);
  if (!(c.fps > 0 && c.fps <= 120)) {
    throw new ConfigError(`${name("fps")} must be in (0, 120], got ${c.fps}`);
  }
  if (!["auto", "webgpu", "wasm", "cpu"].includes(c.backend)) {
    throw new ConfigError(
      `${name("backend")} must be auto, webgpu, wasm or cpu, got "${c.backend}"`,
    );
  }
  if (!(c.stallTimeout > 0)) {
    throw new ConfigError(`${name("stall-timeout")} must be a positive number of seconds`);
  }
  try {
    checkFrameSize(c.frameSize, name("frame-size"));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  if (c.weather !== "") {
    try {
      parseWeatherSchedule(c.weather);
    } catch (err) {
      throw new ConfigError(`${name("weather")}: ${(err as Error).message}`);
    }
  }
  try {
    validateApmConfig(c.apm);
  } catch (err) {
    throw new ConfigError(`${prefix}${(err as Error).message}`);
  }
}

function readConfigFile(path: string, readFile: (p: string) => string): Record<string, unknown> {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object of option names`);
  }
  for (const key of Object.keys(parsed)) {
    if (key === "streams") continue;
    if (key === "config" || !BY_FLAG.has(key)) {
      throw new ConfigError(
        `config file ${path}: unknown key "${key}"; keys are option names (see --help) and "streams"`,
      );
    }
  }
  return parsed as Record<string, unknown>;
}

function declaredStreams(raw: unknown, defaults: ServerConfig, path: string): StreamDeclaration[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ConfigError(`config file ${path}: "streams" must be a list`);
  const seen = new Set<string>();
  return raw.map((entry, i) => {
    const where = `config file ${path}: streams[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new ConfigError(`${where} must be an object {id, source, options}`);
    }
    const { id, source, options = {}, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) {
      throw new ConfigError(
        `${where}: unknown key "${extra[0]}"; a stream has id, source, options`,
      );
    }
    if (typeof id !== "string" || !STREAM_ID_PATTERN.test(id)) {
      throw new ConfigError(`${where}: "id" must be 1-64 letters, digits, "_" or "-"`);
    }
    if (seen.has(id)) throw new ConfigError(`${where}: stream id "${id}" is declared twice`);
    seen.add(id);
    if (typeof options !== "object" || options === null || Array.isArray(options)) {
      throw new ConfigError(`${where}: "options" must be an object of option names`);
    }
    const settings = applyStreamOptions(defaults, { ...options, source }, `${where}`);
    return { id, settings };
  });
}
