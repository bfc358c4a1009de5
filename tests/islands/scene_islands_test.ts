import assert from "node:assert/strict";
import { SceneModel, type SceneObservation } from "../../src/islands/scene_model.ts";
import { foregroundMask } from "../../src/islands/foreground_mask.ts";
import { SceneIslands } from "../../src/islands/scene_islands.ts";
import { applyWeather } from "../../streams/weather.ts";
import { maskIoU, noisy, texturedBackground, withObject } from "./_scenes.ts";

const W = 192, H = 144;
const background = texturedBackground(W, H);
// A pedestrian-sized object: a sixth of one of the model's blocks (32 x 32 px here).
const object = { x0: 40, y0: 20, w: 8, h: 20, color: [200, 60, 50] as [number, number, number] };

const field = { width: 4, height: 3, dim: 1, data: new Float32Array(12).fill(1) };

/** The scene islands of a stream that has seen `frames` noisy frames of the empty scene. */
function learnt(frames = 40, transform = (f: Uint8Array, _i: number) => f): SceneIslands {
  const islands = new SceneIslands(W, H, { foreground: { minArea: 20 } });
  for (let i = 0; i < frames; i++) islands.cut(transform(noisy(background, 3, i), i), field, null);
  return islands;
}

/**
 * A bare scene model's last observation after `frames` noisy frames of the empty scene (nothing
 * marked foreground), each shown as `shown` makes it; `precipitation` is passed to `observe`.
 */
function observeEmpty(
  frames: number,
  seed: number,
  shown: (f: Uint8Array, i: number) => Uint8Array,
  precipitation = false,
): SceneObservation {
  const model = new SceneModel(W, H);
  const none = new Uint8Array(W * H);
  let obs = model.observe(background);
  for (let i = 0; i < frames; i++) {
    model.learn(none);
    obs = model.observe(shown(noisy(background, 3, seed + i), i), { precipitation });
  }
  return obs;
}

/** The median of `values`. */
function median(values: Float32Array): number {
  return values.slice().sort()[values.length >> 1];
}

/** Foreground of the next frame. */
function foregroundOf(islands: SceneIslands, rgb: Uint8Array): Uint8Array {
  return islands.cut(rgb, field, null).mask.mask;
}

Deno.test("a learnt static scene with sensor noise shows no foreground", () => {
  const model = learnt();
  const mask = foregroundOf(model, noisy(background, 3, 999));
  assert.equal(mask.reduce((a, b) => a + b, 0), 0);
});

Deno.test("an object entering a learnt scene is foreground, outline to the pixel", () => {
  const model = learnt();
  const { rgb, truth } = withObject(background, W, H, object);
  const mask = foregroundOf(model, noisy(rgb, 3, 1000));
  assert.ok(maskIoU(mask, truth) > 0.85, `IoU ${maskIoU(mask, truth)}`);
});

Deno.test("fog rolling in is explained away within a few frames; an object in the fog is still found", () => {
  // Fog 3 cuts contrast about 3.5-fold and adds a smooth haze: an affine map of the frame.
  const fog = (f: Uint8Array, i: number) => applyWeather(f, W, H, "fog", 3, { frameIndex: i });
  const model = learnt();
  // The photometric fit follows within a few frames.
  for (let i = 0; i < 10; i++) foregroundOf(model, fog(noisy(background, 3, 2000 + i), i));
  const empty = foregroundOf(model, fog(noisy(background, 3, 2010), 10));
  assert.ok(empty.reduce((a, b) => a + b, 0) < 0.01 * W * H, "the fog itself is not foreground");
  for (let i = 11; i < 30; i++) foregroundOf(model, fog(noisy(background, 3, 2000 + i), i));
  const { rgb, truth } = withObject(background, W, H, object);
  // Found from its second frame on (its first one bends the photometric fit a little).
  foregroundOf(model, fog(noisy(rgb, 3, 3000), 30));
  const mask = foregroundOf(model, fog(noisy(rgb, 3, 3001), 31));
  assert.ok(maskIoU(mask, truth) > 0.7, `IoU in fog ${maskIoU(mask, truth)}`);
});

