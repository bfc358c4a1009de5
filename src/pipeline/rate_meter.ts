/**
 * Events per second over a sliding window, from a counter sampled now and then.
 *
 * @module
 */

/** Measures the rate of a monotonically growing counter. */
export class RateMeter {
  #samples: [number, number][] = [];
  constructor(readonly windowMs = 5000) {}

  /** Records the counter's value at `now` (ms). */
  sample(count: number, now = performance.now()): void {
    this.#samples.push([now, count]);
    // Keep one sample older than the window, so the rate spans the whole window.
    while (this.#samples.length > 2 && now - this.#samples[1][0] >= this.windowMs) {
      this.#samples.shift();
    }
  }

  /** Events per second between the oldest kept sample and the newest; 0 before two samples. */
  rate(): number {
    const s = this.#samples;
    if (s.length < 2) return 0;
    const [t0, c0] = s[0];
    const [t1, c1] = s[s.length - 1];
    return t1 > t0 ? ((c1 - c0) * 1000) / (t1 - t0) : 0;
  }
}
