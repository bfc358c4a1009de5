import assert from "node:assert/strict";
import { foregroundMask, minForegroundArea } from "../../src/islands/foreground_mask.ts";
import type { SceneObservation } from "../../src/islands/scene_model.ts";

const W = 40, H = 30;

function observation(fill: (x: number, y: number) => number): SceneObservation {
  const surprise = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) surprise[y * W + x] = fill(x, y);
  return {
    surprise,
    smoothSurprise: surprise.slice(),
    noisy: new Uint8Array(W * H),
    shadow: new Uint8Array(W * H),
    whitish: new Uint8Array(W * H),
    threshold: new Float32Array(W * H).fill(10),
    white: 0,
    contrast: 30,
  };
}

const inBox = (x: number, y: number, x0: number, y0: number, x1: number, y1: number) =>
  x >= x0 && x <= x1 && y >= y0 && y <= y1;

Deno.test("hysteresis: a faint part touching a clear one is kept, a faint region alone is not", () => {
  const obs = observation((x, y) =>
    inBox(x, y, 5, 5, 10, 12)
      ? 3
      : inBox(x, y, 11, 5, 16, 12)
      ? 0.8
      : inBox(x, y, 25, 5, 31, 12)
      ? 0.8
      : 0
  );
  const fg = foregroundMask(obs, W, H, null, { minArea: 4 });
  assert.equal(fg.count, 1);
  assert.equal(fg.mask[8 * W + 14], 1, "the faint half of the object");
  assert.equal(fg.mask[8 * W + 28], 0, "the faint region on its own");
});

Deno.test("the previous frame's foreground lets a faintly surprising object seed", () => {
  const obs = observation((x, y) => inBox(x, y, 10, 10, 16, 20) ? 0.8 : 0);
  assert.equal(foregroundMask(obs, W, H, null, { minArea: 4 }).count, 0);
  const prior = new Uint8Array(W * H);
  for (let y = 10; y <= 20; y++) for (let x = 9; x <= 15; x++) prior[y * W + x] = 1;
  assert.equal(foregroundMask(obs, W, H, prior, { minArea: 4 }).count, 1);
});

Deno.test("specks and small parts are no foreground", () => {
  const obs = observation((x, y) =>
    inBox(x, y, 2, 2, 8, 14) || (x === 15 && y === 25) || inBox(x, y, 14, 4, 15, 5) ? 4 : 0
  );
  const fg = foregroundMask(obs, W, H, null, { minArea: 10 });
  assert.equal(fg.count, 1, "only the object: the speck and the 2x2 part are gone");
  assert.equal(fg.mask[8 * W + 5], 1);
});

Deno.test("a shadow is cut off the object casting it and joins nothing; a grey thing stays", () => {
  // Two objects whose shadows (the lesser part of each region) meet between them, and a region
  // that is all "shadow" (something dark and grey: fog makes people look so).
  const obs = observation((x, y) =>
    inBox(x, y, 2, 2, 8, 14) || inBox(x, y, 16, 2, 22, 14) || inBox(x, y, 9, 10, 15, 14) ||
      inBox(x, y, 28, 16, 36, 28)
      ? 4
      : 0
  );
  for (let y = 10; y <= 14; y++) for (let x = 9; x <= 15; x++) obs.shadow[y * W + x] = 1;
  for (let y = 16; y <= 28; y++) for (let x = 28; x <= 36; x++) obs.shadow[y * W + x] = 1;
  const fg = foregroundMask(obs, W, H, null, { minArea: 10 });
  assert.equal(fg.count, 3, "two objects kept apart, and the grey thing");
  assert.equal(fg.mask[12 * W + 12], 0, "the shadow between them");
  assert.notEqual(fg.labels[8 * W + 5], fg.labels[8 * W + 19]);
  assert.equal(fg.mask[22 * W + 32], 1, "the all-shadow region");
  assert.equal(foregroundMask(obs, W, H, null, { minArea: 10, shadows: false }).count, 2);
});

Deno.test("a fogged person, over 40% of it passing the shadow test, is kept whole", () => {
  // Fog greys a person: about half of their pixels look like a shadow (darker, grey), scattered
  // over the whole figure. Cutting them would shred the person into specks.
  const obs = observation((x, y) => inBox(x, y, 28, 12, 36, 28) ? 4 : 0);
  let flagged = 0;
  for (let y = 12; y <= 26; y++) {
    for (let x = 28; x <= 36; x++) {
      if ((x + y) % 2 === 0) {
        obs.shadow[y * W + x] = 1;
        flagged++;
      }
    }
  }
  const share = flagged / (9 * 17);
  assert.ok(share > 0.4 && share < 0.5, `share ${share}`);
  const fg = foregroundMask(obs, W, H, null, { minArea: 10 });
  assert.equal(fg.count, 1);
  assert.ok(fg.areas[1] >= 0.9 * 9 * 17, `kept ${fg.areas[1]} of ${9 * 17} pixels`);
});

