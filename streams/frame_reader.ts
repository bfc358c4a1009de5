/**
 * Cuts a byte stream of packed raw frames (ffmpeg's `-f rawvideo` stdout) into whole frames.
 *
 * Pipes hand over chunks of whatever size the OS chose, so a frame may arrive split across
 * any number of chunks and one chunk may hold several frames. This module knows nothing of
 * processes: it is pure and tested on its own.
 *
 * @module
 */

/**
 * Accumulates chunks and returns every complete frame of exactly `frameBytes` bytes.
 *
 * @example
 * ```ts
 * const reader = new FrameReader(4);
 * reader.push(new Uint8Array([1, 2, 3])); // []
 * reader.push(new Uint8Array([4, 5])); // [Uint8Array [1, 2, 3, 4]]
 * reader.pendingBytes; // 1
 * ```
 */
export class FrameReader {
  /** Size of one frame in bytes (`width * height * 3` for rgb24). */
  readonly frameBytes: number;
  #partial: Uint8Array;
  #filled = 0;

  constructor(frameBytes: number) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) {
      throw new RangeError(`frameBytes must be a positive integer, got ${frameBytes}`);
    }
    this.frameBytes = frameBytes;
    this.#partial = new Uint8Array(frameBytes);
  }

  /** Bytes received that do not yet make a whole frame. */
  get pendingBytes(): number {
    return this.#filled;
  }

  /**
   * Adds a chunk and returns the frames it completes, oldest first. Every returned frame is a
   * fresh buffer the caller owns: the chunk may be reused by the stream that produced it.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const size = this.frameBytes;
    let offset = 0;
    if (this.#filled > 0) {
      const take = Math.min(size - this.#filled, chunk.length);
      this.#partial.set(chunk.subarray(0, take), this.#filled);
      this.#filled += take;
      offset = take;
      if (this.#filled < size) return frames;
      frames.push(this.#partial);
      this.#partial = new Uint8Array(size);
      this.#filled = 0;
    }
    // Whole frames inside the chunk are copied out, each into memory of its own: chunks from a
    // child process are Node Buffers, whose slice() is a view into a shared pool, and a frame is
    // later transferred to the engine Worker, which would detach everything sharing its buffer.
    while (chunk.length - offset >= size) {
      const frame = new Uint8Array(size);
      frame.set(chunk.subarray(offset, offset + size));
      frames.push(frame);
      offset += size;
    }
    if (offset < chunk.length) {
      this.#partial.set(chunk.subarray(offset), 0);
      this.#filled = chunk.length - offset;
    }
    return frames;
  }
}