Deno.test("a smooth haze does not raise the detection threshold; the scene's texture does", () => {
  // The scene at a third of its contrast (as fog 3 leaves it) under an even haze, and under a
  // haze that swings by 120 grey levels over 80 px. The swing is no texture of the scene: the
  // threshold must not rise with it (the spread of luminance over a block raised it by a third).
  const threshold = (haze: (x: number, y: number) => number, scale = 1) => {
    const obs = observeEmpty(60, 7000, (f) => {
      const hazy = new Uint8Array(f.length);
      for (let p = 0; p < f.length; p++) {
        const x = (p / 3 | 0) % W, y = (p / 3 / W) | 0;
        hazy[p] = Math.min(255, Math.round(128 + scale * (f[p] - 128) / 3 + haze(x, y)));
      }
      return hazy;
    });
    return median(obs.threshold);
  };
  const even = threshold(() => 0);
  const swinging = threshold((x, y) => 60 * Math.sin((2 * Math.PI * x) / 80) * Math.cos(y / 20));
  assert.ok(
    swinging < 1.1 * even,
    `threshold ${swinging.toFixed(2)} under the swing, ${even.toFixed(2)} even`,
  );
  // Whereas the scene's own texture at three times the contrast (no fog) does raise it.
  const clear = threshold(() => 0, 3);
  assert.ok(clear > 1.5 * even, `threshold ${clear.toFixed(2)} clear, ${even.toFixed(2)} in fog`);
});

Deno.test("snow-like outliers do not raise the threshold: an object in the snow is found", () => {
  const snow = (f: Uint8Array, i: number) => applyWeather(f, W, H, "snow", 3, { frameIndex: i });
  const model = learnt(60, snow);
  const { rgb, truth } = withObject(background, W, H, object);
  const mask = foregroundOf(model, snow(noisy(rgb, 3, 4000), 60));
  let inside = 0;
  for (let i = 0; i < truth.length; i++) inside += truth[i] & mask[i];
  assert.ok(inside > 0.7 * object.w * object.h, `found ${inside} of ${object.w * object.h}`);
});

Deno.test("while it snows, the flakes are not learnt: between them the threshold stays near the clear scene's", () => {
  // The median detection threshold (grey levels) of the pixels no flake whitened, after 150
  // frames of the empty scene (snow falling from the second). Learning the flakes made the
  // usual scene whiter than the ground between them, and their threshold 2.4 times the clear
  // scene's (now 1.6).
  const threshold = (snowing: boolean) => {
    const snow = (f: Uint8Array, i: number) =>
      snowing ? applyWeather(f, W, H, "snow", 3, { frameIndex: i }) : f;
    const obs = observeEmpty(150, 5000, snow, snowing);
    return median(obs.threshold.filter((_, i) => !obs.whitish[i]));
  };
  const clear = threshold(false), snow = threshold(true);
  assert.ok(snow < 2 * clear, `threshold ${snow.toFixed(1)} in snow, ${clear.toFixed(1)} clear`);
});

Deno.test("an object that stops stays foreground for many seconds, not at once absorbed", () => {
  const model = learnt();
  const { rgb, truth } = withObject(background, W, H, object);
  let mask: Uint8Array = new Uint8Array(W * H);
  for (let i = 0; i < 100; i++) mask = foregroundOf(model, noisy(rgb, 3, 5000 + i));
  assert.ok(maskIoU(mask, truth) > 0.8, `after 100 frames standing: IoU ${maskIoU(mask, truth)}`);
});

Deno.test("a ghost (an object in the first frames that then leaves) has the old outline, an object a new one", () => {
  const model = new SceneModel(W, H);
  const { rgb } = withObject(background, W, H, object);
  for (let i = 0; i < 5; i++) {
    model.observe(noisy(rgb, 3, 6000 + i));
    model.learn(new Uint8Array(W * H));
  }
  // The object left: the usual scene still holds it.
  const fg = foregroundMask(model.observe(noisy(background, 3, 6100)), W, H, null, { minArea: 20 });
  assert.equal(fg.count, 1);
  assert.ok(model.outlineRatio(fg.labels, fg.count)[1] < 0.67, "a ghost's outline is old");
  // Whereas the object present is no ghost.
  const model2 = new SceneModel(W, H);
  for (let i = 0; i < 40; i++) {
    model2.observe(noisy(background, 3, 6300 + i));
    model2.learn(new Uint8Array(W * H));
  }
  const present = foregroundMask(model2.observe(noisy(rgb, 3, 6200)), W, H, null, { minArea: 20 });
  assert.equal(present.count, 1);
  assert.ok(model2.outlineRatio(present.labels, present.count)[1] > 1.2, "an object is outlined");
});

