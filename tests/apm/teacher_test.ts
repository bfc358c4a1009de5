/** The MobileNetV2 teacher: one feature map or several joined, each at the asked grid. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/apm/backend.ts";
import { createMapSampler, loadMobileNetV2Teacher } from "../../src/apm/teacher.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";

const sanitize = { sanitizeResources: false, sanitizeOps: false };

Deno.test(
  "teacher: two maps (56x56 and 28x28) joined, each at unit RMS, at the grid's size",
  sanitize,
  async () => {
    await initBackend("wasm");
    const one = await loadMobileNetV2Teacher("block_6_expand_relu");
    const two = await loadMobileNetV2Teacher("block_3_expand_relu, block_6_expand_relu");
    const projected = await loadMobileNetV2Teacher("block_3_expand_relu,block_6_expand_relu", 16);
    const rgb = renderSyntheticFrame({ width: 224, height: 224, seed: 2 }, 0).data;
    const frame = tf.tidy(() => tf.tensor3d(rgb, [224, 224, 3], "int32").toFloat().div(255));
    try {
      assert.equal(one.dim, 192);
      assert.equal(two.dim, 144 + 192);
      assert.equal(projected.dim, 16);
      const a = one.features(frame as tf.Tensor3D, 8);
      const b = two.features(frame as tf.Tensor3D, 8);
      const c = projected.features(frame as tf.Tensor3D, 8);
      assert.deepEqual(b.shape, [64, 336]);
      assert.deepEqual(c.shape, [64, 16]);
      const data = await b.data();
      const first = await a.data();
      for (let i = 0; i < 64; i++) {
        let ss = 0;
        for (let k = 0; k < 336; k++) ss += data[i * 336 + k] ** 2;
        assert.ok(
          Math.abs(Math.sqrt(ss / 336) - 1) < 1e-3,
          `location ${i}: RMS ${Math.sqrt(ss / 336)}`,
        );
        // The 28x28 map's part points where the single-layer teacher's features point.
        let dot = 0, na = 0, nb = 0;
        for (let k = 0; k < 192; k++) {
          dot += first[i * 192 + k] * data[i * 336 + 144 + k];
          na += first[i * 192 + k] ** 2;
          nb += data[i * 336 + 144 + k] ** 2;
        }
        assert.ok(dot / Math.sqrt(na * nb) > 0.999, `location ${i}`);
      }
      tf.dispose([a, b, c]);
    } finally {
      frame.dispose();
      one.dispose();
      two.dispose();
      projected.dispose();
    }
    await assert.rejects(
      () => loadMobileNetV2Teacher("block_3_expand_relu,no_such_layer"),
      /not found in MobileNetV2.*joined by commas/s,
    );
  },
);

Deno.test(
  "teacher: a wide frame is letterboxed, not squashed: its grid reads the map over its own rows",
  sanitize,
  async () => {
    await initBackend("wasm");
    const teacher = await loadMobileNetV2Teacher("block_6_expand_relu");
    // A 2:1 frame fits the 224 input as 224 x 112, centred: rows 56..167. The 28 x 28 map has a
    // cell per 8 px, so the frame's 28 x 14 grid cells sit exactly on map rows 7..20.
    const [w, h] = [224, 112];
    const rgb = renderSyntheticFrame({ width: w, height: h, seed: 4 }, 0).data;
    const wide = tf.tidy(() => tf.tensor3d(rgb, [h, w, 3], "int32").toFloat().div(255));
    // The same frame padded by hand with its mean colour into the square the net sees.
    const padded = tf.tidy(() => {
      const mean = tf.mean(wide, [0, 1], true);
      return tf.pad(tf.sub(wide, mean), [[56, 56], [0, 0], [0, 0]]).add(mean);
    });
    try {
      const a = teacher.features(wide as tf.Tensor3D, 28, 14);
      const b = teacher.features(padded as tf.Tensor3D, 28, 28);
      assert.deepEqual(a.shape, [28 * 14, 192]);
      const mine = await a.data(), whole = await b.data();
      let worst = 0;
      for (let y = 0; y < 14; y++) {
        for (let x = 0; x < 28; x++) {
          for (let k = 0; k < 192; k++) {
            const d = mine[(y * 28 + x) * 192 + k] - whole[((y + 7) * 28 + x) * 192 + k];
            worst = Math.max(worst, Math.abs(d));
          }
        }
      }
      assert.ok(worst < 1e-3, `letterboxed vs padded-by-hand features differ by ${worst}`);
      // Squashing the frame to the square instead gives other features: the test can tell.
      const squashed = tf.tidy(() =>
        teacher.features(tf.image.resizeBilinear(wide as tf.Tensor3D, [224, 224]), 28, 14)
      );
      const other = await squashed.data();
      let differ = 0;
      for (let i = 0; i < other.length; i++) {
        differ = Math.max(differ, Math.abs(other[i] - mine[i]));
      }
      assert.ok(differ > 0.1, `squashed features should differ, max difference ${differ}`);
      // A frame larger than the input is resized to fit first: the same grid comes out.
      const big = tf.tidy(() => tf.image.resizeBilinear(wide as tf.Tensor3D, [224, 448]));
      const c = teacher.features(big as tf.Tensor3D, 28, 14);
      assert.deepEqual(c.shape, [28 * 14, 192]);
      tf.dispose([a, b, c, squashed, big]);
    } finally {
      tf.dispose([wide, padded]);
      teacher.dispose();
    }
  },
);

Deno.test("map sampler: resizeBilinear on a frame that fills the input; the frame's region when letterboxed", async () => {
  await initBackend("wasm");
  const map = tf.randomUniform([28, 28, 5], 0, 1, "float32", 3) as tf.Tensor3D;
  const maxDiff = async (a: tf.Tensor, b: tf.Tensor) => {
    const d = tf.max(tf.abs(tf.sub(a, b)));
    const v = (await d.data())[0];
    d.dispose();
    return v;
  };
  try {
    for (const [gw, gh] of [[32, 32], [43, 24], [8, 8]]) {
      const s = createMapSampler(
        28,
        28,
        { width: 224, height: 224 },
        { width: gw, height: gh },
        224,
      );
      const mine = s.sample(map);
      const ref = tf.image.resizeBilinear(map, [gh, gw], false, true);
      assert.deepEqual(mine.shape, [gh, gw, 5]);
      assert.ok(await maxDiff(mine, ref) < 1e-5, `${gw}x${gh} on a full frame`);
      tf.dispose([mine, ref]);
      s.dispose();
    }
    // 16:9 fitted to 224 x 126, rows 49..174 of the input: cell (x, y) reads the map bilinearly
    // at input pixel (x + 0.5) * 224 / 43, 49 + (y + 0.5) * 126 / 24, 8 px a map cell.
    const s = createMapSampler(28, 28, { width: 224, height: 126 }, { width: 43, height: 24 }, 224);
    const got = await s.sample(map).data();
    const m = await map.data();
    const at = (u: number, v: number, k: number) => {
      const cu = Math.min(27, Math.max(0, u)), cv = Math.min(27, Math.max(0, v));
      const x0 = Math.floor(cu), y0 = Math.floor(cv);
      const x1 = Math.min(27, x0 + 1), y1 = Math.min(27, y0 + 1);
      const fx = cu - x0, fy = cv - y0;
      const p = (x: number, y: number) => m[(y * 28 + x) * 5 + k];
      return (1 - fy) * ((1 - fx) * p(x0, y0) + fx * p(x1, y0)) +
        fy * ((1 - fx) * p(x0, y1) + fx * p(x1, y1));
    };
    let worst = 0;
    for (let y = 0; y < 24; y++) {
      for (let x = 0; x < 43; x++) {
        const u = ((x + 0.5) * 224) / 43 / 8 - 0.5, v = (49 + ((y + 0.5) * 126) / 24) / 8 - 0.5;
        for (let k = 0; k < 5; k++) {
          worst = Math.max(worst, Math.abs(got[(y * 43 + x) * 5 + k] - at(u, v, k)));
        }
      }
    }
    assert.ok(worst < 1e-5, `letterboxed sampling off by ${worst}`);
    s.dispose();
  } finally {
    map.dispose();
  }
});
