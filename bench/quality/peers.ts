/**
 * Classic segmenters to compare our islands with: SLIC and Felzenszwalb from scikit-image,
 * run in a long-lived Python worker (`peers.py`, protocol documented there), plus the
 * parameter grids and a grid search that tunes each peer on frames with ground truth.
 *
 * Needs Debian's `/usr/bin/python3` with `python3-skimage` (scikit-image 0.19).
 *
 * @module
 */

import { adjustedRandIndex } from "./metrics.ts";

/** The peer segmenters the worker knows. */
export type PeerMethod = "slic" | "felzenszwalb";

const PYTHON = "/usr/bin/python3";
const WORKER = new URL("./peers.py", import.meta.url).pathname;
const INSTALL_HINT = "install python3-skimage: apt-get install python3-skimage";

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
    if (rgb.length !== width * height * 3 || !(width > 0) || !(height > 0)) {
      return Promise.reject(
        new RangeError(`segment: ${rgb.length} bytes for a ${width}x${height} rgb24 image`),
      );
    }
    const run = this.#queue.then(() => this.#request(method, rgb, width, height, params));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #request(
    method: string,
    rgb: Uint8Array,
    width: number,
    height: number,
    params: Record<string, number>,
  ): Promise<Int32Array> {
    if (this.#closed) throw new Error("PeerSegmenters: closed");
    if (this.#dead) throw this.#dead;
    try {
      const header = JSON.stringify({ method, width, height, params }) + "\n";
      await this.#stdin.write(new TextEncoder().encode(header));
      await this.#stdin.write(rgb);
      const answer = await this.#stdout.readJsonLine();
      if (answer === null) throw new Error("worker exited");
      if (answer.ok !== true) {
        const error = new Error(`PeerSegmenters ${method}: ${answer.error}`);
        if (answer.fatal) this.#dead = error;
        throw error;
      }
      const bytes = await this.#stdout.readExact(width * height * 4);
      if (bytes === null) throw new Error("worker exited mid-answer");
      // Little-endian int32 on the wire; every platform Deno runs on is little-endian.
      return new Int32Array(bytes.buffer, bytes.byteOffset, width * height);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith("PeerSegmenters")) throw e;
      // A broken pipe or a truncated answer leaves the stream out of step: stop serving.
      this.#dead = new Error(`PeerSegmenters: worker failed (${e})`);
      throw this.#dead;
    }
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
