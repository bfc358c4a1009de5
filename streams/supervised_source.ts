/**
 * Keeps a source alive: a `FrameSource` that wraps another one and, for live inputs (cameras,
 * network streams), reopens it when it fails, ends or stalls, with exponential backoff. Files
 * are not retried: a file that cannot be decoded will not decode on the next try.
 *
 * The lifecycle is one explicit state (see {@linkcode SupervisedState}):
 *
 * ```
 * starting ──first frame──▶ running
 *    │  ▲                      │
 *    │  ├──── backoff over ────┼──── backing-off ◀── live: error, end of stream
 *    │  ├──── backoff over ────┼──── stalled     ◀── live: no frame for stallTimeoutMs
 *    │  └──── answers again ───┴──── unreachable ◀── the probe finds it down while waiting
 *    │
 *    └────────────────────────────▶ failed   (file error, or open() throws)
 *                                   stopped  (file ended, or close())
 * ```
 *
 * While it waits to reopen a live source, the supervisor probes it (`probe`, a connection or an
 * RTSP `OPTIONS`: `reachability.ts`) every `probeIntervalMs`: a source that is down is not
 * reopened until it answers (no ffmpeg start per retry; the state says `unreachable`), and one
 * that answers again after being down is reopened at once with the backoff reset, so a camera
 * that comes back gives frames within seconds, however often it dropped before. The supervisor
 * is pull-driven like every source: it watches, fails over and reconnects while a consumer's
 * `next()` is pending, which is when a stall matters.
 *
 * @module
 */

import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import { type Frame, type FrameSource, SourceError, type SourceStats } from "./frame.ts";
import { DEFAULT_PROBE_INTERVAL_MS, type ReachabilityProbe, waitToRetry } from "./reachability.ts";

/**
 * Where a supervised source is in its lifecycle.
 *
 * - `starting`: the inner source is (re)opened and has not delivered a frame yet.
 * - `running`: the inner source has delivered at least one frame.
 * - `stalled`: no frame came for `stallTimeoutMs` though the source was open; it was closed
 *   and waits (backoff) to be reopened.
 * - `backing-off`: live only, waiting before the next reopen after an error or an end.
 * - `unreachable`: live only, the source does not answer its probe; reopened once it does.
 * - `stopped`: `close()` was called, or a file ended. Final.
 * - `failed`: a file failed, or `open()` threw. Final; `next()` rejects with the error.
 */
export type SupervisedState =
  | "starting"
  | "running"
  | "stalled"
  | "backing-off"
  | "unreachable"
  | "stopped"
  | "failed";

/** Counters of a {@linkcode SupervisedSource}, summed over every inner source it opened. */
export interface SupervisedStats extends SourceStats {
  /** How many times the inner source was reopened. */
  restarts: number;
  /** Message of the last failure, stall or end of a live stream; `null` before any. */
  lastError: string | null;
  /** The current state. */
  state: SupervisedState;
}

/** Options for {@linkcode SupervisedSource}. */
export interface SupervisedSourceOptions {
  /** Opens a fresh inner source, e.g. `() => openSource(uri, { width, height })`. */
  open: () => FrameSource;
  /** A camera or network stream: reopen it on failure, end and stall. Files: false. */
  live: boolean;
  /**
   * Live only: a source that delivers no frame for this long, ms, is closed and reopened. It
   * is measured from the last frame the inner source delivered (or from its opening, so a
   * source that never starts also counts), while a `next()` is pending. Default 10 s.
   */
  stallTimeoutMs?: number;
  /** Delays between reopens (see `backoffDelay`). */
  backoff?: BackoffOptions;
  /** Source of jitter for the backoff, in [0, 1). Default `Math.random`. */
  random?: () => number;
  /**
   * Once an inner source has delivered frames for this long, ms, it counts as healthy and the
   * next failure is retried from the shortest delay again. Default 30 s: a camera that
   * delivers a frame and dies each time keeps backing off further instead of hammering.
   */
  healthyAfterMs?: number;
  /**
   * Live only: asks whether the source answers (`reachabilityProbe`), while waiting to reopen
   * it (see the module doc). Absent: the backoff alone decides when to reopen.
   */
  probe?: ReachabilityProbe | null;
  /** How often `probe` is asked while waiting, ms. Default {@linkcode DEFAULT_PROBE_INTERVAL_MS}. */
  probeIntervalMs?: number;
  /** Called on every state change, synchronously. */
  onState?: (state: SupervisedState) => void;
}

