import assert from "node:assert/strict";
import {
  applyWeather,
  GAUSSIAN_NOISE_SIGMAS,
  WEATHER_KINDS,
  type WeatherKind,
} from "../../streams/weather.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";

const W = 224;
const H = 224;
const SCENE = renderSyntheticFrame({ width: W, height: H, seed: 5 }, 0).data;
const CORRUPTIONS = WEATHER_KINDS.filter((k) => k !== "clear");
const ANIMATED: WeatherKind[] = ["snow", "rain", "night", "gaussian_noise"];

function grey(value: number, width = W, height = H): Uint8Array {
  return new Uint8Array(width * height * 3).fill(value);
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

function mean(a: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i];
  return sum / a.length;
}

function std(a: Uint8Array): number {
  const m = mean(a);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - m) ** 2;
  return Math.sqrt(sum / a.length);
}

/** Sum of squared differences between horizontal and vertical neighbours. */
function highFrequencyEnergy(a: Uint8Array, width = W, height = H): number {
  let e = 0;
  for (let y = 0; y < height - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * width + x) * 3 + c;
        e += (a[i + 3] - a[i]) ** 2 + (a[i + width * 3] - a[i]) ** 2;
      }
    }
  }
  return e;
}

/** Std of `clip(0.5 + sigma * Z, 0, 1)` in bytes, by numerical integration. */
function clippedNormalStd(centre: number, sigma: number): number {
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  for (let z = -8; z <= 8; z += 0.001) {
    const p = Math.exp(-z * z / 2);
    const v = Math.min(1, Math.max(0, centre + sigma * z));
    m0 += p;
    m1 += p * v;
    m2 += p * v * v;
  }
  return 255 * Math.sqrt(m2 / m0 - (m1 / m0) ** 2);
}

Deno.test("severity 0 and clear return an identical copy", () => {
  for (const kind of WEATHER_KINDS) {
    const out = applyWeather(SCENE, W, H, kind, 0, { seed: 3, frameIndex: 7 });
    assert.notEqual(out, SCENE);
    assert.deepEqual(out, SCENE, kind);
  }
  assert.deepEqual(applyWeather(SCENE, W, H, "clear", 5), SCENE);
});

Deno.test("the input frame is never modified", () => {
  const copy = SCENE.slice();
  for (const kind of CORRUPTIONS) applyWeather(SCENE, W, H, kind, 4);
  assert.deepEqual(SCENE, copy);
});

Deno.test("every kind changes the frame more at every higher severity", () => {
  for (const kind of CORRUPTIONS) {
    const mads = [0, 1, 2, 3, 4, 5].map((s) =>
      meanAbsDiff(applyWeather(SCENE, W, H, kind, s, { frameIndex: 2 }), SCENE)
    );
    for (let s = 1; s <= 5; s++) {
      assert.ok(mads[s] > mads[s - 1], `${kind}: ${mads.map((m) => m.toFixed(2)).join(" < ")}`);
    }
  }
});

Deno.test("a tiny severity changes the frame only slightly, so ramps start smoothly", () => {
  for (const kind of CORRUPTIONS) {
    const tiny = meanAbsDiff(applyWeather(SCENE, W, H, kind, 0.02), SCENE);
    const one = meanAbsDiff(applyWeather(SCENE, W, H, kind, 1), SCENE);
    assert.ok(tiny <= 0.05 * one, `${kind}: ${tiny} at 0.02 vs ${one} at 1`);
  }
});

Deno.test("fractional severities fall between their levels", () => {
  for (const kind of ["fog", "night", "gaussian_noise", "motion_blur"] as const) {
    const at = (s: number) => meanAbsDiff(applyWeather(SCENE, W, H, kind, s), SCENE);
    const [lo, mid, hi] = [at(2), at(2.5), at(3)];
    assert.ok(lo < mid && mid < hi, `${kind}: ${lo} ${mid} ${hi}`);
  }
});

Deno.test("fog lowers the contrast more at higher severity", () => {
  // The haze is the same on both scenes (same seed), so their difference is the scene contrast
  // that survives the fog.
  const other = renderSyntheticFrame({ width: W, height: H, seed: 6 }, 0).data;
  const diffStd = (a: Uint8Array, b: Uint8Array) => {
    const d = new Uint8Array(a.length);
    for (let i = 0; i < a.length; i++) d[i] = 128 + (a[i] - b[i]) / 2;
    return std(d);
  };
  const base = diffStd(SCENE, other);
  let prev = base;
  for (let s = 1; s <= 5; s++) {
    const kept = diffStd(applyWeather(SCENE, W, H, "fog", s), applyWeather(other, W, H, "fog", s));
    assert.ok(kept < prev, `fog ${s}: contrast ${kept} vs ${prev}`);
    prev = kept;
  }
  assert.ok(prev < base * 0.4, `fog 5 keeps ${prev / base} of the contrast`);
});

