/**
 * Semi-real camera sequences with exact ground truth, for the island-quality benchmark: real
 * photographs (Debian's scikit-image samples) as static scenes, pedestrians and cars cut out of
 * other photographs walking and driving across them, a camera model (lens blur, exposure drift,
 * shake, sensor noise) and real H.264 compression at surveillance bitrates.
 *
 *   deno run -A bench/quality/semireal.ts --out out/semireal [--frames 300] [--only park,lawn]
 *
 * Each sequence lands in `<out>/<name>/`: `video.mp4` (what a camera would send), `truth.u8`
 * (per-frame instance labels at the video's resolution, see {@linkcode SemirealTruth}) and
 * `meta.json` ({@linkcode SemirealMeta}); `<out>/contact.png` shows a few frames of each.
 * The frames are drawn by `semireal_scene.py` (numpy + OpenCV: `python3-skimage`,
 * `python3-opencv`), which this module drives and pipes into ffmpeg (libx264).
 *
 * Six scored sequences ({@linkcode SEMIREAL_SCORED}) and one tuning sequence
 * ({@linkcode SEMIREAL_TUNING}) whose background no scored sequence uses: peers are tuned on it.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";

const PYTHON = "/usr/bin/python3";
const RENDERER = new URL("./semireal_scene.py", import.meta.url).pathname;
const INSTALL_HINT =
  "needs /usr/bin/python3 with python3-skimage and python3-opencv, and ffmpeg (libx264)";

/** Frame rate of every sequence. */
export const SEMIREAL_FPS = 10;
/** Default length: 30 s, so that the second half (150 frames) is steady state. */
export const SEMIREAL_FRAMES = 300;

/** The scenes `semireal_scene.py` can draw. */
export type SemirealScene =
  | "park"
  | "plaza"
  | "street"
  | "launchpad"
  | "lawn"
  | "yard"
  | "depot";

/** What is drawn in a sequence and how the camera sees it. */
export interface SemirealSpec {
  /** Directory name, also the sequence's name in reports. */
  name: string;
  /** "scored": part of the benchmark; "tuning": only for tuning peers. */
  role: "scored" | "tuning";
  scene: SemirealScene;
  width: number;
  height: number;
  /** Seed of everything random: the same spec gives the same raw frames, byte for byte. */
  seed: number;
  /** Walkers over the whole sequence (they enter and leave; the first `stops` stop a while). */
  pedestrians: number;
  /** Cars crossing (only in scenes with a road or a yard; ignored elsewhere). */
  cars: number;
  /** Walkers who stop for 3-6 s in the second half, then walk on. */
  stops: number;
  /** Camera shake, pixels (0: a fixed camera). */
  jitterPx: number;
  /** Sensor noise, standard deviation in 8-bit levels (luminance; chroma gets half). */
  noiseSigma: number;
  /** Exposure drift: the gain's amplitude, as a fraction (0.03: +-3 %). */
  drift: number;
  /** Colour saturation of the camera, 0 (grey) to 1. */
  saturation: number;
  /** libx264 target bitrate, kbit/s (VBV-capped at the same rate, a 2 s buffer). */
  bitrateKbps: number;
  /** Lens blur, Gaussian sigma in pixels. Default 0.6. */
  blurSigma?: number;
  /** Soft shadows under the objects (never part of the truth). Default true. */
  shadows?: boolean;
}

