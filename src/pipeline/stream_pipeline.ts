/**
 * One stream: a source wired to an engine Worker. Frames flow latest-first (a slow engine makes
 * the source drop stale frames, never queue them); each island map is published to whoever
 * listens. The pipeline never imports the server.
 *
 * @module
 */
import { gridSize, latticeSize, type Size } from "../apm/apm_config.ts";
import type { EngineInfo } from "../apm/engine.ts";
import type { StreamSettings } from "../config.ts";
import type { IslandSummary } from "../islands/types.ts";
import { redactUri } from "../../streams/source_uri.ts";
import { openSource } from "../../streams/open_source.ts";
import { workingFrameSize } from "../../streams/frame_geometry.ts";
import { type ProbeProgress, probeSourceSize } from "../../streams/probe_source.ts";
import { WeatherSource } from "../../streams/weather_source.ts";
import type { SupervisedStats } from "../../streams/supervised_source.ts";
import { parseWeatherSchedule } from "../../streams/weather_schedule.ts";
import type { Frame, FrameSource } from "../../streams/frame.ts";
import {
  CheckpointError,
  loadCheckpoint,
  removeCheckpoint,
  saveCheckpoint,
  setAsideCheckpoint,
} from "./checkpoint_store.ts";
import { EngineHost } from "./engine_host.ts";
import { RateMeter } from "./rate_meter.ts";

/** Lifecycle of a stream. */
export type StreamState = "starting" | "running" | "ended" | "failed" | "stopped";

/** What a stream needs to run. */
export interface StreamOptions {
  id: string;
  /** Source and per-stream options; the source may hold credentials: never shown unredacted. */
  settings: StreamSettings;
  /** File sources must lie inside this directory ("" or absent: anywhere). */
  mediaRoot?: string;
  /** Checkpoint the adapted weights into `dir` every `everyMs` and on stop; resume from it. */
  checkpoint?: { dir: string; everyMs: number };
}

/** Where the stream's weights came from and when they were last saved. */
export interface CheckpointStatus {
  /** The checkpoint the weights were restored from at start (null: a fresh model). */
  restoredFrom: string | null;
  /** Frames the restored weights had adapted on. */
  restoredFrames: number;
  /** When the latest checkpoint was written (ISO time), null before the first. */
  lastSavedAt: string | null;
  /** Why a checkpoint could not be restored or written, null when all went well. */
  error: string | null;
}

/**
 * One processed frame, as the pipeline publishes it. Three sizes meet here: the lattice the
 * island map was cut on (`width x height`), the working frame the engine saw (`image`, the
 * source's aspect) and the source's own size (`source`). `src/islands/resample_labels.ts` turns
 * it into labels at any of them, or at any other size.
 */
export interface PublishedFrame {
  stream: string;
  /** 0-based index of the source frame as decoded, counting frames the engine skipped. */
  frame: number;
  /** Presentation time of the source frame, seconds. */
  pts: number;
  /** When the frame left the decoder, Unix ms. */
  decodedAt: number;
  /** Lattice size of `labels` and `featureColors` (the engine's `lattice`). */
  width: number;
  height: number;
  /** Island id of every lattice location, row-major. */
  labels: Int32Array;
  /**
   * Optional: the same islands (same ids) at every pixel of the working frame, `image.width *
   * image.height`, row-major, when the engine cut them at the frame's resolution; absent when it
   * cut them on the lattice only.
   */
  frameLabels?: Int32Array;
  /** Summaries of the islands of `labels`, in lattice cells. */
  islands: IslandSummary[];
  /** Training loss on this frame, null when it did not train. */
  loss: number | null;
  /** The teacher ran on this frame. */
  keyFrame: boolean;
  /** What the adaptation's guards did on this frame. */
  events: { reset: boolean; restored: boolean; spike: boolean };
  /** The feature field as colours (PCA to RGB), `width * height * 3` bytes. */
  featureColors: Uint8Array;
  /** The working frame as the engine saw it (after weather), rgb24, the source's aspect. */
  image: { width: number; height: number; rgb: Uint8Array };
  /** The source's own size, square pixels (what `resolution: "source"` means). */
  source: Size;
  /** Engine milliseconds per stage, and decode-to-publish age. */
  timings: { preprocessMs: number; trainMs: number; islandsMs: number; frameAgeMs: number };
}

/** How the model is adapting: what the API shows next to the loss. */
export interface AdaptationStatus {
  /** Frames trained on since the stream (re)started. */
  framesTrained: number;
  /** Frames the teacher ran on. */
  keyFrames: number;
  /** Times the weights diverged and were re-drawn from scratch. */
  resets: number;
  /** Times the weights diverged and were restored to their slowly updated anchor copy. */
  restores: number;
  /** Frames whose loss spiked (a scene cut, a moved camera) and got extra adaptation steps. */
  spikes: number;
  /** Exponential mean of the loss over ~20 frames. */
  lossAverage: number | null;
}

