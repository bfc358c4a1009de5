/**
 * One stream: a source wired to an engine Worker. Frames flow latest-first (a slow engine makes
 * the source drop stale frames, never queue them); each island map is published to whoever
 * listens. The pipeline never imports the server.
 *
 * @module
 */
import type { ApmConfig } from "../apm/apm_config.ts";
import type { BackendChoice } from "../apm/backend.ts";
import type { EngineInfo } from "../apm/engine.ts";
import { type IslandMessage } from "../islands/wire_json.ts";
import { redactUri } from "../../streams/source_uri.ts";
import { openSource } from "../../streams/open_source.ts";
import { WeatherSource } from "../../streams/weather_source.ts";
import type { SupervisedStats } from "../../streams/supervised_source.ts";
import { parseWeatherSchedule } from "../../streams/weather_schedule.ts";
import type { FrameSource } from "../../streams/frame.ts";
import { EngineHost } from "./engine_host.ts";
import { RateMeter } from "./rate_meter.ts";

/** Lifecycle of a stream. */
export type StreamState = "starting" | "running" | "ended" | "failed" | "stopped";

/** What a stream needs to run. */
export interface StreamOptions {
  id: string;
  /** The source as the user gave it (may hold credentials: never shown unredacted). */
  source: string;
  apm: ApmConfig;
  backend: BackendChoice;
  /** Frames per second asked of the source (files and synthetic). */
  fps: number;
  /** Weather schedule applied to the frames before the engine sees them ("" or absent: none). */
  weather?: string;
  /** File sources: paced (default true) or every frame as fast as possible. */
  realtime?: boolean;
  /** Live sources: restart after this many ms without a frame. Default 10 000. */
  stallTimeoutMs?: number;
  /** File sources must lie inside this directory. */
  mediaRoot?: string;
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
  /** Live sources: how often the source was reopened, and why last (null otherwise). */
  sourceRestarts: number;
  sourceState: string | null;
  sourceError: string | null;
  engine: EngineInfo | null;
  /** Mean milliseconds per processed frame in each engine stage, over recent frames. */
  stageMs: { preprocess: number; train: number; islands: number };
  /** Age of the latest published frame when its map was published, ms (decode to publish). */
  frameAgeMs: number | null;
  /** Training loss of the latest frame (null before the first, or when it did not train). */
  loss: number | null;
}

/** Receives every island map of a stream. */
export type IslandListener = (msg: IslandMessage) => void;

/** A running stream. Start it with `start()`; it reports failures in its status. */
export class StreamPipeline {
  readonly id: string;
  readonly displaySource: string;
  #opts: StreamOptions;
  #state: StreamState = "starting";
  #error: string | null = null;
  #engineInfo: EngineInfo | null = null;
  #source: FrameSource | null = null;
  #engine: EngineHost | null = null;
  #processed = 0;
  #inMeter = new RateMeter();
  #outMeter = new RateMeter();
  #listeners = new Set<IslandListener>();
  #stageMs = { preprocess: 0, train: 0, islands: 0 };
  #loss: number | null = null;
  #frameAgeMs: number | null = null;
  #done: Promise<void> = Promise.resolve();

  constructor(opts: StreamOptions) {
    this.#opts = opts;
    this.id = opts.id;
    this.displaySource = redactUri(opts.source);
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
  subscribe(listener: IslandListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
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
      engine: this.#engineInfo,
      stageMs: {
        preprocess: round2(this.#stageMs.preprocess),
        train: round2(this.#stageMs.train),
        islands: round2(this.#stageMs.islands),
      },
      frameAgeMs: this.#frameAgeMs,
      loss: this.#loss,
    };
  }

  /** Stops the stream: kills its source and engine. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === "starting" || this.#state === "running") this.#state = "stopped";
    await this.#source?.close();
    this.#engine?.terminate();
    await this.#done;
  }

  async #run(): Promise<void> {
    const { apm, backend, fps, source, weather, realtime, stallTimeoutMs, mediaRoot } = this.#opts;
    try {
      const side = apm.grid * apm.patch;
      const raw = openSource(source, {
        width: side,
        height: side,
        fps,
        realtime,
        stallTimeoutMs,
        mediaRoot,
      });
      this.#source = weather ? new WeatherSource(raw, parseWeatherSchedule(weather)) : raw;
      this.#engine = new EngineHost();
      this.#engineInfo = await this.#engine.start({ apm, backend });
      if (this.#state !== "starting") return;
      this.#state = "running";
      while (this.#state === "running") {
        const frame = await this.#source.next();
        if (!frame) break;
        const decodedAt = frame.decodedAt;
        const map = await this.#engine.process(frame.width, frame.height, frame.data);
        this.#processed++;
        this.#recordStages(map.timings);
        this.#loss = Number.isFinite(map.loss) ? map.loss : null;
        this.#frameAgeMs = decodedAt === undefined ? null : round2(performance.now() - decodedAt);
        const now = performance.now();
        this.#inMeter.sample(this.#source.stats.decoded, now);
        this.#outMeter.sample(this.#processed, now);
        this.#publish({
          type: "islands",
          stream: this.id,
          frame: frame.index,
          pts: frame.pts,
          width: map.width,
          height: map.height,
          labels: new Int32Array(map.labels),
          islands: map.islands,
          loss: map.loss,
          keyFrame: map.keyFrame,
        });
      }
      if (this.#state === "running") this.#state = "ended";
    } catch (err) {
      if (this.#state === "stopped") return;
      this.#state = "failed";
      this.#error = redactUri(err instanceof Error ? err.message : String(err));
      console.error(`stream ${this.id}: ${this.#error}`);
    } finally {
      await this.#source?.close();
      this.#engine?.terminate();
    }
  }

  #supervision() {
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

  #publish(msg: IslandMessage) {
    for (const listener of this.#listeners) {
      try {
        listener(msg);
      } catch (err) {
        // One broken listener must not starve the others or stop the stream.
        console.error(`stream ${this.id}: listener failed:`, err);
      }
    }
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