/** The scored sequences: three geometries, six backgrounds, five with a walker who stops. */
export const SEMIREAL_SCORED: readonly SemirealSpec[] = [
  {
    name: "park-384x288",
    role: "scored",
    scene: "park",
    width: 384,
    height: 288,
    seed: 11,
    // The cameraman hides a third of the field: the most walkers, so that someone is in view.
    pedestrians: 6,
    cars: 0,
    stops: 1,
    jitterPx: 0,
    noiseSigma: 3,
    drift: 0.03,
    // The photo is grey: a camera with little colour (a cheap sensor, or dusk).
    saturation: 0.25,
    bitrateKbps: 300,
  },
  {
    name: "plaza-640x480",
    role: "scored",
    scene: "plaza",
    width: 640,
    height: 480,
    seed: 12,
    pedestrians: 6,
    cars: 0,
    stops: 1,
    jitterPx: 0,
    noiseSigma: 2.5,
    drift: 0.04,
    saturation: 0.9,
    bitrateKbps: 600,
  },
  {
    name: "street-640x360",
    role: "scored",
    scene: "street",
    width: 640,
    height: 360,
    seed: 13,
    pedestrians: 4,
    cars: 2,
    stops: 0,
    jitterPx: 0.8,
    noiseSigma: 3,
    drift: 0.03,
    saturation: 0.85,
    bitrateKbps: 450,
  },
  {
    name: "launchpad-640x360",
    role: "scored",
    scene: "launchpad",
    width: 640,
    height: 360,
    seed: 14,
    pedestrians: 3,
    cars: 2,
    stops: 1,
    jitterPx: 0,
    // Dusk: a dark scene, so the gain and the noise are up.
    noiseSigma: 4,
    drift: 0.05,
    saturation: 0.8,
    bitrateKbps: 400,
  },
  {
    name: "lawn-384x288",
    role: "scored",
    scene: "lawn",
    width: 384,
    height: 288,
    seed: 15,
    pedestrians: 4,
    cars: 0,
    stops: 1,
    jitterPx: 1,
    noiseSigma: 3,
    drift: 0.03,
    saturation: 0.9,
    bitrateKbps: 300,
  },
  {
    name: "yard-640x480",
    role: "scored",
    scene: "yard",
    width: 640,
    height: 480,
    seed: 16,
    pedestrians: 3,
    cars: 1,
    stops: 1,
    jitterPx: 0,
    noiseSigma: 2,
    drift: 0.04,
    saturation: 0.9,
    bitrateKbps: 600,
  },
];

/** The tuning sequence: its own photograph (a garage's floor and wall), slight shake. */
export const SEMIREAL_TUNING: SemirealSpec = {
  name: "tuning-depot-384x288",
  role: "tuning",
  scene: "depot",
  width: 384,
  height: 288,
  seed: 17,
  pedestrians: 4,
  cars: 1,
  stops: 1,
  jitterPx: 0.4,
  noiseSigma: 3,
  drift: 0.04,
  saturation: 0.85,
  bitrateKbps: 300,
};

/** Every sequence, the tuning one last. */
export const SEMIREAL_ALL: readonly SemirealSpec[] = [...SEMIREAL_SCORED, SEMIREAL_TUNING];

/** One object of a sequence, as `meta.json` lists it. */
export interface SemirealObject {
  /** Its truth label, the same in every frame. */
  id: number;
  kind: "person" | "car";
  /** First and last frame where at least one of its pixels shows (null: never). */
  firstFrame: number | null;
  lastFrame: number | null;
  framesVisible: number;
  /** Mean visible area over the frames it shows in, pixels. */
  meanAreaPx: number;
  /** Frame ranges `[from, to)` where it stands still (a pedestrian who stops). */
  stops: [number, number][];
}

/** `meta.json` of a sequence. */
export interface SemirealMeta {
  name: string;
  role: "scored" | "tuning";
  width: number;
  height: number;
  fps: number;
  frames: number;
  /** First frame of the steady state (the benchmark scores from here): half the frames. */
  steadyFrom: number;
  objects: SemirealObject[];
  /** The scene and the photographs it is made of (paths under /usr/lib/python3/dist-packages). */
  background: { scene: SemirealScene; sources: string[] };
  seed: number;
  /** The spec it was made from. */
  spec: SemirealSpec;
  /** Ground truth: `frames * width * height` bytes, frame after frame, rows top to bottom. */
  truth: { file: string; dtype: "uint8" };
  video: { file: string; codec: "h264"; bitrateKbps: number; gop: number; encoder: string[] };
  /** SHA-256 of the raw rgb24 frames before encoding: equal for equal specs. */
  rawSha256: string;
  /** Perspective of the scene: the horizon's row and the camera's height in metres. */
  geometry: { horizonRow: number; cameraHeightM: number };
  /** Wall-clock time to render and encode, ms. */
  generatedMs: number;
}

