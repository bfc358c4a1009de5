/**
 * A source seen through weather: wraps any `FrameSource` and corrupts each frame by the weather
 * its schedule gives at the frame's time, so a stream can be tested in fog or snow before
 * winter comes. Ground truth, when the source has it, is left as it is.
 *
 * @module
 */

import type { Frame, FrameSource, SourceStats } from "./frame.ts";
import { applyWeather } from "./weather.ts";
import { weatherAt, type WeatherSchedule } from "./weather_schedule.ts";

/** Applies `schedule` to every frame of `inner`. */
export class WeatherSource implements FrameSource {
  readonly #inner: FrameSource;
  readonly #schedule: WeatherSchedule;
  readonly #seed: number;

  constructor(inner: FrameSource, schedule: WeatherSchedule, seed = 1) {
    this.#inner = inner;
    this.#schedule = schedule;
    this.#seed = seed;
  }

  get displayUri(): string {
    return this.#inner.displayUri;
  }

  get stats(): SourceStats {
    return this.#inner.stats;
  }

  async next(): Promise<Frame | null> {
    const frame = await this.#inner.next();
    if (!frame) return null;
    const { kind, severity } = weatherAt(this.#schedule, frame.pts);
    if (kind === "clear" || severity <= 0) return frame;
    const data = applyWeather(frame.data, frame.width, frame.height, kind, severity, {
      seed: this.#seed,
      frameIndex: frame.index,
    });
    return { ...frame, data };
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
