/**
 * Classic segmenters to compare our islands with: SLIC and Felzenszwalb from scikit-image (one
 * image at a time), and OpenCV's MOG2 background subtraction (stateful: it learns the scene
 * over a video, one session a video), run in a long-lived Python worker (`peers.py`, protocol
 * documented there), plus the parameter grids and grid searches that tune each peer on frames
 * with ground truth.
 *
 * Needs Debian's `/usr/bin/python3` with `python3-skimage` (scikit-image 0.19), and
 * `python3-opencv` for MOG2.
 *
 * @module
 */

import { adjustedRandIndex, matchObjects } from "./metrics.ts";

/** The per-image peer segmenters the worker knows. */
export type PeerMethod = "slic" | "felzenszwalb";
/** The per-video (stateful) peer segmenters the worker knows. */
export type SequencePeerMethod = "mog2";

const PYTHON = "/usr/bin/python3";
const WORKER = new URL("./peers.py", import.meta.url).pathname;
const INSTALL_HINT =
  "install python3-skimage (and python3-opencv for MOG2): apt-get install python3-skimage python3-opencv";

/** Handle on one running worker. Requests are answered one at a time, in call order. */
export class PeerSegmenters {
  #child: Deno.ChildProcess;
  #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdout: FramedReader;
  #stderr: Promise<string>;
  #queue: Promise<unknown> = Promise.resolve();
  #dead: Error | null = null;
  #closed = false;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#stdout = new FramedReader(child.stdout.getReader());
    // Drained continuously (a full pipe would block the worker); the tail goes into errors.
    this.#stderr = new Response(child.stderr).text().catch(() => "");
  }

  /**
   * Spawn the worker and wait until it has imported scikit-image.
   *
   * @throws {Error} naming the fix when python3 or scikit-image is missing.
   */
  static async start(): Promise<PeerSegmenters> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(PYTHON, {
        args: ["-u", WORKER],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      throw new Error(`PeerSegmenters: cannot run ${PYTHON} (${e}); ${INSTALL_HINT}`);
    }
    const peers = new PeerSegmenters(child);
    let hello: Record<string, unknown> | null = null;
    try {
      hello = await peers.#stdout.readJsonLine();
    } catch { /* reported below with stderr */ }
    if (hello?.ready !== true) {
      const why = hello?.error ?? "worker exited before it was ready";
      await peers.close();
      const tail = (await peers.#stderr).slice(-500).trim();
      throw new Error(`PeerSegmenters: ${why}${tail ? ` (${tail})` : ""}; ${INSTALL_HINT}`);
    }
    return peers;
  }

  /**
   * Segment one `width x height` rgb24 image. Returns `width * height` labels `0..K-1`.
   *
   * @throws {Error} with the worker's message when the request fails (bad method or params);
   *   the worker keeps serving the next request.
   */
  segment(
    method: PeerMethod,
    rgb: Uint8Array,
    width: number,
    height: number,
    params: Record<string, number>,
  ): Promise<Int32Array> {
    return this.#enqueue({ method, width, height, params }, rgb);
  }

  /**
   * Feed the next frame of a video to a stateful segmenter (MOG2). `session` names the video:
   * its first frame creates a fresh background model (as does `reset`), later frames update
   * it, in call order. Returns `width * height` labels: 0 for background (shadows included),
   * `1..K` for the foreground components of at least `min_area` pixels.
   *
   * Params (see `peers.py`): history, var_threshold, shadows (fixed by a session's first
   * frame), learning_rate, blur, open, close, min_area.
   *
   * @throws {Error} with the worker's message when the request fails (no OpenCV, params that
   *   differ from the session's, a frame of another size); the worker keeps serving.
   */
  segmentSequence(
    method: SequencePeerMethod,
    session: string,
    rgb: Uint8Array,
    width: number,
    height: number,
    params: Record<string, number>,
    options: { reset?: boolean } = {},
  ): Promise<Int32Array> {
    if (!session) return Promise.reject(new RangeError("segmentSequence: empty session name"));
    return this.#enqueue(
      { method, session, reset: options.reset ?? false, width, height, params },
      rgb,
    );
  }

  /**
   * Forget a session's background model (a later frame of that name starts afresh). Resolves
   * to whether there was one. Finished videos should be ended: the worker keeps at most 16.
   */
  endSession(session: string): Promise<boolean> {
    const run = this.#queue.then(async () => {
      const answer = await this.#exchange({ method: "end_session", session }, null);
      return answer.ended === true;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  #enqueue(header: RequestHeader, rgb: Uint8Array): Promise<Int32Array> {
    const { width, height } = header;
    if (rgb.length !== width * height * 3 || !(width > 0) || !(height > 0)) {
      return Promise.reject(
        new RangeError(`segment: ${rgb.length} bytes for a ${width}x${height} rgb24 image`),
      );
    }
    const run = this.#queue.then(() => this.#request(header, rgb));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #request(header: RequestHeader, rgb: Uint8Array): Promise<Int32Array> {
    const { width, height } = header;
    await this.#exchange(header, rgb);
    let bytes: Uint8Array | null = null, why: unknown = "worker exited mid-answer";
    try {
      bytes = await this.#stdout.readExact(width * height * 4);
    } catch (e) {
      why = e;
    }
    if (bytes === null) {
      // A truncated answer leaves the stream out of step: stop serving.
      this.#dead = new Error(`PeerSegmenters: worker failed (${why})`);
      throw this.#dead;
    }
    // Little-endian int32 on the wire; every platform Deno runs on is little-endian.
    return new Int32Array(bytes.buffer, bytes.byteOffset, width * height);
  }

  /** Send a header (and a payload) and read the answer's header; throws the worker's error. */
  async #exchange(
    header: RequestHeader | { method: string; session: string },
    payload: Uint8Array | null,
  ): Promise<Record<string, unknown>> {
    if (this.#closed) throw new Error("PeerSegmenters: closed");
    if (this.#dead) throw this.#dead;
    let answer: Record<string, unknown> | null;
    try {
      await this.#stdin.write(new TextEncoder().encode(JSON.stringify(header) + "\n"));
      if (payload) await this.#stdin.write(payload);
      answer = await this.#stdout.readJsonLine();
      if (answer === null) throw new Error("worker exited");
    } catch (e) {
      // A broken pipe or a lost answer leaves the stream out of step: stop serving.
      this.#dead = new Error(`PeerSegmenters: worker failed (${e})`);
      throw this.#dead;
    }
    if (answer.ok !== true) {
      const error = new Error(`PeerSegmenters ${header.method}: ${answer.error}`);
      if (answer.fatal) this.#dead = error;
      throw error;
    }
    return answer;
  }

  /** End the worker (EOF on its stdin) and wait for it to exit. Safe to call twice. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      await this.#queue;
      await this.#stdin.close().catch(() => {});
      await this.#stdout.cancel();
    }
    await this.#child.status;
    await this.#stderr;
  }
}

/** The header of a request with an image. */
interface RequestHeader {
  method: string;
  width: number;
  height: number;
  params: Record<string, number>;
  session?: string;
  reset?: boolean;
}

/** Reads newline-terminated JSON headers and fixed-size payloads from one byte stream. */
class FramedReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #done = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader;
  }

  /** Next line parsed as JSON, or null at the end of the stream. */
  async readJsonLine(): Promise<Record<string, unknown> | null> {
    for (;;) {
      const nl = this.#buf.indexOf(10);
      if (nl >= 0) {
        const line = new TextDecoder().decode(this.#buf.subarray(0, nl));
        this.#buf = this.#buf.slice(nl + 1);
        return JSON.parse(line);
      }
      if (!(await this.#fill())) return null;
    }
  }

  /** Exactly `n` bytes (a fresh, aligned copy), or null if the stream ends first. */
  async readExact(n: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    let got = 0;
    for (;;) {
      const take = Math.min(n - got, this.#buf.length);
      out.set(this.#buf.subarray(0, take), got);
      this.#buf = this.#buf.subarray(take);
      got += take;
      if (got === n) return out;
      if (!(await this.#fill())) return null;
    }
  }

  async cancel(): Promise<void> {
    if (!this.#done) await this.#reader.cancel().catch(() => {});
    this.#done = true;
  }

  async #fill(): Promise<boolean> {
    if (this.#done) return false;
    const { value, done } = await this.#reader.read();
    if (done) {
      this.#done = true;
      return false;
    }
    if (this.#buf.length === 0) this.#buf = value;
    else {
      const merged = new Uint8Array(this.#buf.length + value.length);
      merged.set(this.#buf);
      merged.set(value, this.#buf.length);
      this.#buf = merged;
    }
    return true;
  }
}

/**
 * Parameter grids to tune each peer on clear frames (every combination is tried). SLIC:
 * 30 combinations; Felzenszwalb: 84. `scale` is Felzenszwalb's merge threshold k (larger:
 * bigger segments); `min_size` is in pixels, so these suit frames around 224x224.
 *
 * On the synthetic tuning set (224x224, seed 100) the best values lay on the edge of the
 * first grids (SLIC compactness 1, Felzenszwalb scale 1600), so each grid was extended one
 * step past it (compactness 0.3, scale 3200), where the optima now lie; one step further
 * still (compactness 0.1, scale 6400) scored lower, so the grids stop there.
 */
export const PEER_GRIDS: Record<PeerMethod, Record<string, number[]>> = {
  slic: { n_segments: [8, 16, 32, 64, 128], compactness: [0.3, 1, 5, 10, 20, 40] },
  felzenszwalb: {
    scale: [50, 100, 200, 400, 800, 1600, 3200],
    sigma: [0.5, 0.8, 1.5],
    min_size: [20, 50, 100, 200],
  },
};

/** A frame with ground truth for {@linkcode tunePeer}. */
export interface TuningFrame {
  /** `width * height * 3` bytes, rgb24. */
  rgb: Uint8Array;
  width: number;
  height: number;
  /** `width * height` truth labels. */
  truth: ArrayLike<number>;
}

/** Result of {@linkcode tunePeer}. */
export interface TuneResult {
  /** The best parameters. */
  params: Record<string, number>;
  /** Their mean score over the frames. */
  score: number;
  /** Every combination tried, with its mean score, in grid order. */
  results: { params: Record<string, number>; score: number }[];
}

/** Every combination of a grid, the last key varying fastest. */
export function gridCombinations(grid: Record<string, number[]>): Record<string, number>[] {
  let combos: Record<string, number>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  return combos;
}

/**
 * Grid search: the parameters of `method` (from `grid`, default {@linkcode PEER_GRIDS}) with
 * the best mean `score(pred, truth)` over `frames` (default: adjusted Rand index). Ties keep
 * the combination found first.
 */
export async function tunePeer(
  peers: PeerSegmenters,
  method: PeerMethod,
  frames: readonly TuningFrame[],
  score: (pred: Int32Array, truth: ArrayLike<number>) => number = adjustedRandIndex,
  grid: Record<string, number[]> = PEER_GRIDS[method],
): Promise<TuneResult> {
  if (frames.length === 0) throw new RangeError("tunePeer: no frames");
  const results: TuneResult["results"] = [];
  let best: TuneResult["results"][number] | null = null;
  for (const params of gridCombinations(grid)) {
    let sum = 0;
    for (const f of frames) {
      sum += score(await peers.segment(method, f.rgb, f.width, f.height, params), f.truth);
    }
    const result = { params, score: sum / frames.length };
    results.push(result);
    if (best === null || result.score > best.score) best = result;
  }
  return { params: best!.params, score: best!.score, results };
}

/**
 * The MOG2 grid: 54 combinations, about 3 minutes on the 300-frame tuning sequence. `history`
 * (frames) also sets OpenCV's learning rate (1 / min(2 * frames seen, history)), so it is how
 * fast a stopped person fades into the background (beyond 600 it makes no difference over
 * 300 frames); `var_threshold` is the squared Mahalanobis distance above which a pixel is
 * foreground; `open` removes noise specks, `close` joins a figure's pieces; `min_area` is in
 * pixels at the tuning sequence's 384 x 288 (see {@linkcode scaleMog2Params}).
 *
 * On the semi-real tuning sequence (`bench/quality/semireal.ts`) a first grid (history 100 and
 * 300, var_threshold 16-64, close 0 and 7, min_area 30 and 120) peaked on its edges (300, 16,
 * 7, 30: object mIoU 0.742), so it was extended past them: the optimum is now inside for
 * close (5 > 7 > 11 > 0, 3 below 5); history 1000 is the long-memory end. This grid's best is
 * history 1000, var_threshold 8, open 3, close 5, min_area 15 (object mIoU 0.759, recall at
 * 0.5 0.884 over the steady half); var_threshold and min_area sit on its low edges, but the
 * surface is flat there (16 and 60 lose 0.005 and 0.008), so the grid stops.
 */
export const MOG2_GRID: Record<string, number[]> = {
  history: [100, 300, 1000],
  var_threshold: [8, 16, 32],
  open: [3],
  close: [3, 5, 7],
  min_area: [15, 60],
};

/**
 * MOG2 params tuned at `from` (width, height) for frames of size `to`: pixel areas scale with
 * the area ratio, kernel sizes with the linear ratio (rounded to an odd size; 0 stays off),
 * the rest is unchanged. Tuned on 384 x 288, a 640 x 480 camera's min_area is 2.8 times larger.
 */
export function scaleMog2Params(
  params: Record<string, number>,
  from: { width: number; height: number },
  to: { width: number; height: number },
): Record<string, number> {
  const linear = Math.sqrt((to.width * to.height) / (from.width * from.height));
  const out = { ...params };
  if (out.min_area !== undefined) out.min_area = Math.round(out.min_area * linear * linear);
  for (const key of ["open", "close", "blur"]) {
    const k = out[key];
    if (k !== undefined && k > 1) out[key] = Math.max(1, 2 * Math.round((k * linear - 1) / 2) + 1);
  }
  return out;
}

/** Options of {@linkcode tuneSequencePeer}. */
export interface SequenceTuneOptions {
  /** The grid. Default {@linkcode MOG2_GRID}. */
  grid?: Record<string, number[]>;
  /**
   * First frame that is scored; the ones before only train the model (a stateful method is
   * judged on its steady state). Default: half the frames.
   */
  scoreFrom?: number;
  /**
   * Score of one frame; NaN (a frame without objects) is left out of the mean. Default: the
   * object mIoU of {@linkcode matchObjects}, label 0 (MOG2's background) being no island.
   */
  score?: (pred: Int32Array, truth: ArrayLike<number>) => number;
}

/** The default score of {@linkcode tuneSequencePeer}: object mIoU, background ignored. */
export function objectMIoUScore(pred: Int32Array, truth: ArrayLike<number>): number {
  return matchObjects(pred, truth, { predIgnore: [0] })?.miou ?? NaN;
}

/**
 * Grid search for a stateful peer: for each combination, the whole sequence is fed from its
 * first frame into a fresh session (as a user would run it on a new camera), and the mean
 * score over frames `scoreFrom..` is kept. `frames` is an array, or a function that yields the
 * sequence afresh each time (to stream it from disk rather than hold it in memory). Ties keep
 * the combination found first.
 *
 * @throws {RangeError} when no frame was scored.
 */
export async function tuneSequencePeer(
  peers: PeerSegmenters,
  method: SequencePeerMethod,
  frames: readonly TuningFrame[] | (() => AsyncIterable<TuningFrame> | Iterable<TuningFrame>),
  options: SequenceTuneOptions = {},
): Promise<TuneResult> {
  const grid = options.grid ?? MOG2_GRID;
  const score = options.score ?? objectMIoUScore;
  const source = typeof frames === "function" ? frames : () => frames;
  const results: TuneResult["results"] = [];
  let best: TuneResult["results"][number] | null = null;
  for (const [i, params] of gridCombinations(grid).entries()) {
    const session = `tune-${method}-${i}`;
    const scores: number[] = []; // every frame's, NaN for frames without objects
    try {
      for await (const f of source()) {
        // The first frame resets: a name reused from an earlier run must not carry its model.
        const reset = scores.length === 0;
        const { rgb, width, height } = f;
        const pred = await peers.segmentSequence(method, session, rgb, width, height, params, {
          reset,
        });
        scores.push(score(pred, f.truth));
      }
    } finally {
      await peers.endSession(session).catch(() => false);
    }
    const from = options.scoreFrom ?? Math.floor(scores.length / 2);
    const kept = scores.slice(from).filter(Number.isFinite);
    const result = {
      params,
      score: kept.length ? kept.reduce((a, v) => a + v, 0) / kept.length : NaN,
    };
    results.push(result);
    // NaN never wins over a number (a combination that scored nothing is not the best).
    if (best === null || result.score > best.score || Number.isNaN(best.score)) {
      best = result;
    }
  }
  if (!best || !Number.isFinite(best.score)) {
    throw new RangeError("tuneSequencePeer: nothing scored");
  }
  return { params: best.params, score: best.score, results };
}