/** What the supervisor saw of one pending inner `next()`. */
type Outcome =
  | { kind: "frame"; frame: Frame }
  | { kind: "end" }
  | { kind: "error"; error: Error }
  | { kind: "stall" }
  | { kind: "closed" };

/**
 * A `FrameSource` that supervises another: see the module doc for the state machine.
 *
 * Across restarts `index` keeps counting every frame decoded by any inner source (dropped ones
 * included), and `pts` stays strictly increasing: each reopened source's pts is offset by the
 * later of the wall-clock time since the supervisor started and the last pts delivered plus
 * one frame interval (the last pts step seen, or 1 ms before any). So the gap of an outage
 * shows in pts, and a live stream that decodes faster than real time never goes backwards.
 *
 * @example
 * ```ts
 * const source = new SupervisedSource({
 *   open: () => openSource("rtsp://cam/live", { width: 224, height: 224 }),
 *   live: true,
 *   onState: (state) => console.log(state),
 * });
 * const frame = await source.next(); // waits across reconnects
 * await source.close();
 * ```
 */
export class SupervisedSource implements FrameSource {
  readonly displayUri: string;
  readonly #open: () => FrameSource;
  readonly #live: boolean;
  readonly #stallTimeoutMs: number;
  readonly #backoff: BackoffOptions;
  readonly #random: () => number;
  readonly #healthyAfterMs: number;
  readonly #onState?: (state: SupervisedState) => void;
  readonly #probe: ReachabilityProbe | null;
  readonly #probeIntervalMs: number;
  readonly #startedAt = performance.now();

  #state: SupervisedState = "starting";
  #inner: FrameSource | null = null;
  #error: Error | null = null;
  #lastError: string | null = null;
  #restarts = 0;
  #attempt = 0;
  /** Counters of the inner sources already closed. */
  #decodedBefore = 0;
  #droppedBefore = 0;
  /** Added to the current inner source's pts. */
  #ptsOffset = 0;
  #lastPts = -Infinity;
  #ptsStep = 0.001;
  /** When the current inner source first and last produced a frame (or was opened). */
  #firstFrameAt: number | null = null;
  #lastFrameAt = 0;
  /** Serializes concurrent `next()` calls. */
  #chain: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | null = null;
  #signalClosed!: () => void;
  readonly #closed = new Promise<void>((resolve) => (this.#signalClosed = resolve));

  /**
   * Opens the inner source at once. If `open` throws, the source is `failed` and `next()`
   * rejects with that error.
   */
  constructor(
    {
      open,
      live,
      stallTimeoutMs = 10_000,
      backoff = {},
      random = Math.random,
      healthyAfterMs = 30_000,
      probe = null,
      probeIntervalMs = DEFAULT_PROBE_INTERVAL_MS,
      onState,
    }: SupervisedSourceOptions,
  ) {
    this.#open = open;
    this.#live = live;
    this.#stallTimeoutMs = stallTimeoutMs;
    this.#backoff = backoff;
    this.#random = random;
    this.#healthyAfterMs = healthyAfterMs;
    this.#onState = onState;
    this.#probe = live ? probe : null;
    this.#probeIntervalMs = probeIntervalMs;
    this.#onState?.("starting");
    this.#openInner();
    this.displayUri = this.#inner?.displayUri ?? "(source failed to open)";
  }

  /** The current state. */
  get state(): SupervisedState {
    return this.#state;
  }

  /** Counters summed over every inner source, plus restarts, last error and state. */
  get stats(): SupervisedStats {
    return {
      decoded: this.#decodedBefore + (this.#inner?.stats.decoded ?? 0),
      dropped: this.#droppedBefore + (this.#inner?.stats.dropped ?? 0),
      restarts: this.#restarts,
      lastError: this.#lastError,
      state: this.#state,
    };
  }

  /**
   * Resolves to the next frame, waiting through reconnects; `null` once a file ended or after
   * `close()`; rejects with the `SourceError` of a failed file or of a throwing `open()`.
   */
  next(): Promise<Frame | null> {
    const result = this.#chain.then(() => this.#pull());
    this.#chain = result.catch(() => {});
    return result;
  }