Deno.test("a ghost left by something that crossed while the model was young heals within seconds", () => {
  // The scene for 2 frames, then an object for 5 that the young model learns (as at start-up,
  // before it flags anything), then the scene again: where the object stood, the usual scene is
  // wrong, and the scene showing through is foreground. The long-run scene still holds what was
  // there, so the ghost heals; without it, it is protected from learning and stays.
  const ghostArea = (ghosts: boolean) => {
    const model = new SceneModel(W, H, { ghosts });
    const { rgb } = withObject(background, W, H, object);
    for (let i = 0; i < 7; i++) {
      model.observe(noisy(i < 2 ? background : rgb, 3, 6400 + i));
      model.learn(new Uint8Array(W * H));
    }
    const areas: number[] = [];
    for (let i = 0; i < 30; i++) {
      const fg = foregroundMask(model.observe(noisy(background, 3, 6500 + i)), W, H, null, {
        minArea: 20,
      });
      model.learn(fg.mask);
      areas.push(fg.mask.reduce((a, b) => a + b, 0));
    }
    return areas;
  };
  const healed = ghostArea(true), kept = ghostArea(false);
  const size = object.w * object.h;
  assert.ok(healed[0] > 0.5 * size && kept[0] > 0.5 * size, `ghost at first: ${healed[0]}`);
  assert.equal(healed[29], 0, `healed: ${healed.join(",")}`);
  assert.ok(kept[29] > 0.5 * size, `without the long-run scene: ${kept.join(",")}`);
});

Deno.test("SceneModel refuses bad sizes and frames with a clear error", () => {
  assert.throws(() => new SceneModel(0, 10), /positive integers/);
  assert.throws(() => new SceneModel(10, 10).observe(new Uint8Array(5)), /5 bytes for 10x10/);
  assert.throws(() => new SceneModel(10, 10).learn(new Uint8Array(100)), /observe a frame first/);
  assert.throws(() => new SceneModel(10, 10, { backgroundRate: 0 }), /rates/);
});

Deno.test("what the usual scene explains nearby is cleared; a new object is not", () => {
  const model = new SceneModel(W, H);
  for (let i = 0; i < 40; i++) {
    model.observe(noisy(background, 3, 7000 + i));
    model.learn(new Uint8Array(W * H));
  }
  // The scene shifted by 2 px in a patch (a shaking camera, swaying grass) and a new object.
  const shifted = background.slice();
  for (let y = 60; y < 90; y++) {
    for (let x = 100; x < 140; x++) {
      for (let c = 0; c < 3; c++) {
        shifted[(y * W + x) * 3 + c] = background[(y * W + x - 2) * 3 + c];
      }
    }
  }
  const { rgb, truth } = withObject(shifted, W, H, object);
  const obs = model.observe(noisy(rgb, 3, 7100));
  const fg = foregroundMask(obs, W, H, null, { minArea: 20 });
  const before = fg.mask.slice();
  model.explainNearby(fg.mask);
  let shiftedBefore = 0, shiftedAfter = 0;
  for (let y = 60; y < 90; y++) {
    for (let x = 100; x < 140; x++) {
      shiftedBefore += before[y * W + x];
      shiftedAfter += fg.mask[y * W + x];
    }
  }
  assert.ok(shiftedBefore > 20, `the shift is surprising (${shiftedBefore} px)`);
  assert.ok(shiftedAfter < 0.2 * shiftedBefore, `${shiftedAfter} of ${shiftedBefore} kept`);
  assert.ok(maskIoU(fg.mask, truth) > 0.8, `object IoU ${maskIoU(fg.mask, truth)}`);
});

Deno.test("it counts as snowing under snow 3, not in a clear scene seen by a shaking camera", () => {
  const snow = (f: Uint8Array, i: number) => applyWeather(f, W, H, "snow", 3, { frameIndex: i });
  const snowy = learnt(40, snow);
  // A camera shaking by a pixel: the scene's edges flicker from frame to frame.
  const shake = (f: Uint8Array, i: number) => {
    if (i % 2 === 0) return f;
    const out = f.slice();
    for (let p = 3; p < f.length; p++) out[p] = f[p - 3];
    return out;
  };
  const shaking = learnt(40, shake);
  assert.ok(snowy.precipitationLevel > 0.05, `snow: ${snowy.precipitationLevel}`);
  assert.ok(shaking.precipitationLevel < 0.05, `shake: ${shaking.precipitationLevel}`);
});
