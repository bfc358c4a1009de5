/**
 * Frame preprocessing cost: the TypeScript reference against the WebGPU kernel, for a 224x224
 * rgb24 frame pooled to 32x32 and kept at 224x224. The WebGPU timings include the upload and a
 * read back with `await t.data()` (what a caller that needs the values pays). "10 frames, one
 * sync" runs ten frames and waits once (divide by 10): the cost per frame when the tensors stay
 * on the GPU, without the fixed latency of each GPU-to-CPU wait (about 11 ms in Deno 2.9 on
 * lavapipe, even for an idle queue).
 *
 * Run: `deno bench -A bench/resize_rgb_bench.ts`. Without a WebGPU adapter only the reference
 * runs. On a machine without a GPU the adapter is Mesa lavapipe (CPU), so these are not GPU
 * numbers.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { initBackend, probeAdapter } from "../src/apm/backend.ts";
import { resizeRgbReference } from "../kernels/resize_rgb_reference.ts";
import { resizeRgbTensorWebGPU } from "../kernels/resize_rgb_webgpu.ts";

const W = 224;
const H = 224;
const frame = new Uint8Array(W * H * 3);
for (let i = 0; i < frame.length; i++) frame[i] = (i * 2654435761) >>> 24;

const hasGpu = (await probeAdapter()) !== null;
if (hasGpu) await initBackend("webgpu");

for (const out of [32, 224]) {
  const group = `224x224 -> ${out}x${out}`;
  Deno.bench({
    name: `reference ${group}`,
    group,
    baseline: true,
    fn: () => {
      resizeRgbReference(frame, W, H, out, out);
    },
  });
  Deno.bench({
    name: `webgpu ${group}, read back`,
    group,
    ignore: !hasGpu,
    fn: async () => {
      const t = resizeRgbTensorWebGPU(frame, W, H, out, out);
      await t.data();
      t.dispose();
    },
  });
  Deno.bench({
    name: `webgpu ${group}, 10 frames, one sync`,
    group,
    ignore: !hasGpu,
    fn: async () => {
      const ts = Array.from({ length: 10 }, () => resizeRgbTensorWebGPU(frame, W, H, out, out));
      await ts[9].data();
      tf.dispose(ts);
    },
  });
  Deno.bench({
    name: `reference ${group}, 10 frames`,
    group,
    fn: () => {
      for (let i = 0; i < 10; i++) resizeRgbReference(frame, W, H, out, out);
    },
  });
}