/**
 * The sizes a stream works at, fixed once its source has been probed: the source's own size,
 * the working frame (`--frame-size`, the source's aspect), the APM's training grid and the
 * lattice its island maps come at (both shaped like the frame).
 */
export interface StreamGeometry {
  source: Size;
  frame: Size;
  grid: Size;
  lattice: Size;
}

/** A stream's public status. */
export interface StreamStatus {
  id: string;
  source: string;
  state: StreamState;
  fpsIn: number;
  fpsOut: number;
  framesDecoded: number;
  framesProcessed: number;
  framesDropped: number;
  error: string | null;
  /**
   * Live sources: how often the source was reopened (or probed again while waiting for it to
   * answer at start), its state, and why it last failed (null otherwise).
   */
  sourceRestarts: number;
  sourceState: string | null;
  sourceError: string | null;
  /** Source, working frame, grid and lattice sizes; null until the source has been probed. */
  geometry: StreamGeometry | null;
  engine: EngineInfo | null;
  /** Mean milliseconds per processed frame in each engine stage, over recent frames. */
  stageMs: { preprocess: number; train: number; islands: number };
  /** Age of the latest published frame when its map was published, ms (decode to publish). */
  frameAgeMs: number | null;
  /** Training loss of the latest frame (null before the first, or when it did not train). */
  loss: number | null;
  /** Islands in the latest map. */
  islands: number;
  adaptation: AdaptationStatus;
  /** Null when checkpoints are off. */
  checkpoint: CheckpointStatus | null;
}

/** Receives every processed frame of a stream. */
export type FrameListener = (frame: PublishedFrame) => void;

