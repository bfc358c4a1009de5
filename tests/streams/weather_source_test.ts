import assert from "node:assert/strict";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import { SyntheticSource } from "../../streams/synthetic_source.ts";
import { WeatherSource } from "../../streams/weather_source.ts";
import { parseWeatherSchedule } from "../../streams/weather_schedule.ts";

const opts = { width: 64, height: 48, seed: 2, objects: 3, fps: 50 };

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

Deno.test("a weather source corrupts frames by its schedule and keeps their ground truth", async () => {
  const source = new WeatherSource(new SyntheticSource(opts), parseWeatherSchedule("fog:3"));
  try {
    const frame = (await source.next())!;
    const clear = renderSyntheticFrame(opts, frame.index);
    assert.ok(meanAbsDiff(frame.data, clear.data) > 5, "fog changed the picture");
    assert.deepEqual(frame.truth, clear.truth, "ground truth is the scene's, not the weather's");
  } finally {
    await source.close();
  }
});

Deno.test("a weather source passes frames through unchanged while the schedule is clear", async () => {
  const source = new WeatherSource(
    new SyntheticSource(opts),
    parseWeatherSchedule("clear/100,snow:5"),
  );
  try {
    const frame = (await source.next())!;
    assert.deepEqual(frame.data, renderSyntheticFrame(opts, frame.index).data);
  } finally {
    await source.close();
  }
});
