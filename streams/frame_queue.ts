/**
 * A first-in first-out mailbox for offline sources: no frame is dropped.
 *
 * A file decoded as fast as possible (not paced in real time) is used to process every frame,
 * e.g. in tests and benchmarks. Instead of dropping, the producer watches `size` and pauses
 * while frames wait; `onDrain` tells it when the consumer has taken them all.
 *
 * @module
 */

import type { Frame } from "./frame.ts";
import type { FrameMailbox } from "./frame_mailbox.ts";

/** Options for {@linkcode FrameQueue}. */
export interface FrameQueueOptions {
  /** Called when `next()` takes the last waiting frame: the producer may resume. */
  onDrain?: () => void;
}

type Waiter = { resolve: (frame: Frame | null) => void; reject: (error: Error) => void };

/**
 * Unbounded FIFO of frames; the producer bounds it by pausing while `size > 0`.
 *
 * @example
 * ```ts
 * const queue = new FrameQueue({ onDrain: () => stream.resume() });
 * queue.put(frameA);
 * queue.put(frameB);
 * stream.pause();
 * await queue.next(); // frameA
 * await queue.next(); // frameB, and onDrain runs
 * ```
 */
export class FrameQueue implements FrameMailbox {
  #frames: Frame[] = [];
  #waiters: Waiter[] = [];
  #ended = false;
  #error: Error | null = null;
  #onDrain: (() => void) | undefined;

  constructor({ onDrain }: FrameQueueOptions = {}) {
    this.#onDrain = onDrain;
  }

  /** Always 0: this policy never drops. */
  get dropped(): number {
    return 0;
  }

  /** Frames put and not yet taken. */
  get size(): number {
    return this.#frames.length;
  }

  /** Hands the frame to a waiting consumer, or appends it to the queue. */
  put(frame: Frame): void {
    if (this.#ended) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(frame);
    else this.#frames.push(frame);
  }

  /** Resolves to the oldest frame not yet taken, waiting for one if needed. */
  next(): Promise<Frame | null> {
    const frame = this.#frames.shift();
    if (frame) {
      if (this.#frames.length === 0 && !this.#ended) this.#onDrain?.();
      return Promise.resolve(frame);
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** No more frames will come: the queued ones are still delivered, then `null`. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }

  /** The producer failed: the queued frames are still delivered, then `next()` rejects. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** The consumer has gone: discards the queue, and `next()` resolves to null. */
  close(): void {
    this.#frames = [];
    this.#error = null;
    this.end();
  }
}