/** A running stream. Start it with `start()`; it reports failures in its status. */
export class StreamPipeline {
  readonly id: string;
  readonly displaySource: string;
  #opts: StreamOptions;
  #state: StreamState = "starting";
  #error: string | null = null;
  #engineInfo: EngineInfo | null = null;
  #source: FrameSource | null = null;
  #geometry: StreamGeometry | null = null;
  /** The start-up probe of the source's size, while it runs (then null). */
  #probe: ProbeProgress | null = null;
  /** Stops a start-up probe that waits for a camera. */
  #abort = new AbortController();
  #engine: EngineHost | null = null;
  #processed = 0;
  #inMeter = new RateMeter();
  #outMeter = new RateMeter();
  #listeners = new Set<FrameListener>();
  #latest: PublishedFrame | null = null;
  #adaptation: AdaptationStatus = {
    framesTrained: 0,
    keyFrames: 0,
    resets: 0,
    restores: 0,
    spikes: 0,
    lossAverage: null,
  };
  #stageMs = { preprocess: 0, train: 0, islands: 0 };
  #loss: number | null = null;
  #frameAgeMs: number | null = null;
  #done: Promise<void> = Promise.resolve();
  #checkpoint: CheckpointStatus | null = null;
  #lastSave = 0;
  #trainedAtSave = 0;

  constructor(opts: StreamOptions) {
    this.#opts = opts;
    this.id = opts.id;
    this.displaySource = redactUri(opts.settings.source);
  }

  /** Starts the stream in the background; `done` settles when it stops for any reason. */
  start(): void {
    this.#done = this.#run();
  }

  /** Settles once the stream has stopped (ended, failed or stopped) and released everything. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: FrameListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The latest processed frame (null before the first). */
  latest(): PublishedFrame | null {
    return this.#latest;
  }

  /** The settings the stream runs with. */
  get settings(): StreamSettings {
    return this.#opts.settings;
  }

  /**
   * True while the stream is starting but its live source has not answered yet (a camera that
   * is down): it is waiting, with backoff, not loading; readiness does not wait for it.
   */
  get waitingForSource(): boolean {
    return this.#state === "starting" && (this.#probe?.failures ?? 0) > 0;
  }

  /** The stream's sizes (null until its source has been probed). */
  get geometry(): StreamGeometry | null {
    return this.#geometry;
  }

  /** Current status; rates are over the last few seconds. */
  status(): StreamStatus {
    const decoded = this.#source?.stats.decoded ?? 0;
    const now = performance.now();
    this.#inMeter.sample(decoded, now);
    this.#outMeter.sample(this.#processed, now);
    const live = this.#state === "running";
    return {
      id: this.id,
      source: this.displaySource,
      state: this.#state,
      fpsIn: live ? round2(this.#inMeter.rate()) : 0,
      fpsOut: live ? round2(this.#outMeter.rate()) : 0,
      framesDecoded: decoded,
      framesProcessed: this.#processed,
      framesDropped: this.#source?.stats.dropped ?? 0,
      error: this.#error,
      ...this.#supervision(),
      geometry: this.#geometry,
      engine: this.#engineInfo,
      stageMs: {
        preprocess: round2(this.#stageMs.preprocess),
        train: round2(this.#stageMs.train),
        islands: round2(this.#stageMs.islands),
      },
      frameAgeMs: this.#frameAgeMs,
      loss: this.#loss,
      islands: this.#latest?.islands.length ?? 0,
      adaptation: { ...this.#adaptation },
      checkpoint: this.#checkpoint ? { ...this.#checkpoint } : null,
    };
  }

  /** Stops the stream: kills its source and engine. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === "starting" || this.#state === "running") this.#state = "stopped";
    this.#abort.abort(new Error("stream stopped"));
    await this.#source?.close();
    // A frame in training ends at its next step; the run loop then ends on its own, writing a
    // last checkpoint. An engine stuck anyway is not waited for long.
    this.#engine?.cancel();
    const timeout = new Promise((r) => setTimeout(r, STOP_GRACE_MS));
    await Promise.race([this.#done, timeout]);
    this.#engine?.terminate();
    await this.#done;
  }

  async #run(): Promise<void> {
    const { source, apm, backend, fps, weather, realtime, stallTimeout, frameSize } =
      this.#opts.settings;
    const mediaRoot = this.#opts.mediaRoot || undefined;
    try {
      // The engine's Worker loads its code (tfjs and all, a second or more on a busy machine)
      // while the source is probed or waited for; it is started once the frame size is known.
      this.#engine = new EngineHost();
      // The source's size first: the working frame keeps its aspect, and the engine's grid
      // follows the working frame. A camera that is down is waited for, with backoff.
      this.#probe = { state: "starting", failures: 0, lastError: null };
      const sourceSize = await probeSourceSize(source, {
        mediaRoot,
        signal: this.#abort.signal,
        onProgress: (p) => this.#probe = p,
      });
      this.#probe = null;
      if (this.#state !== "starting") return;
      const working = workingFrameSize(sourceSize, frameSize);
      const grid = gridSize(apm, working);
      this.#geometry = {
        source: sourceSize,
        frame: working,
        grid,
        lattice: latticeSize(apm, grid),
      };
      // Live sources are reopened at this same size by their supervisor.
      const raw = openSource(source, {
        width: working.width,
        height: working.height,
        fps,
        realtime,
        stallTimeoutMs: stallTimeout * 1000,
        mediaRoot,
      });
      this.#source = weather ? new WeatherSource(raw, parseWeatherSchedule(weather)) : raw;
      this.#engineInfo = await this.#engine.start({ apm, backend, frame: working });
      await this.#restore();
      if (this.#state !== "starting") return;
      this.#state = "running";
      while (this.#state === "running") {
        const frame = await this.#source.next();
        if (!frame) break;
        const published = await processFrame(this.#engine, this.id, frame, sourceSize);
        const now = performance.now();
        this.#processed++;
        this.#recordStages(published.timings);
        this.#recordAdaptation(published);
        this.#loss = published.loss;
        this.#frameAgeMs = round2(published.timings.frameAgeMs);
        this.#inMeter.sample(this.#source.stats.decoded, now);
        this.#outMeter.sample(this.#processed, now);
        this.#publish(published);
        const ck = this.#opts.checkpoint;
        if (ck && performance.now() - this.#lastSave >= ck.everyMs) await this.#save();
      }
      if (this.#state === "running") this.#state = "ended";
    } catch (err) {
      if (this.#state === "stopped") return;
      this.#state = "failed";
      this.#error = redactUri(err instanceof Error ? err.message : String(err));
      console.error(`stream ${this.id}: ${this.#error}`);
    } finally {
      await this.#source?.close();
      await this.#save(); // whatever ended the stream, keep what it learned
      this.#engine?.terminate();
    }
  }

  /** Loads the stream's checkpoint into the engine; a bad one is set aside, never fatal. */
  async #restore() {
    const ck = this.#opts.checkpoint;
    if (!ck || !this.#engine) return;
    this.#checkpoint = { restoredFrom: null, restoredFrames: 0, lastSavedAt: null, error: null };
    this.#lastSave = performance.now();
    await removeCheckpoint(ck.dir, this.id, true); // temporaries a crash left behind
    try {
      const saved = await loadCheckpoint(ck.dir, this.id);
      if (!saved) return;
      try {
        await this.#engine.importState(saved);
      } catch (err) {
        throw new CheckpointError(
          `checkpoint ${saved.path} does not fit: ${(err as Error).message}`,
        );
      }
      this.#checkpoint.restoredFrom = saved.path;
      this.#checkpoint.restoredFrames = saved.framesTrained;
      this.#adaptation.framesTrained = saved.framesTrained;
      this.#trainedAtSave = saved.framesTrained;
      console.error(
        `stream ${this.id}: resumed from ${saved.path} (${saved.framesTrained} frames)`,
      );
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      const aside = await setAsideCheckpoint(ck.dir, this.id).catch(() => null);
      this.#checkpoint.error = `${err.message}${aside ? ` (kept as ${aside})` : ""}`;
      console.error(`stream ${this.id}: ${this.#checkpoint.error}`);
    }
  }

  /** Writes a checkpoint when the weights moved since the last one; failures are reported. */
  async #save() {
    const ck = this.#opts.checkpoint;
    const status = this.#checkpoint;
    if (!ck || !this.#engine || !status) return;
    this.#lastSave = performance.now();
    if (this.#adaptation.framesTrained === this.#trainedAtSave) return;
    try {
      const state = await this.#engine.exportState();
      await saveCheckpoint(ck.dir, this.id, {
        ...state,
        framesTrained: this.#adaptation.framesTrained,
      });
      this.#trainedAtSave = this.#adaptation.framesTrained;
      status.lastSavedAt = new Date().toISOString();
      status.error = null;
    } catch (err) {
      status.error = `checkpoint not written: ${(err as Error).message}`;
      console.error(`stream ${this.id}: ${status.error}`);
    }
  }

  #recordAdaptation({ keyFrame, events, loss }: PublishedFrame) {
    const a = this.#adaptation;
    a.framesTrained++;
    if (keyFrame) a.keyFrames++;
    if (events.reset) a.resets++;
    if (events.restored) a.restores++;
    if (events.spike) a.spikes++;
    if (loss !== null) {
      a.lossAverage = a.lossAverage === null ? loss : a.lossAverage + 0.05 * (loss - a.lossAverage);
    }
  }

  #supervision() {
    // While the start-up probe waits for a live source, it stands in for the supervisor.
    const probe = this.#probe;
    if (probe && probe.failures > 0) {
      return {
        sourceRestarts: probe.failures,
        sourceState: probe.state,
        sourceError: probe.lastError,
      };
    }
    const stats = this.#source?.stats as Partial<SupervisedStats> | undefined;
    return {
      sourceRestarts: stats?.restarts ?? 0,
      sourceState: stats?.state ?? null,
      sourceError: stats?.lastError ?? null,
    };
  }

  #recordStages(t: { preprocessMs: number; trainMs: number; islandsMs: number }) {
    // Exponential moving average over ~20 frames; the first frame seeds it.
    const a = this.#processed === 1 ? 1 : 0.05;
    const s = this.#stageMs;
    s.preprocess += a * (t.preprocessMs - s.preprocess);
    s.train += a * (t.trainMs - s.train);
    s.islands += a * (t.islandsMs - s.islands);
  }

  #publish(frame: PublishedFrame) {
    this.#latest = frame;
    for (const listener of this.#listeners) {
      try {
        listener(frame);
      } catch (err) {
        // One broken listener must not starve the others or stop the stream.
        console.error(`stream ${this.id}: listener failed:`, err);
      }
    }
  }
}

/**
 * Runs one source frame through the engine and returns it as published: the island map, the
 * feature colours, and a copy of the frame (the engine takes the frame's own buffer). `source`
 * is the source's own size (the frame is the working frame, at the source's aspect).
 *
 * @throws {Error} when the engine fails, or answers with frame labels of another size than the
 * frame's.
 */
export async function processFrame(
  engine: EngineHost,
  stream: string,
  frame: Frame,
  source: Size,
): Promise<PublishedFrame> {
  const decodedAt = frame.decodedAt ?? performance.now();
  const rgb = new Uint8Array(frame.data);
  const map = await engine.process(frame.width, frame.height, frame.data);
  const frameLabels = map.frameLabels ? new Int32Array(map.frameLabels) : undefined;
  if (frameLabels && frameLabels.length !== frame.width * frame.height) {
    throw new Error(
      `engine sent ${frameLabels.length} frame labels for a ${frame.width}x${frame.height} frame`,
    );
  }
  return {
    stream,
    frame: frame.index,
    pts: frame.pts,
    decodedAt: performance.timeOrigin + decodedAt,
    width: map.width,
    height: map.height,
    labels: new Int32Array(map.labels),
    ...(frameLabels ? { frameLabels } : {}),
    islands: map.islands,
    loss: Number.isFinite(map.loss) ? map.loss : null,
    keyFrame: map.keyFrame,
    events: { reset: map.reset, restored: map.restored, spike: map.spike },
    featureColors: new Uint8Array(map.featureColors),
    image: { width: frame.width, height: frame.height, rgb },
    source: { ...source },
    timings: { ...map.timings, frameAgeMs: performance.now() - decodedAt },
  };
}

/** How long stop() lets a frame in flight finish (and the last checkpoint be written). */
const STOP_GRACE_MS = 5000;

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