  /** Stops supervising and closes the inner source (ffmpeg is reaped). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#setState("stopped");
      this.#signalClosed();
      await this.#closeInner();
    })();
    return this.#closing;
  }

  async #pull(): Promise<Frame | null> {
    while (true) {
      if (this.#state === "stopped") return null;
      if (this.#state === "failed") throw this.#error;
      const inner = this.#inner!;
      const outcome = await this.#watch(inner);
      if (this.#closing) return null;
      switch (outcome.kind) {
        case "frame":
          return this.#deliver(outcome.frame);
        case "closed":
          return null;
        case "end":
          if (!this.#live) {
            this.#setState("stopped");
            await this.#closeInner();
            return null;
          }
          this.#lastError = `${this.displayUri} ended the stream`;
          break;
        case "error":
          this.#lastError = outcome.error.message;
          if (!this.#live) {
            this.#error = outcome.error;
            this.#setState("failed");
            await this.#closeInner();
            throw outcome.error;
          }
          break;
        case "stall":
          this.#lastError = `no frame from ${this.displayUri} for ${this.#stallTimeoutMs} ms`;
          this.#setState("stalled");
          break;
      }
      await this.#restart();
    }
  }

  /** Races the inner `next()` against the stall watchdog (live only) and `close()`. */
  async #watch(inner: FrameSource): Promise<Outcome> {
    const candidates: Promise<Outcome>[] = [
      inner.next().then(
        (frame): Outcome => frame ? { kind: "frame", frame } : { kind: "end" },
        (error): Outcome => ({ kind: "error", error: toError(error) }),
      ),
      this.#closed.then((): Outcome => ({ kind: "closed" })),
    ];
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (this.#live) {
      const left = Math.max(0, this.#stallTimeoutMs - (performance.now() - this.#lastFrameAt));
      candidates.push(
        new Promise((resolve) => (timer = setTimeout(() => resolve({ kind: "stall" }), left))),
      );
    }
    try {
      return await Promise.race(candidates);
    } finally {
      clearTimeout(timer);
    }
  }

  #deliver(frame: Frame): Frame {
    const now = performance.now();
    this.#lastFrameAt = now;
    this.#firstFrameAt ??= now;
    if (now - this.#firstFrameAt >= this.#healthyAfterMs) this.#attempt = 0;
    if (this.#state !== "running") this.#setState("running");
    const pts = this.#ptsOffset + frame.pts;
    if (pts > this.#lastPts && this.#lastPts > -Infinity) this.#ptsStep = pts - this.#lastPts;
    this.#lastPts = pts;
    return { ...frame, index: this.#decodedBefore + frame.index, pts };
  }

  /**
   * Closes the inner source, waits (backoff, and the probe: see the module doc), reopens it;
   * returns early on `close()`. After a stall the state stays `stalled` while it waits.
   */
  async #restart(): Promise<void> {
    await this.#closeInner();
    if (this.#closing) return;
    const waiting = this.#state === "stalled" ? "stalled" : "backing-off";
    this.#setState(waiting);
    const outcome = await waitToRetry({
      delayMs: backoffDelay(this.#attempt++, this.#random, this.#backoff),
      probe: this.#probe,
      probeIntervalMs: this.#probeIntervalMs,
      stopped: this.#closed,
      onReachable: (up) => this.#setState(up ? waiting : "unreachable"),
    });
    if (outcome === "stopped" || this.#closing) return;
    // It was down and came back: a fresh start, not the next of a series of failures.
    if (outcome === "back") this.#attempt = 0;
    this.#restarts++;
    this.#setState("starting");
    this.#openInner();
  }

  #openInner(): void {
    try {
      this.#inner = this.#open();
    } catch (error) {
      this.#error = toError(error);
      this.#lastError = this.#error.message;
      this.#setState("failed");
      return;
    }
    const elapsed = (performance.now() - this.#startedAt) / 1000;
    this.#ptsOffset = this.#lastPts === -Infinity
      ? 0
      : Math.max(elapsed, this.#lastPts + this.#ptsStep);
    this.#lastFrameAt = performance.now();
    this.#firstFrameAt = null;
  }

  /** Closes the current inner source, if any, and folds its counters into the totals. */
  async #closeInner(): Promise<void> {
    const inner = this.#inner;
    if (!inner) return;
    await inner.close();
    if (this.#inner !== inner) return;
    this.#decodedBefore += inner.stats.decoded;
    this.#droppedBefore += inner.stats.dropped;
    this.#inner = null;
  }

  #setState(state: SupervisedState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#onState?.(state);
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new SourceError(String(error));
}
