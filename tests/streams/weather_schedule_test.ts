import assert from "node:assert/strict";
import {
  parseWeatherSchedule,
  weatherAt,
  type WeatherSchedule,
  WeatherScheduleError,
  type WeatherState,
} from "../../streams/weather_schedule.ts";

function assertState(schedule: WeatherSchedule, seconds: number, expected: WeatherState) {
  const got = weatherAt(schedule, seconds);
  assert.equal(got.kind, expected.kind, `kind at ${seconds} s`);
  assert.ok(
    Math.abs(got.severity - expected.severity) < 1e-9,
    `severity at ${seconds} s: got ${got.severity}, want ${expected.severity}`,
  );
}

Deno.test("parseWeatherSchedule reads kind, severity, ramp and hold of every segment", () => {
  assert.deepEqual(parseWeatherSchedule("fog:3").segments, [
    { kind: "fog", severity: 3, rampSeconds: 0, holdSeconds: 0 },
  ]);
  assert.deepEqual(parseWeatherSchedule(" clear/30 , fog:4@60 ").segments, [
    { kind: "clear", severity: 0, rampSeconds: 0, holdSeconds: 30 },
    { kind: "fog", severity: 4, rampSeconds: 60, holdSeconds: 0 },
  ]);
  assert.deepEqual(parseWeatherSchedule("gaussian_noise:2.5@.5/1.25,clear").segments, [
    { kind: "gaussian_noise", severity: 2.5, rampSeconds: 0.5, holdSeconds: 1.25 },
    { kind: "clear", severity: 0, rampSeconds: 0, holdSeconds: 0 },
  ]);
});

Deno.test("parseWeatherSchedule rejects malformed schedules with the accepted form", () => {
  const bad = [
    "",
    "fog",
    "fog:",
    "fog:3@",
    "fog:-1",
    "fog:6",
    "hail:2",
    "Fog:2",
    "fog:3/10/2",
    "fog:3@10@5",
    "fog:3,,rain:2",
    "fog:3,rain:2",
    "clear:30,fog:4@60",
  ];
  for (const text of bad) {
    assert.throws(
      () => parseWeatherSchedule(text),
      (e: unknown) =>
        e instanceof WeatherScheduleError &&
        e.message.includes("kind[:severity][@rampSeconds][/holdSeconds]"),
      `"${text}" should be rejected`,
    );
  }
  assert.throws(() => parseWeatherSchedule("clear:30"), /clear\/30/);
  assert.throws(() => parseWeatherSchedule("fog:3,rain:2"), /segment 1 .* lasts 0 s/);
});

Deno.test("weatherAt holds a constant schedule for ever", () => {
  const s = parseWeatherSchedule("fog:3");
  assertState(s, 0, { kind: "fog", severity: 3 });
  assertState(s, 1e6, { kind: "fog", severity: 3 });
  assertState(s, -5, { kind: "fog", severity: 3 });
});

Deno.test("weatherAt ramps in from clear and holds after the last ramp", () => {
  const s = parseWeatherSchedule("clear/30,fog:4@60");
  assertState(s, 0, { kind: "clear", severity: 0 });
  assertState(s, 29.9, { kind: "clear", severity: 0 });
  assertState(s, 30, { kind: "fog", severity: 0 });
  assertState(s, 45, { kind: "fog", severity: 1 });
  assertState(s, 60, { kind: "fog", severity: 2 });
  assertState(s, 90, { kind: "fog", severity: 4 });
  assertState(s, 1e6, { kind: "fog", severity: 4 });
});

Deno.test("weatherAt interpolates within a kind and fades out to clear", () => {
  const s = parseWeatherSchedule("night:2/20,night:5@10/20,clear@5");
  assertState(s, 10, { kind: "night", severity: 2 });
  assertState(s, 25, { kind: "night", severity: 3.5 });
  assertState(s, 45, { kind: "night", severity: 5 });
  assertState(s, 52, { kind: "night", severity: 3 });
  assertState(s, 55, { kind: "clear", severity: 0 });
  assertState(s, 100, { kind: "clear", severity: 0 });
});

Deno.test("weatherAt crosses between kinds through severity 0 at mid-ramp", () => {
  const s = parseWeatherSchedule("fog:4/10,rain:2@10");
  assertState(s, 12, { kind: "fog", severity: 2.4 });
  assertState(s, 15, { kind: "rain", severity: 0 });
  assertState(s, 17.5, { kind: "rain", severity: 1 });
  assertState(s, 20, { kind: "rain", severity: 2 });
});

Deno.test("weatherAt switches kinds at the boundary when there is no ramp", () => {
  const s = parseWeatherSchedule("fog:2/10,snow:3/5,motion_blur:1");
  assertState(s, 9.99, { kind: "fog", severity: 2 });
  assertState(s, 10, { kind: "snow", severity: 3 });
  assertState(s, 15, { kind: "motion_blur", severity: 1 });
});

Deno.test("weatherAt rejects NaN", () => {
  assert.throws(() => weatherAt(parseWeatherSchedule("fog:1"), NaN), RangeError);
});