Deno.test("where noise swamps the raw surprise, the smoothed one down to `low` gives the extent", () => {
  // A thing at night: its raw surprise is lost in noise (0.3 everywhere), its 3 x 3 average is
  // clearly surprising at the centre and faintly (between low and high) over the rest of it.
  const obs = observation((x, y) => inBox(x, y, 10, 8, 21, 21) ? 0.3 : 0);
  for (let y = 8; y <= 21; y++) {
    for (let x = 10; x <= 21; x++) {
      obs.smoothSurprise[y * W + x] = inBox(x, y, 14, 12, 17, 17) ? 1.5 : 0.85;
    }
  }
  const quiet = foregroundMask(obs, W, H, null, { minArea: 4 });
  const quietArea = quiet.areas.slice(1).reduce((a, b) => a + b, 0);
  assert.ok(quietArea < 30, `without noise the raw test rules: ${quietArea} pixels`);
  obs.noisy.fill(1);
  const noisy = foregroundMask(obs, W, H, null, { minArea: 4 });
  assert.equal(noisy.count, 1);
  // The 12 x 14 thing less the pixel the average spreads past its outline: 10 x 12.
  assert.ok(noisy.areas[1] >= 100, `kept ${noisy.areas[1]} pixels`);
  assert.equal(noisy.mask[5 * W + 5], 0, "nothing outside it");
});

Deno.test("at night (a mostly noisy frame), what was foreground a frame ago needs less raw surprise to stay so", () => {
  // A clear head (3) over a torso that noise leaves faint (0.5: under `low`, over `priorLow`).
  const obs = observation((x, y) =>
    inBox(x, y, 10, 4, 16, 9) ? 3 : inBox(x, y, 10, 10, 16, 24) ? 0.5 : 0
  );
  const torso = 18 * W + 13;
  const prior = new Uint8Array(W * H);
  for (let y = 4; y <= 24; y++) for (let x = 10; x <= 16; x++) prior[y * W + x] = 1;
  assert.equal(foregroundMask(obs, W, H, null, { minArea: 4 }).mask[torso], 0, "no prior");
  obs.noisy.fill(1);
  assert.equal(foregroundMask(obs, W, H, null, { minArea: 4 }).mask[torso], 0, "noisy, no prior");
  assert.equal(foregroundMask(obs, W, H, prior, { minArea: 4 }).mask[torso], 1, "noisy, prior");
  obs.noisy.fill(0);
  assert.equal(
    foregroundMask(obs, W, H, prior, { minArea: 4 }).mask[torso],
    0,
    "in daylight the raw test rules",
  );
  // A noisy patch of a daylight frame (a dark corner) is no night: the raw test rules there too.
  for (let y = 10; y <= 24; y++) for (let x = 10; x <= 16; x++) obs.noisy[y * W + x] = 1;
  assert.equal(foregroundMask(obs, W, H, prior, { minArea: 4 }).mask[torso], 0, "noisy patch");
});

Deno.test("holes inside an object are filled; labels and areas agree", () => {
  const obs = observation((x, y) =>
    inBox(x, y, 5, 5, 20, 20) && !inBox(x, y, 10, 10, 13, 13) ? 3 : 0
  );
  const fg = foregroundMask(obs, W, H, null, { minArea: 4, maxHole: 0.02 });
  assert.equal(fg.count, 1);
  assert.equal(fg.mask[11 * W + 11], 1);
  assert.equal(fg.areas[1], 16 * 16);
  assert.equal(fg.labels.filter((l) => l === 1).length, fg.areas[1]);
});

Deno.test("minForegroundArea is 0.08% of the frame, at least 16 pixels", () => {
  assert.equal(minForegroundArea(384, 288), 88);
  assert.equal(minForegroundArea(40, 30), 16);
});

Deno.test("foregroundMask refuses maps of the wrong size", () => {
  assert.throws(() => foregroundMask(observation(() => 0), W + 1, H, null), /41x30/);
});

Deno.test("the APM's feature surprise lets a faint object seed where it is high, not elsewhere", () => {
  // Two equally faint objects; only the first is where the APM's features are surprised too.
  const obs = observation((x, y) =>
    inBox(x, y, 4, 4, 10, 14) || inBox(x, y, 24, 4, 30, 14) ? 0.8 : 0
  );
  assert.equal(foregroundMask(obs, W, H, null, { minArea: 4 }).count, 0);
  const feature = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < 16; x++) feature[y * W + x] = 6;
  const fg = foregroundMask(obs, W, H, null, { minArea: 4 }, feature);
  assert.equal(fg.count, 1);
  assert.equal(fg.mask[8 * W + 7], 1);
  assert.equal(fg.mask[8 * W + 27], 0);
});