/** The files of a sequence directory. */
export function semirealPaths(dir: string): { video: string; truth: string; meta: string } {
  return { video: `${dir}/video.mp4`, truth: `${dir}/truth.u8`, meta: `${dir}/meta.json` };
}

/** Reads `<dir>/meta.json`. */
export async function readSemirealMeta(dir: string): Promise<SemirealMeta> {
  return JSON.parse(await Deno.readTextFile(semirealPaths(dir).meta));
}

/** A generated sequence: its directory and its meta. */
export interface SemirealSequence {
  dir: string;
  meta: SemirealMeta;
}

/**
 * The sequences under `outDir` (those with a `meta.json`: complete ones), scored ones first in
 * catalogue order, then the tuning one; directories of other names follow, sorted.
 */
export async function listSemireal(outDir: string): Promise<SemirealSequence[]> {
  const found: SemirealSequence[] = [];
  for await (const entry of Deno.readDir(outDir)) {
    if (!entry.isDirectory) continue;
    const dir = `${outDir}/${entry.name}`;
    try {
      found.push({ dir, meta: await readSemirealMeta(dir) });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const rank = (name: string) => {
    const i = SEMIREAL_ALL.findIndex((s) => s.name === name);
    return i < 0 ? SEMIREAL_ALL.length : i;
  };
  return found.sort((a, b) =>
    rank(a.meta.name) - rank(b.meta.name) || a.meta.name.localeCompare(b.meta.name)
  );
}

/**
 * Random access to a sequence's ground truth: frame `i` is `width * height` labels, 0 for
 * background and k for object k (`meta.objects`), the same k for the same object throughout.
 */
export class SemirealTruth implements Disposable {
  readonly meta: SemirealMeta;
  #file: Deno.FsFile;

  private constructor(meta: SemirealMeta, file: Deno.FsFile) {
    this.meta = meta;
    this.#file = file;
  }

  /** Opens `<dir>/truth.u8` with its meta. */
  static async open(dir: string): Promise<SemirealTruth> {
    const meta = await readSemirealMeta(dir);
    const file = await Deno.open(`${dir}/${meta.truth.file}`, { read: true });
    const { size } = await file.stat();
    const want = meta.frames * meta.width * meta.height;
    if (size !== want) {
      file.close();
      throw new Error(`SemirealTruth: ${dir} has ${size} truth bytes, expected ${want}`);
    }
    return new SemirealTruth(meta, file);
  }

  /** Frame `index`'s labels (a fresh array). */
  async frame(index: number): Promise<Uint8Array> {
    const { frames, width, height } = this.meta;
    if (!Number.isInteger(index) || index < 0 || index >= frames) {
      throw new RangeError(`SemirealTruth: frame ${index} of ${frames}`);
    }
    const out = new Uint8Array(width * height);
    await this.#file.seek(index * out.length, Deno.SeekMode.Start);
    let got = 0;
    while (got < out.length) {
      const n = await this.#file.read(out.subarray(got));
      if (n === null) throw new Error(`SemirealTruth: truth file ends in frame ${index}`);
      got += n;
    }
    return out;
  }

  /** Closes the file. Safe to call twice. */
  close(): void {
    try {
      this.#file.close();
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource)) throw e;
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Frame `index`'s truth labels of the sequence in `dir` (opens and closes the file). */
export async function readTruthFrame(dir: string, index: number): Promise<Uint8Array> {
  using truth = await SemirealTruth.open(dir);
  return await truth.frame(index);
}

/**
 * The frames of a video as rgb24 (`width * height * 3` bytes each), in order, every one,
 * decoded by ffmpeg (the compression artefacts are what a camera's client sees).
 */
export async function* decodeVideo(
  path: string,
  width: number,
  height: number,
): AsyncGenerator<Uint8Array> {
  const child = new Deno.Command("ffmpeg", {
    args: ["-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-vsync", "0", "-"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const cut = new FrameCutter(width * height * 3);
  let finished = false;
  try {
    for await (const chunk of child.stdout) yield* cut.push(chunk);
    finished = true;
  } finally {
    if (!finished) await stop(child, stderr);
  }
  const status = await child.status;
  if (!status.success || cut.pending !== 0) {
    throw new Error(
      `decodeVideo ${path}: ffmpeg ${status.code}, ${cut.pending} stray bytes: ${await stderr}`,
    );
  }
}

/** Cuts a byte stream into frames of `size` bytes (fresh arrays). */
class FrameCutter {
  #frame: Uint8Array;
  #fill = 0;
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    this.#frame = new Uint8Array(size);
  }

  /** Bytes of an incomplete frame held back. */
  get pending(): number {
    return this.#fill;
  }

  /** The frames that `chunk` completes. */
  *push(chunk: Uint8Array): Generator<Uint8Array> {
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(this.size - this.#fill, chunk.length - at);
      this.#frame.set(chunk.subarray(at, at + take), this.#fill);
      this.#fill += take;
      at += take;
      if (this.#fill === this.size) {
        yield this.#frame;
        this.#frame = new Uint8Array(this.size);
        this.#fill = 0;
      }
    }
  }
}

/** Kills a child we stop reading early (a consumer that breaks out of its loop) and reaps it. */
async function stop(child: Deno.ChildProcess, stderr: Promise<string>): Promise<void> {
  try {
    child.kill();
  } catch { /* already exited */ }
  await child.status;
  await stderr;
}

/** One frame of a sequence: the decoded video frame and its truth. */
export interface SemirealFrame {
  index: number;
  /** `width * height * 3` bytes, rgb24, as decoded from `video.mp4`. */
  rgb: Uint8Array;
  /** `width * height` labels, see {@linkcode SemirealTruth}. */
  truth: Uint8Array;
}

/** Every frame of the sequence in `dir`, decoded, with its truth, in order. */
export async function* readSemirealFrames(dir: string): AsyncGenerator<SemirealFrame> {
  using truth = await SemirealTruth.open(dir);
  const { width, height, frames } = truth.meta;
  let index = 0;
  for await (const rgb of decodeVideo(semirealPaths(dir).video, width, height)) {
    if (index >= frames) throw new Error(`readSemirealFrames: ${dir} has more than ${frames}`);
    yield { index, rgb, truth: await truth.frame(index) };
    index++;
  }
  if (index !== frames) throw new Error(`readSemirealFrames: ${dir}: ${index} of ${frames}`);
}

/** Options of {@linkcode renderSemireal}. */
export interface RenderOptions {
  /** Frames to draw. Default {@linkcode SEMIREAL_FRAMES}. */
  frames?: number;
  /** Where to write the truth (`frames * width * height` bytes). */
  truthPath: string;
  /** Where to write the renderer's description of the scene (JSON). */
  scenePath: string;
}

/**
 * The raw frames of `spec` as the renderer draws them (rgb24, before compression), in order;
 * the truth and the scene description are written as the frames are drawn. The low-level half
 * of {@linkcode generateSequence}; tests use it to see the frames before compression.
 *
 * @throws {Error} when the renderer fails (with its message, and what to install).
 */
export async function* renderSemireal(
  spec: SemirealSpec,
  options: RenderOptions,
): AsyncGenerator<Uint8Array> {
  const frames = options.frames ?? SEMIREAL_FRAMES;
  const args = {
    width: spec.width,
    height: spec.height,
    frames,
    seed: spec.seed,
    scene: spec.scene,
    pedestrians: spec.pedestrians,
    cars: spec.cars,
    stops: spec.stops,
    jitter_px: spec.jitterPx,
    noise_sigma: spec.noiseSigma,
    drift: spec.drift,
    saturation: spec.saturation,
    blur_sigma: spec.blurSigma ?? 0.6,
    shadows: spec.shadows ?? true,
    truth_path: options.truthPath,
    scene_path: options.scenePath,
  };
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(PYTHON, {
      args: [RENDERER, JSON.stringify(args)],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new Error(`renderSemireal: cannot run ${PYTHON} (${e}); ${INSTALL_HINT}`);
  }
  const stderr = new Response(child.stderr).text();
  const cut = new FrameCutter(spec.width * spec.height * 3);
  let count = 0, finished = false;
  try {
    for await (const chunk of child.stdout) {
      for (const frame of cut.push(chunk)) {
        count++;
        yield frame;
      }
    }
    finished = true;
  } finally {
    if (!finished) await stop(child, stderr);
  }
  const status = await child.status;
  if (!status.success || count !== frames || cut.pending !== 0) {
    // libpng warns about the sample images' colour profiles: noise, not the cause.
    const err = (await stderr).replace(/libpng warning:[^\n]*\n/g, "").trim();
    throw new Error(
      `renderSemireal ${spec.name}: renderer exited ${status.code} after ${count} of ` +
        `${frames} frames: ${err.slice(-1500)}; ${INSTALL_HINT}`,
    );
  }
}

/** Options of {@linkcode generateSequence} and {@linkcode generateSemireal}. */
export interface GenerateOptions {
  /** Frames per sequence. Default {@linkcode SEMIREAL_FRAMES}. */
  frames?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** libx264 as a surveillance camera runs it: 2 s GOP, no B-frames, capped bitrate. */
function encoderArgs(spec: SemirealSpec): string[] {
  const k = spec.bitrateKbps;
  return [
    "-c:v",
    "libx264",
    "-preset",
    "medium",
    "-profile:v",
    "main",
    "-pix_fmt",
    "yuv420p",
    "-b:v",
    `${k}k`,
    "-maxrate",
    `${k}k`,
    "-bufsize",
    `${2 * k}k`,
    "-g",
    `${2 * SEMIREAL_FPS}`,
    "-bf",
    "0",
    // One thread: the encoder's output is then deterministic too.
    "-threads",
    "1",
  ];
}

/**
 * Renders `spec` and encodes it into `<outDir>/<spec.name>/` (video, truth, meta). The meta
 * is written last, so a directory with a `meta.json` is complete.
 *
 * @throws {Error} when rendering or encoding fails, or the video has the wrong frame count.
 */
export async function generateSequence(
  spec: SemirealSpec,
  outDir: string,
  options: GenerateOptions = {},
): Promise<SemirealMeta> {
  const frames = options.frames ?? SEMIREAL_FRAMES;
  if (!(Number.isInteger(frames) && frames > 0)) throw new RangeError(`frames ${frames}`);
  const t0 = performance.now();
  const dir = `${outDir}/${spec.name}`;
  await Deno.mkdir(dir, { recursive: true });
  const paths = semirealPaths(dir);
  await Deno.remove(paths.meta).catch(() => {});
  const scenePath = `${dir}/scene.tmp.json`;
  const encoder = encoderArgs(spec);
  const ffmpeg = new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24"],
      ...["-s", `${spec.width}x${spec.height}`, "-r", `${SEMIREAL_FPS}`, "-i", "-"],
      ...encoder,
      ...["-movflags", "+faststart", paths.video],
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const ffmpegErr = new Response(ffmpeg.stderr).text();
  const writer = ffmpeg.stdin.getWriter();
  const hash = createHash("sha256");
  try {
    for await (const frame of renderSemireal(spec, { frames, truthPath: paths.truth, scenePath })) {
      hash.update(frame);
      await writer.write(frame);
    }
    await writer.close();
  } catch (e) {
    await writer.abort().catch(() => {});
    await stop(ffmpeg, ffmpegErr);
    throw e;
  }
  const status = await ffmpeg.status;
  if (!status.success) {
    throw new Error(`generateSequence ${spec.name}: ffmpeg ${status.code}: ${await ffmpegErr}`);
  }
  const encoded = await countPackets(paths.video);
  if (encoded !== frames) {
    throw new Error(`generateSequence ${spec.name}: video has ${encoded} frames, not ${frames}`);
  }
  const scene = JSON.parse(await Deno.readTextFile(scenePath));
  await Deno.remove(scenePath);
  const meta: SemirealMeta = {
    name: spec.name,
    role: spec.role,
    width: spec.width,
    height: spec.height,
    fps: SEMIREAL_FPS,
    frames,
    steadyFrom: Math.floor(frames / 2),
    objects: scene.objects,
    background: { scene: spec.scene, sources: scene.sources },
    seed: spec.seed,
    spec,
    truth: { file: "truth.u8", dtype: "uint8" },
    video: {
      file: "video.mp4",
      codec: "h264",
      bitrateKbps: spec.bitrateKbps,
      gop: 2 * SEMIREAL_FPS,
      encoder,
    },
    rawSha256: hash.digest("hex"),
    geometry: { horizonRow: scene.horizonRow, cameraHeightM: scene.cameraHeightM },
    generatedMs: Math.round(performance.now() - t0),
  };
  await Deno.writeTextFile(`${paths.meta}.tmp`, JSON.stringify(meta, null, 1));
  await Deno.rename(`${paths.meta}.tmp`, paths.meta);
  options.log?.(
    `${spec.name}: ${frames} frames, ${meta.objects.length} objects, ` +
      `${(meta.generatedMs / 1000).toFixed(1)} s`,
  );
  return meta;
}

/** Video packets (one per frame for H.264 without B-frames in MP4), without decoding. */
async function countPackets(path: string): Promise<number> {
  const out = await new Deno.Command("ffprobe", {
    args: [
      ...["-v", "error", "-select_streams", "v:0", "-count_packets"],
      ...["-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`ffprobe ${path}: ${new TextDecoder().decode(out.stderr)}`);
  return parseInt(new TextDecoder().decode(out.stdout).trim(), 10);
}

/**
 * Generates `specs` (default: all, {@linkcode SEMIREAL_ALL}) into `outDir`, one after the
 * other (each already keeps two processes busy: the renderer and the encoder).
 */
export async function generateSemireal(
  outDir: string,
  options: GenerateOptions & { specs?: readonly SemirealSpec[] } = {},
): Promise<SemirealMeta[]> {
  const metas: SemirealMeta[] = [];
  for (const spec of options.specs ?? SEMIREAL_ALL) {
    metas.push(await generateSequence(spec, outDir, options));
  }
  return metas;
}

/** Distinct, saturated colours for object ids in the contact sheet (index = id mod 8). */
const OVERLAY = [
  [255, 64, 64],
  [64, 200, 255],
  [255, 220, 0],
  [80, 255, 80],
  [255, 64, 255],
  [255, 140, 0],
  [0, 255, 200],
  [160, 120, 255],
];

/**
 * A contact sheet: one row a sequence, four tiles 320 pixels wide: the decoded video at 25 %,
 * 50 % and 75 % of its length, and the middle frame again with its truth overlaid (each
 * object tinted, by id). Written as a PNG by ffmpeg.
 */
export async function writeContactSheet(
  sequences: readonly SemirealSequence[],
  path: string,
): Promise<void> {
  const TILE = 320, GAP = 4, COLS = 4;
  const rows: { rgb: Uint8Array[]; h: number }[] = [];
  for (const { dir, meta } of sequences) {
    const h = Math.round((meta.height * TILE) / meta.width / 2) * 2;
    const picks = [0.25, 0.5, 0.75].map((p) => Math.floor(p * (meta.frames - 1)));
    const tiles: Uint8Array[] = [];
    const wanted = new Set(picks);
    let i = 0;
    for await (const rgb of decodeVideo(semirealPaths(dir).video, meta.width, meta.height)) {
      if (wanted.has(i)) tiles.push(resizeNearest(rgb, meta.width, meta.height, TILE, h, 3));
      i++;
    }
    const mid = await readTruthFrame(dir, picks[1]);
    const labels = resizeNearest(mid, meta.width, meta.height, TILE, h, 1);
    const over = tiles[1].slice();
    for (let p = 0; p < labels.length; p++) {
      if (labels[p] === 0) continue;
      const c = OVERLAY[labels[p] % OVERLAY.length];
      for (let k = 0; k < 3; k++) over[p * 3 + k] = (over[p * 3 + k] * 0.35 + c[k] * 0.65) | 0;
    }
    tiles.push(over);
    rows.push({ rgb: tiles, h });
  }
  const width = COLS * TILE + (COLS - 1) * GAP;
  const height = rows.reduce((a, r) => a + r.h, 0) + Math.max(0, rows.length - 1) * GAP;
  const sheet = new Uint8Array(width * height * 3).fill(24);
  let y0 = 0;
  for (const row of rows) {
    row.rgb.forEach((tile, c) => {
      const x0 = c * (TILE + GAP);
      for (let y = 0; y < row.h; y++) {
        sheet.set(tile.subarray(y * TILE * 3, (y + 1) * TILE * 3), ((y0 + y) * width + x0) * 3);
      }
    });
    y0 += row.h + GAP;
  }
  const child = new Deno.Command("ffmpeg", {
    args: [
      ...["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24"],
      ...["-s", `${width}x${height}`, "-i", "-", "-frames:v", "1", path],
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(sheet);
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`writeContactSheet: ${new TextDecoder().decode(out.stderr)}`);
}

/** Nearest-neighbour resize of an interleaved image with `channels` bytes a pixel. */
function resizeNearest(
  src: Uint8Array,
  w: number,
  h: number,
  tw: number,
  th: number,
  channels: number,
): Uint8Array {
  const out = new Uint8Array(tw * th * channels);
  for (let y = 0; y < th; y++) {
    const sy = Math.min(h - 1, Math.floor(((y + 0.5) * h) / th));
    for (let x = 0; x < tw; x++) {
      const sx = Math.min(w - 1, Math.floor(((x + 0.5) * w) / tw));
      for (let k = 0; k < channels; k++) {
        out[(y * tw + x) * channels + k] = src[(sy * w + sx) * channels + k];
      }
    }
  }
  return out;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: "out/semireal" },
      frames: { type: "string", default: `${SEMIREAL_FRAMES}` },
      only: { type: "string", default: "" },
    },
  });
  const only = values.only ? values.only.split(",") : [];
  const specs = only.length
    ? SEMIREAL_ALL.filter((s) => only.some((o) => s.name === o || s.scene === o))
    : SEMIREAL_ALL;
  if (specs.length === 0) {
    console.error(`no sequence matches --only ${values.only}`);
    Deno.exit(2);
  }
  const t0 = performance.now();
  await generateSemireal(values.out!, {
    frames: +values.frames!,
    specs,
    log: (line) => console.error(line),
  });
  const sheet = `${values.out}/contact.png`;
  await writeContactSheet(await listSemireal(values.out!), sheet);
  console.error(
    `wrote ${specs.length} sequences and ${sheet} in ${
      ((performance.now() - t0) / 1000).toFixed(0)
    } s`,
  );
}
