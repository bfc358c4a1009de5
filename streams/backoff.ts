/**
 * Exponential backoff with full jitter and a cap, for restarting sources that fail: a camera
 * that reboots is retried quickly at first, then less and less often, and many cameras that
 * dropped together (a switch restarting) do not all come back in the same instant.
 *
 * @module
 */

/** Options of {@linkcode backoffDelay}. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry, ms. @default {500} */
  initialMs?: number;
  /** Growth factor per attempt. @default {2} */
  factor?: number;
  /** No delay exceeds this, ms. @default {30000} */
  maxMs?: number;
}

/**
 * The delay before retry number `attempt` (0-based): uniformly random in
 * `[ceiling / 2, ceiling]` with `ceiling = min(maxMs, initialMs * factor^attempt)`. Half the
 * ceiling is kept as a floor so a retry is never instantaneous.
 *
 * @example
 * ```ts
 * backoffDelay(0, Math.random);               // 250-500 ms
 * backoffDelay(10, Math.random, { maxMs: 30_000 }); // 15-30 s
 * ```
 */
export function backoffDelay(
  attempt: number,
  random: () => number,
  { initialMs = 500, factor = 2, maxMs = 30_000 }: BackoffOptions = {},
): number {
  if (!(attempt >= 0) || !(initialMs > 0) || !(factor >= 1) || !(maxMs >= initialMs)) {
    throw new RangeError(
      `backoff: attempt ${attempt}, initialMs ${initialMs}, factor ${factor}, maxMs ${maxMs}: ` +
        `need attempt >= 0, initialMs > 0, factor >= 1, maxMs >= initialMs`,
    );
  }
  const ceiling = Math.min(maxMs, initialMs * Math.pow(factor, attempt));
  return ceiling / 2 + random() * (ceiling / 2);
}
