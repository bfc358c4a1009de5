/**
 * How much of the server's main thread encoding maps may take. Encodings run there (labels
 * resampled, JPEG, JSON or binary), between the stream loops that feed the engines: a few heavy
 * subscriptions (2048x2048 labels, full-quality frames, features) could take it over and slow
 * every engine and every other subscriber. So the costly kinds of map (one per distinct option
 * set, over `cheapMs` an encoding) share `share` of the thread's time, in equal parts: after an
 * encoding, a kind waits until it has used no more than its part, and its maps are skipped
 * meanwhile (its subscribers get fewer maps a second, never a late one). Cheap kinds, such as the
 * default subscription that dashboards and trackers ask for, are never held back.
 *
 * The default, a tenth (`--encoding-budget`), is what keeps the engine within 10% of its speed on
 * a 2-core machine whose other core runs the engine (`bench/heavy_subscribers.ts`: three sockets
 * asking for everything at 2048x2048 cost it 5.8 -> 5.47 fps at 0.1, 4.83 at 0.25). A machine
 * with cores to spare can allow more: the live viewer's maps (labels at display size, the frame
 * as JPEG) are costly ones too.
 *
 * @module
 */

/** Default {@linkcode EncodingBudgetOptions.share} (`--encoding-budget`). */
export const DEFAULT_ENCODING_SHARE = 0.1;

/** Options of {@linkcode EncodingBudget}. */
export interface EncodingBudgetOptions {
  /** Share of the main thread's time costly encodings may take on average. @default {0.1} */
  share?: number;
  /** Kinds of map whose encoding takes at most this long, ms, are never held back. @default {5} */
  cheapMs?: number;
}

/** The budget, shared by every stream and subscriber of a server (they share one thread). */
export class EncodingBudget {
  readonly share: number;
  readonly cheapMs: number;
  /** Each kind's cost, ms (a moving average of its encodings). */
  #cost = new Map<string, number>();
  /** When each costly kind may be encoded again, and when it was last encoded. */
  #nextAt = new Map<string, number>();
  #lastAt = new Map<string, number>();

  constructor({ share = DEFAULT_ENCODING_SHARE, cheapMs = 5 }: EncodingBudgetOptions = {}) {
    if (!(share > 0 && share <= 1) || !(cheapMs >= 0)) {
      throw new RangeError(
        `EncodingBudget: share in (0, 1] and cheapMs >= 0, got ${share}, ${cheapMs}`,
      );
    }
    this.share = share;
    this.cheapMs = cheapMs;
  }

  /** Whether a map of kind `key` may be encoded at `now` (ms, `performance.now()`). */
  admits(key: string, now: number): boolean {
    const cost = this.#cost.get(key);
    if (cost === undefined || cost <= this.cheapMs) return true; // unknown: measure it once
    return now >= (this.#nextAt.get(key) ?? 0);
  }

  /**
   * Records that encoding a map of kind `key` took `ms`, ending at `now`. A costly kind then
   * waits until it has used no more than its part of the budget: an equal part for each costly
   * kind encoded in the last few seconds, so none starves another.
   */
  spent(key: string, ms: number, now: number): void {
    const cost = this.#cost.get(key);
    this.#cost.set(key, cost === undefined ? ms : cost + 0.3 * (ms - cost));
    this.#lastAt.set(key, now);
    if (this.#cost.get(key)! <= this.cheapMs) return;
    let kinds = 0;
    for (const [k, at] of this.#lastAt) {
      if (now - at > RECENT_MS) {
        // Gone quiet: forget it (subscribers come and go; the map must not grow).
        this.#lastAt.delete(k);
        this.#nextAt.delete(k);
        this.#cost.delete(k);
      } else if (this.#cost.get(k)! > this.cheapMs) kinds++;
    }
    this.#nextAt.set(key, now + ms * (kinds / this.share - 1));
  }
}

/** A costly kind encoded within this long, ms, counts as sharing the budget. */
const RECENT_MS = 5000;
