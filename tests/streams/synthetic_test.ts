import assert from "node:assert/strict";
import { renderSyntheticFrame, type SyntheticOptions } from "../../streams/synthetic.ts";

const SIZE = { width: 224, height: 224 };

/** Per-id pixel statistics of one frame. */
function regions(width: number, height: number, data: Uint8Array, truth: Uint8Array) {
  const stats = new Map<
    number,
    {
      n: number;
      sat: number;
      r: number[];
      g: number[];
      b: number[];
      minX: number;
      maxX: number;
      cx: number;
      cy: number;
    }
  >();
  for (let p = 0; p < width * height; p++) {
    const id = truth[p];
    let s = stats.get(id);
    if (!s) {
      s = { n: 0, sat: 0, r: [], g: [], b: [], minX: Infinity, maxX: -Infinity, cx: 0, cy: 0 };
      stats.set(id, s);
    }
    const [r, g, b] = [data[3 * p], data[3 * p + 1], data[3 * p + 2]];
    const max = Math.max(r, g, b);
    s.n++;
    s.sat += max === 0 ? 0 : (max - Math.min(r, g, b)) / max;
    s.r.push(r);
    s.g.push(g);
    s.b.push(b);
    const x = p % width;
    s.minX = Math.min(s.minX, x);
    s.maxX = Math.max(s.maxX, x);
    s.cx += x;
    s.cy += Math.floor(p / width);
  }
  for (const s of stats.values()) {
    s.sat /= s.n;
    s.cx /= s.n;
    s.cy /= s.n;
  }
  return stats;
}

function std(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
}

Deno.test("renderSyntheticFrame produces rgb24 and truth of the asked size", () => {
  for (const [width, height] of [[224, 224], [160, 120], [97, 61], [32, 32]]) {
    const { data, truth } = renderSyntheticFrame({ width, height }, 3);
    assert.equal(data.length, width * height * 3);
    assert.equal(truth.length, width * height);
  }
});

Deno.test("renderSyntheticFrame is deterministic: same seed, same bytes", () => {
  const opts: SyntheticOptions = { ...SIZE, seed: 5 };
  const first = renderSyntheticFrame(opts, 17);
  // Render enough other scenes to evict the cached one, so the scene is built anew.
  for (let seed = 100; seed < 110; seed++) renderSyntheticFrame({ ...SIZE, seed }, 0);
  const again = renderSyntheticFrame(opts, 17);
  assert.deepEqual(again.data, first.data);
  assert.deepEqual(again.truth, first.truth);
});

Deno.test("renderSyntheticFrame differs between seeds", () => {
  const a = renderSyntheticFrame({ ...SIZE, seed: 1 }, 0);
  const b = renderSyntheticFrame({ ...SIZE, seed: 2 }, 0);
  let differing = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) differing++;
  assert.ok(differing > a.data.length / 2, `only ${differing} bytes differ`);
});

Deno.test("truth has exactly the ids 0..objects", () => {
  for (let seed = 1; seed <= 6; seed++) {
    for (const objects of [1, 4, 6]) {
      const { truth } = renderSyntheticFrame({ ...SIZE, seed, objects }, 0);
      const ids = [...new Set(truth)].sort((a, b) => a - b);
      assert.deepEqual(ids, Array.from({ length: objects + 1 }, (_, i) => i), `seed ${seed}`);
    }
  }
  const { truth } = renderSyntheticFrame({ ...SIZE, objects: 0 }, 0);
  assert.ok(truth.every((id) => id === 0));
});

Deno.test("objects are large, textured, and more saturated than the background", () => {
  for (let seed = 1; seed <= 4; seed++) {
    const { data, truth } = renderSyntheticFrame({ ...SIZE, seed }, 0);
    const stats = regions(SIZE.width, SIZE.height, data, truth);
    const background = stats.get(0)!;
    assert.ok(background.sat < 0.35, `background saturation ${background.sat}`);
    for (let id = 1; id <= 4; id++) {
      const object = stats.get(id)!;
      assert.ok(object.sat > background.sat + 0.3, `seed ${seed} object ${id}: ${object.sat}`);
      // Textured: a flat-coloured object would have a colour spread near 0.
      const spread = Math.hypot(std(object.r), std(object.g), std(object.b));
      assert.ok(spread > 40, `seed ${seed} object ${id}: colour spread ${spread}`);
    }
  }
  // Size is checked with one object, so that no other object hides part of it.
  for (let seed = 1; seed <= 8; seed++) {
    const { data, truth } = renderSyntheticFrame({ ...SIZE, seed, objects: 1 }, 0);
    const object = regions(SIZE.width, SIZE.height, data, truth).get(1)!;
    const span = (object.maxX - object.minX + 1) / SIZE.width;
    assert.ok(span >= 0.12 && span <= 0.27, `seed ${seed}: object spans ${span} of the width`);
  }
});