Deno.test("night darkens more and adds more relative noise at higher severity", () => {
  const flat = grey(128);
  let prevMean = mean(SCENE);
  let prevNoise = 0;
  for (let s = 1; s <= 5; s++) {
    const dark = mean(applyWeather(SCENE, W, H, "night", s));
    assert.ok(dark < prevMean, `night ${s}: mean ${dark} vs ${prevMean}`);
    prevMean = dark;
    const out = applyWeather(flat, W, H, "night", s, { frameIndex: 1 });
    const noise = std(out) / mean(out);
    assert.ok(noise > prevNoise, `night ${s}: relative noise ${noise} vs ${prevNoise}`);
    prevNoise = noise;
  }
  assert.ok(prevMean < mean(SCENE) * 0.6);
});

Deno.test("gaussian_noise has ImageNet-C's sigma on a mid-grey frame", () => {
  const flat = grey(128);
  GAUSSIAN_NOISE_SIGMAS.forEach((sigma, i) => {
    const out = applyWeather(flat, W, H, "gaussian_noise", i + 1, { seed: 9, frameIndex: i });
    const want = clippedNormalStd(128 / 255, sigma);
    const got = std(out);
    assert.ok(Math.abs(got - want) / want < 0.02, `level ${i + 1}: std ${got}, want ${want}`);
    assert.ok(Math.abs(mean(out) - 128) < 1, `level ${i + 1}: mean ${mean(out)}`);
  });
});

Deno.test("motion blur removes more high-frequency energy at higher severity", () => {
  let prev = highFrequencyEnergy(SCENE);
  for (let s = 1; s <= 5; s++) {
    const e = highFrequencyEnergy(applyWeather(SCENE, W, H, "motion_blur", s, { seed: 4 }));
    assert.ok(e < prev, `motion_blur ${s}: ${e} vs ${prev}`);
    prev = e;
  }
  assert.ok(prev < highFrequencyEnergy(SCENE) * 0.5);
});

Deno.test("motion blur keeps a flat frame flat, edges included", () => {
  const out = applyWeather(grey(77, 50, 30), 50, 30, "motion_blur", 5, { seed: 2 });
  assert.deepEqual(out, grey(77, 50, 30));
});

Deno.test("the same seed and frame index give the same bytes", () => {
  for (const kind of CORRUPTIONS) {
    const a = applyWeather(SCENE, W, H, kind, 3.5, { seed: 11, frameIndex: 4 });
    const b = applyWeather(SCENE, W, H, kind, 3.5, { seed: 11, frameIndex: 4 });
    assert.deepEqual(a, b, kind);
  }
});

Deno.test("animated kinds change with the frame index, static ones do not", () => {
  for (const kind of CORRUPTIONS) {
    const a = applyWeather(SCENE, W, H, kind, 3, { seed: 11, frameIndex: 4 });
    const b = applyWeather(SCENE, W, H, kind, 3, { seed: 11, frameIndex: 5 });
    if (ANIMATED.includes(kind)) assert.ok(meanAbsDiff(a, b) > 0.5, kind);
    else assert.deepEqual(a, b, kind);
  }
});

Deno.test("a different seed gives a different corruption", () => {
  for (const kind of CORRUPTIONS) {
    const a = applyWeather(SCENE, W, H, kind, 3, { seed: 1 });
    const b = applyWeather(SCENE, W, H, kind, 3, { seed: 2 });
    assert.ok(meanAbsDiff(a, b) > 0.1, kind);
  }
});

Deno.test("every kind handles non-square frames of any size", () => {
  for (const [w, h] of [[1, 1], [3, 2], [640, 480], [101, 37]]) {
    const frame = grey(90, w, h);
    for (const kind of CORRUPTIONS) {
      const out = applyWeather(frame, w, h, kind, 5, { frameIndex: 3 });
      assert.equal(out.length, w * h * 3, `${kind} ${w}x${h}`);
    }
  }
});

Deno.test("bad arguments are rejected with RangeError", () => {
  assert.throws(() => applyWeather(new Uint8Array(10), W, H, "fog", 1), RangeError);
  assert.throws(() => applyWeather(SCENE, W, H, "fog", 5.5), RangeError);
  assert.throws(() => applyWeather(SCENE, W, H, "fog", -1), RangeError);
  assert.throws(() => applyWeather(SCENE, W, H, "fog", NaN), RangeError);
  assert.throws(() => applyWeather(SCENE, W, H, "hail" as WeatherKind, 1), RangeError);
  assert.throws(() => applyWeather(SCENE, W, H, "rain", 1, { frameIndex: -1 }), RangeError);
  assert.throws(() => applyWeather(SCENE, 0, H, "rain", 1), RangeError);
});
