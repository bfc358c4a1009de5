/** The MobileNetV2 teacher: one feature map or several joined, each at the asked grid. */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/apm/backend.ts";
import { loadMobileNetV2Teacher } from "../../src/apm/teacher.ts";
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
