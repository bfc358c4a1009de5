/**
 * The running streams, by id.
 *
 * @module
 */
import { type StreamOptions, StreamPipeline } from "./stream_pipeline.ts";

/** Stream ids: short, URL-safe, no surprises in paths or logs. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Holds every stream of the server. */
export class StreamRegistry {
  #streams = new Map<string, StreamPipeline>();

  /** Creates and starts a stream. Throws on a bad or duplicate id. */
  add(opts: StreamOptions): StreamPipeline {
    if (!STREAM_ID_PATTERN.test(opts.id)) {
      throw new RangeError(
        `stream id "${opts.id}" is invalid: use 1-64 letters, digits, "_" or "-", starting with a letter or digit`,
      );
    }
    if (this.#streams.has(opts.id)) throw new RangeError(`stream "${opts.id}" already exists`);
    const stream = new StreamPipeline(opts);
    this.#streams.set(opts.id, stream);
    stream.start();
    return stream;
  }

  get(id: string): StreamPipeline | undefined {
    return this.#streams.get(id);
  }

  list(): StreamPipeline[] {
    return [...this.#streams.values()];
  }

  /** Stops every stream (server shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all(this.list().map((s) => s.stop()));
  }
}
