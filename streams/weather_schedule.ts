/**
 * Weather over time: a schedule string says which corruption ({@linkcode WeatherKind}) to apply
 * at what severity, second by second, so that a run can go from clear to thick fog and back.
 *
 * Grammar (whitespace around segments is ignored):
 *
 * ```text
 * schedule = segment ("," segment)*
 * segment  = kind [":" severity] ["@" rampSeconds] ["/" holdSeconds]
 * kind     = clear | fog | snow | rain | night | gaussian_noise | motion_blur
 * ```
 *
 * - `severity` is a number in [0, 5]; every kind but `clear` needs one, `clear` takes none.
 * - `@rampSeconds` (default 0): the segment starts by ramping linearly, over that many seconds,
 *   from the state the previous segment ended in (clear before the first) to its own.
 * - `/holdSeconds` (default 0): then it holds its own state that long.
 * - A segment lasts ramp + hold seconds; every segment but the last must last more than 0. The
 *   last segment's state holds for ever after it ends (its hold only matters for documentation).
 *
 * Transitions: a ramp between two states of the same kind interpolates the severity. A ramp from
 * or to `clear` (or severity 0) fades the other kind in or out over the whole ramp. A ramp
 * between two different kinds spends its first half fading the old kind out to 0 and its second
 * half fading the new kind in from 0, since one frame shows one kind. Without a ramp the state
 * switches at the segment boundary.
 *
 * Examples: `fog:3` (fog at 3 from the start); `clear/30,fog:4@60` (clear for 30 s, then fog
 * ramping to 4 over 60 s, then holding); `night:2/20,night:5@10/20,clear@5`.
 *
 * @module
 */

import { MAX_SEVERITY, WEATHER_KINDS, type WeatherKind } from "./weather.ts";

/** One segment of a schedule. */
export interface WeatherSegment {
  /** What the segment ramps to and holds. */
  kind: WeatherKind;
  /** Severity it ramps to and holds, 0 to 5 (0 for `clear`). */
  severity: number;
  /** Seconds spent ramping from the previous state. */
  rampSeconds: number;
  /** Seconds spent holding after the ramp. */
  holdSeconds: number;
}

/** A parsed schedule: its segments in order. */
export interface WeatherSchedule {
  /** At least one segment. */
  segments: readonly WeatherSegment[];
}

/** The weather at one instant. */
export interface WeatherState {
  /** The kind to apply; `clear` (severity 0) means none. */
  kind: WeatherKind;
  /** Severity to apply it at, 0 to 5, possibly fractional. */
  severity: number;
}

/** How a schedule is written, for error messages. */
export const WEATHER_SCHEDULE_FORM =
  "kind[:severity][@rampSeconds][/holdSeconds], comma-separated; kind is one of " +
  `${WEATHER_KINDS.join(", ")}; severity in [0, 5] (none for clear); ` +
  'e.g. "fog:3" or "clear/30,fog:4@60"';

/** A schedule string is malformed; the message says which segment and the accepted form. */
export class WeatherScheduleError extends Error {
  constructor(message: string) {
    super(`${message}. A weather schedule is written ${WEATHER_SCHEDULE_FORM}`);
    this.name = "WeatherScheduleError";
  }
}

const NUMBER = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const SEGMENT = new RegExp(
  String.raw`^([a-z_]+)(?::${NUMBER})?(?:@${NUMBER})?(?:/${NUMBER})?$`,
);

/**
 * Parses a schedule string (grammar in the module doc). Throws
 * {@linkcode WeatherScheduleError} on malformed input.
 *
 * @example
 * ```ts
 * const schedule = parseWeatherSchedule("clear/30,fog:4@60");
 * schedule.segments[1]; // { kind: "fog", severity: 4, rampSeconds: 60, holdSeconds: 0 }
 * ```
 */
export function parseWeatherSchedule(text: string): WeatherSchedule {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length === 1 && parts[0] === "") throw new WeatherScheduleError("empty schedule");
  const segments = parts.map((part, i): WeatherSegment => {
    const where = `segment ${i + 1} ("${part}")`;
    const m = SEGMENT.exec(part);
    if (!m) throw new WeatherScheduleError(`${where} is malformed`);
    const [, name, sev, ramp, hold] = m;
    if (!(WEATHER_KINDS as readonly string[]).includes(name)) {
      throw new WeatherScheduleError(`${where}: unknown kind "${name}"`);
    }
    const kind = name as WeatherKind;
    if (kind === "clear" && sev !== undefined) {
      throw new WeatherScheduleError(
        `${where}: clear takes no severity (to stay clear for ${sev} s write "clear/${sev}")`,
      );
    }
    if (kind !== "clear" && sev === undefined) {
      throw new WeatherScheduleError(`${where}: ${kind} needs a severity, e.g. "${kind}:3"`);
    }
    const severity = sev === undefined ? 0 : Number(sev);
    if (severity > MAX_SEVERITY) {
      throw new WeatherScheduleError(`${where}: severity ${severity} is above ${MAX_SEVERITY}`);
    }
    const segment = {
      kind,
      severity,
      rampSeconds: ramp === undefined ? 0 : Number(ramp),
      holdSeconds: hold === undefined ? 0 : Number(hold),
    };
    if (i < parts.length - 1 && segment.rampSeconds + segment.holdSeconds <= 0) {
      throw new WeatherScheduleError(
        `${where} lasts 0 s, but every segment but the last needs a duration ` +
          `(e.g. "${part}/10")`,
      );
    }
    return segment;
  });
  return { segments };
}

/**
 * The weather `seconds` after the schedule starts (rules in the module doc). Before 0 it is the
 * state at 0; after the last segment it is the last segment's state.
 *
 * @example
 * ```ts
 * const schedule = parseWeatherSchedule("clear/30,fog:4@60");
 * weatherAt(schedule, 10); // { kind: "clear", severity: 0 }
 * weatherAt(schedule, 60); // { kind: "fog", severity: 2 }
 * weatherAt(schedule, 600); // { kind: "fog", severity: 4 }
 * ```
 */
export function weatherAt(schedule: WeatherSchedule, seconds: number): WeatherState {
  if (Number.isNaN(seconds)) throw new RangeError("seconds must be a number, got NaN");
  const t = Math.max(0, seconds);
  let prev: WeatherState = { kind: "clear", severity: 0 };
  let start = 0;
  for (const seg of schedule.segments) {
    const target: WeatherState = { kind: seg.kind, severity: seg.severity };
    if (t < start + seg.rampSeconds) return ramp(prev, target, (t - start) / seg.rampSeconds);
    start += seg.rampSeconds + seg.holdSeconds;
    if (t < start) return target;
    prev = target;
  }
  return prev;
}

/** The state a fraction `f` (0 to 1) of the way through a ramp from `a` to `b`. */
function ramp(a: WeatherState, b: WeatherState, f: number): WeatherState {
  if (a.kind === b.kind) {
    return { kind: b.kind, severity: a.severity + (b.severity - a.severity) * f };
  }
  if (a.severity === 0) return { kind: b.kind, severity: b.severity * f };
  if (b.severity === 0) return { kind: a.kind, severity: a.severity * (1 - f) };
  return f < 0.5
    ? { kind: a.kind, severity: a.severity * (1 - 2 * f) }
    : { kind: b.kind, severity: b.severity * (2 * f - 1) };
}
