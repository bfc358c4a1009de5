/**
 * The running streams, by id: added, replaced and removed at run time. Listeners subscribe to the
 * registry, not to one pipeline, so they keep receiving a stream's frames across an update (which
 * replaces its pipeline).
 *
 * @module
 */
import type { StreamSettings } from "../config.ts";
import { parseSourceUri } from "../../streams/source_uri.ts";
import { type FrameListener, type PublishedFrame, StreamPipeline } from "./stream_pipeline.ts";
import { STREAM_ID_PATTERN } from "./stream_id.ts";
import { removeCheckpoint } from "./checkpoint_store.ts";

/** A request the registry refuses; `code` says why, for the API's status code. */
export class StreamRequestError extends Error {
  override name = "StreamRequestError";
  constructor(
    readonly code: "bad_request" | "conflict" | "busy" | "not_found" | "limit",
    message: string,
  ) {
    super(message);
  }
}

/** What the registry applies to every stream. */
export interface RegistryOptions {
  /** Most streams at once. */
  maxStreams: number;
  /** File sources must lie inside this directory ("" = anywhere). */
  mediaRoot: string;
  /** Checkpoints of the streams' weights: directory ("" or absent = none) and period, ms. */
  stateDir?: string;
  checkpointEveryMs?: number;
}

/** Told when a stream is removed for good (not when it is replaced by an update). */
export type RemovedListener = (id: string) => void;

/** Holds every stream of the server. */
export class StreamRegistry {
  #streams = new Map<string, StreamPipeline>();
  #unsubscribe = new Map<string, () => void>();
  #listeners = new Set<FrameListener>();
  #removedListeners = new Set<RemovedListener>();
  /** Ids being updated or removed: a second change waits for none, it is refused. */
  #changing = new Set<string>();
  #opts: RegistryOptions;

  constructor(opts: RegistryOptions = { maxStreams: 16, mediaRoot: "" }) {
    this.#opts = opts;
  }

  /** Creates and starts a stream. Throws a StreamRequestError on a bad or duplicate id or source. */
  add(id: string, settings: StreamSettings): StreamPipeline {
    if (!STREAM_ID_PATTERN.test(id)) {
      throw new StreamRequestError(
        "bad_request",
        `stream id "${
          id.slice(0, 80)
        }" is invalid: use 1-64 letters, digits, "_" or "-", starting with a letter or digit`,
      );
    }
    if (this.#streams.has(id)) {
      throw new StreamRequestError("conflict", `stream "${id}" already exists`);
    }
    if (this.#streams.size >= this.#opts.maxStreams) {
      throw new StreamRequestError(
        "limit",
        `the server already runs ${this.#opts.maxStreams} streams (--max-streams); delete one first`,
      );
    }
    this.#checkSource(settings.source);
    return this.#start(id, settings);
  }

  /**
   * Replaces a stream's settings: its pipeline restarts with them (resuming the
   * checkpointed weights when checkpoints are on and the model's shape is unchanged);
   * subscribers stay subscribed. Throws StreamRequestError when the id is unknown.
   */
  async update(id: string, settings: StreamSettings): Promise<StreamPipeline> {
    const old = this.#streams.get(id);
    if (!old) throw new StreamRequestError("not_found", `no stream "${id}"`);
    this.#checkSource(settings.source);
    this.#claim(id);
    try {
      this.#unsubscribe.get(id)?.();
      await old.stop();
      return this.#start(id, settings);
    } finally {
      this.#changing.delete(id);
    }
  }

  /** Stops and forgets a stream; false when there is none. */
  async remove(id: string): Promise<boolean> {
    const stream = this.#streams.get(id);
    if (!stream) return false;
    this.#claim(id);
    try {
      this.#streams.delete(id);
      this.#unsubscribe.get(id)?.();
      this.#unsubscribe.delete(id);
      await stream.stop();
      // A deleted stream's learned state goes with it; a re-added id starts afresh.
      if (this.#opts.stateDir) await removeCheckpoint(this.#opts.stateDir, id);
    } finally {
      this.#changing.delete(id);
    }
    for (const listener of this.#removedListeners) listener(id);
    return true;
  }

  get(id: string): StreamPipeline | undefined {
    return this.#streams.get(id);
  }

  list(): StreamPipeline[] {
    return [...this.#streams.values()];
  }

  /** Receives every processed frame of every stream, across updates; returns the remover. */
  subscribe(listener: FrameListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Told whenever a stream is removed. */
  onRemoved(listener: RemovedListener): void {
    this.#removedListeners.add(listener);
  }

  /** Stops every stream (server shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((s) => s.stop()));
  }

  /** Marks a stream as changing; refuses a concurrent change of the same stream. */
  #claim(id: string) {
    if (this.#changing.has(id)) {
      throw new StreamRequestError("busy", `stream "${id}" is being changed; retry in a moment`);
    }
    this.#changing.add(id);
  }

  #start(id: string, settings: StreamSettings): StreamPipeline {
    const { mediaRoot, stateDir, checkpointEveryMs = 60_000 } = this.#opts;
    const checkpoint = stateDir ? { dir: stateDir, everyMs: checkpointEveryMs } : undefined;
    const stream = new StreamPipeline({ id, settings, mediaRoot, checkpoint });
    this.#streams.set(id, stream);
    this.#unsubscribe.set(id, stream.subscribe((f) => this.#fanOut(f)));
    stream.start();
    return stream;
  }

  #fanOut(frame: PublishedFrame) {
    for (const listener of this.#listeners) {
      try {
        listener(frame);
      } catch (err) {
        // One broken listener must not starve the others or stop the stream.
        console.error(`stream ${frame.stream}: listener failed:`, err);
      }
    }
  }

  /** A source that cannot be opened is refused at the door, with the reason. */
  #checkSource(source: string) {
    try {
      parseSourceUri(source, Deno.cwd(), { mediaRoot: this.#opts.mediaRoot || undefined });
    } catch (err) {
      throw new StreamRequestError("bad_request", (err as Error).message);
    }
  }
}