Deno.test("objects move slowly and smoothly over frames", () => {
  const fps = 10;
  for (let seed = 1; seed <= 6; seed++) {
    const opts = { ...SIZE, seed, objects: 1, fps };
    const centre = (index: number) => {
      const { data, truth } = renderSyntheticFrame(opts, index);
      const object = regions(SIZE.width, SIZE.height, data, truth).get(1)!;
      return [object.cx, object.cy];
    };
    let previous = centre(0);
    const start = previous;
    for (let index = 1; index <= 30; index++) {
      const now = centre(index);
      const step = Math.hypot(now[0] - previous[0], now[1] - previous[1]);
      assert.ok(step <= 4, `seed ${seed} frame ${index}: jumped ${step} px`);
      previous = now;
    }
    const moved = Math.hypot(previous[0] - start[0], previous[1] - start[1]);
    assert.ok(moved >= 5, `seed ${seed}: moved only ${moved} px in 3 s`);
  }
  // With several objects, every one of them changes its pixels.
  const a = renderSyntheticFrame({ ...SIZE, seed: 3, fps }, 0).truth;
  const b = renderSyntheticFrame({ ...SIZE, seed: 3, fps }, 20).truth;
  for (let id = 1; id <= 4; id++) {
    let both = 0;
    let either = 0;
    for (let p = 0; p < a.length; p++) {
      if (a[p] === id && b[p] === id) both++;
      if (a[p] === id || b[p] === id) either++;
    }
    assert.ok(both / either < 0.9, `object ${id} barely moved: IoU ${both / either}`);
  }
});

Deno.test("the static background stays the same where no object is", () => {
  const a = renderSyntheticFrame({ ...SIZE, seed: 2 }, 0);
  const b = renderSyntheticFrame({ ...SIZE, seed: 2 }, 25);
  for (let p = 0; p < a.truth.length; p++) {
    if (a.truth[p] !== 0 || b.truth[p] !== 0) continue;
    for (let c = 0; c < 3; c++) assert.equal(a.data[3 * p + c], b.data[3 * p + c]);
  }
});

Deno.test("scale shrinks the objects: at 0.25 they span 3-7% of the width, like pedestrians", () => {
  for (let seed = 1; seed <= 8; seed++) {
    const { data, truth } = renderSyntheticFrame({ ...SIZE, seed, objects: 1, scale: 0.25 }, 0);
    const object = regions(SIZE.width, SIZE.height, data, truth).get(1)!;
    const span = (object.maxX - object.minX + 1) / SIZE.width;
    assert.ok(span >= 0.03 && span <= 0.07, `seed ${seed}: object spans ${span} of the width`);
  }
  assert.throws(() => renderSyntheticFrame({ ...SIZE, scale: 0.05 }, 0), /scale must be/);
});

Deno.test("renderSyntheticFrame rejects invalid options", () => {
  assert.throws(() => renderSyntheticFrame({ width: 0, height: 10 }, 0), RangeError);
  assert.throws(() => renderSyntheticFrame({ ...SIZE, objects: 17 }, 0), RangeError);
  assert.throws(() => renderSyntheticFrame({ ...SIZE, seed: -1 }, 0), RangeError);
  assert.throws(() => renderSyntheticFrame({ ...SIZE, fps: 0 }, 0), RangeError);
  assert.throws(() => renderSyntheticFrame(SIZE, -1), RangeError);
});

Deno.test("a wide frame is a wider view of the same isotropic scene, not a stretched square", () => {
  // No objects: the background alone. In units of the long side, a 320x180 frame is the top
  // 180 rows of the 320x320 one, pixel for pixel; a stretched square would differ everywhere.
  const wide = renderSyntheticFrame({ width: 320, height: 180, seed: 5, objects: 0 }, 0).data;
  const square = renderSyntheticFrame({ width: 320, height: 320, seed: 5, objects: 0 }, 0).data;
  assert.deepEqual(wide, square.subarray(0, 320 * 180 * 3));
  // Portrait: the left 180 columns of the square.
  const tall = renderSyntheticFrame({ width: 180, height: 320, seed: 5, objects: 0 }, 0).data;
  for (let y = 0; y < 320; y += 37) {
    assert.deepEqual(
      tall.subarray(y * 180 * 3, (y + 1) * 180 * 3),
      square.subarray(y * 320 * 3, (y * 320 + 180) * 3),
      `row ${y}`,
    );
  }
});

Deno.test("objects on a 16:9 frame cover the share of it they cover on a square one", () => {
  // Sizes are in units of sqrt(width * height): 640x360 and 480x480 have the same unit, so
  // the objects are the same pixels wide. Their mean share over frames, occlusion aside.
  const share = (width: number, height: number) => {
    let covered = 0, n = 0;
    for (const seed of [1, 2, 3, 4]) {
      for (const index of [0, 40, 80]) {
        const { truth } = renderSyntheticFrame({ width, height, seed, objects: 3 }, index);
        covered += truth.reduce((a, t) => a + (t > 0 ? 1 : 0), 0) / truth.length;
        n++;
      }
    }
    return covered / n;
  };
  const wide = share(640, 360), square = share(480, 480);
  assert.ok(
    Math.abs(wide - square) < 0.3 * square,
    `16:9 ${wide.toFixed(3)}, 1:1 ${square.toFixed(3)}`,
  );
  const { data, truth } = renderSyntheticFrame({ width: 640, height: 360, seed: 3 }, 0);
  assert.equal(data.length, 640 * 360 * 3);
  assert.deepEqual([...new Set(truth)].sort(), [0, 1, 2, 3, 4], "every object in view");
});
