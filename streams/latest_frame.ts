/**
 * A one-slot mailbox for live sources: the newest frame wins.
 *
 * A camera does not wait for a slow consumer, so neither may we: when a frame arrives while
 * the previous one has not been taken, the old one is replaced and counted as dropped. The
 * consumer therefore always works on the freshest picture and latency cannot build up.
 *
 * @module
 */

import type { Frame } from "./frame.ts";
import type { FrameMailbox } from "./frame_mailbox.ts";

type Waiter = { resolve: (frame: Frame | null) => void; reject: (error: Error) => void };

/**
 * One-slot mailbox: `put()` replaces a frame not yet taken, `next()` awaits the newest one.
 *
 * @example
 * ```ts
 * const box = new LatestFrame();
 * box.put(frameA);
 * box.put(frameB); // frameA is dropped
 * await box.next(); // frameB
 * box.dropped; // 1
 * box.end();
 * await box.next(); // null
 * ```
 */
export class LatestFrame implements FrameMailbox {
  #slot: Frame | null = null;
  #waiters: Waiter[] = [];
  #ended = false;
  #error: Error | null = null;
  #dropped = 0;

  /** Frames replaced before anyone took them. */
  get dropped(): number {
    return this.#dropped;
  }

  /** True once `end()`, `fail()` or `close()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Hands the frame to a waiting consumer, or keeps it, replacing (dropping) an older one. */
  put(frame: Frame): void {
    if (this.#ended) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter.resolve(frame);
      return;
    }
    if (this.#slot !== null) this.#dropped++;
    this.#slot = frame;
  }

  /** Resolves to the newest frame not yet taken, waiting for one if needed. */
  next(): Promise<Frame | null> {
    if (this.#slot !== null) {
      const frame = this.#slot;
      this.#slot = null;
      return Promise.resolve(frame);
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** No more frames will come: after the one waiting (if any) is taken, `next()` gives null. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(null);
  }

  /** The producer failed: after the frame waiting (if any) is taken, `next()` rejects. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  /** The consumer has gone: discards the frame waiting, and `next()` resolves to null. */
  close(): void {
    this.#slot = null;
    this.#error = null;
    this.end();
  }
}
