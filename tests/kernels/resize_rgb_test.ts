/**
 * The area resize: the reference against hand-computed values, and the WebGPU kernel (raw
 * buffer and tensor paths) against the reference. The GPU tests run through tfjs's webgpu
 * backend, on Mesa lavapipe where there is no GPU.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { initBackend, probeAdapter } from "../../src/apm/backend.ts";
import { resizeRgbReference } from "../../kernels/resize_rgb_reference.ts";
import {
  OUTPUT_USAGE,
  resizeRgbTensorWebGPU,
  resizeRgbWebGPU,
} from "../../kernels/resize_rgb_webgpu.ts";
import { resizeRgbTensor } from "../../kernels/resize_rgb.ts";

/** Deterministic pseudo-random bytes (mulberry32), so a failure reproduces. */
function randomFrame(w: number, h: number, seed: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  let a = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-6) {
  assert.equal(actual.length, expected.length, "length");
  let worst = 0, at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  }
  assert.ok(
    worst < tol,
    `max abs diff ${worst} at ${at}: got ${actual[at]}, expected ${expected[at]}`,
  );
}

// --- Reference against hand-computed values --------------------------------------------------

Deno.test("reference averages a 2x2 frame into one pixel", () => {
  // Pixels: black, red, green, white.
  const frame = new Uint8Array([0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 255, 255]);
  assertClose(resizeRgbReference(frame, 2, 2, 1, 1), [0.5, 0.5, 0.25]);
});

Deno.test("reference average-pools 4x2 into 2x1 with integer factor 2", () => {
  const frame = new Uint8Array([
    ...[10, 20, 30, 30, 40, 50, 100, 0, 0, 200, 0, 0],
    ...[50, 60, 70, 70, 80, 90, 0, 100, 0, 0, 200, 0],
  ]);
  const expected = [40, 50, 60, 75, 75, 0].map((v) => v / 255);
  assertClose(resizeRgbReference(frame, 4, 2, 2, 1), expected);
});

Deno.test("reference at equal sizes is the identity byte / 255", () => {
  const frame = randomFrame(3, 2, 1);
  assertClose(resizeRgbReference(frame, 3, 2, 3, 2), Array.from(frame, (b) => b / 255), 1e-7);
});

Deno.test("reference weights partly covered pixels when the factor is 5/3", () => {
  // Output pixels cover [0, 5/3), [5/3, 10/3), [10/3, 5) of the five source pixels.
  const r = [0, 50, 100, 150, 250];
  const row = new Uint8Array(r.flatMap((v) => [v, 255 - v, 255]));
  const expectedR = [
    (3 * r[0] + 2 * r[1]) / 5,
    (r[1] + 3 * r[2] + r[3]) / 5,
    (2 * r[3] + 3 * r[4]) / 5,
  ];
  const expected = expectedR.flatMap((v) => [v / 255, (255 - v) / 255, 1]);
  // Horizontally (5x1 -> 3x1) and vertically (1x5 -> 1x3): the filter is the same both ways.
  assertClose(resizeRgbReference(row, 5, 1, 3, 1), expected);
  assertClose(resizeRgbReference(row, 1, 5, 1, 3), expected);
});

Deno.test("reference keeps the mean of a frame when shrinking by a non-integer factor", () => {
  const frame = randomFrame(7, 5, 2);
  const small = resizeRgbReference(frame, 7, 5, 3, 2);
  for (let c = 0; c < 3; c++) {
    let src = 0, dst = 0;
    for (let i = c; i < frame.length; i += 3) src += frame[i] / 255;
    for (let i = c; i < small.length; i += 3) dst += small[i];
    assertClose([dst / 6], [src / 35]);
  }
});

Deno.test("reference rejects a frame whose length is not w * h * 3", () => {
  assert.throws(
    () => resizeRgbReference(new Uint8Array(11), 2, 2, 1, 1),
    /expected w \* h \* 3 = 12/,
  );
  assert.throws(
    () => resizeRgbReference(new Uint8Array(12), 2, 2, 0, 1),
    /outW must be a positive/,
  );
});

// --- WebGPU kernel against the reference -----------------------------------------------------

const adapter = await probeAdapter();
const noWebGPU = adapter === null;
if (noWebGPU) console.warn("resize_rgb_test: no WebGPU adapter, the WebGPU tests are skipped");

/** Copies a GPU buffer of float32 into a new Float32Array. */
async function readFloats(device: GPUDevice, buffer: GPUBuffer, count: number) {
  const staging = device.createBuffer({
    size: count * 4,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, count * 4);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const values = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return values;
}

// [w, h, outW, outH]: the main cases (224 -> 32 pooling, identity), odd byte counts (7x5, 1x1,
// 33x17: not multiples of 4), non-integer factors both ways, and upscaling.
const SIZES: [number, number, number, number][] = [
  [224, 224, 32, 32],
  [224, 224, 224, 224],
  [7, 5, 3, 2],
  [1, 1, 1, 1],
  [5, 1, 3, 1],
  [33, 17, 8, 4],
  [640, 480, 224, 224],
  [3, 2, 5, 7],
  // A 16:9 working frame to what the engine makes of it: the column frame (43x24 cells of 7 px),
  // the grid's colours and the teacher's letterboxed fit.
  [640, 360, 301, 168],
  [640, 360, 43, 24],
  [640, 360, 224, 126],
];

// tfjs-webgpu keeps its GPUDevice (a Deno resource) and pending async ops for the life of the
// process, and the backend is global state shared by every test here, so the resource and op
// sanitizers would report tfjs's handles, not leaks of ours.
const gpuTest = { ignore: noWebGPU, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  name: "webgpu kernel output buffer equals the reference at every size",
  ...gpuTest,
  fn: async () => {
    await initBackend("webgpu");
    const device = (tf.backend() as WebGPUBackend).device;
    for (const [i, [w, h, outW, outH]] of SIZES.entries()) {
      const frame = randomFrame(w, h, 100 + i);
      const buffer = resizeRgbWebGPU(device, frame, w, h, outW, outH);
      assert.equal(buffer.size, outW * outH * 3 * 4);
      assert.equal(buffer.usage & OUTPUT_USAGE, OUTPUT_USAGE);
      const gpu = await readFloats(device, buffer, outW * outH * 3);
      buffer.destroy();
      try {
        assertClose(gpu, resizeRgbReference(frame, w, h, outW, outH), 1e-5);
      } catch (err) {
        throw new Error(`${w}x${h} -> ${outW}x${outH}: ${(err as Error).message}`);
      }
    }
  },
});

Deno.test({
  name: "webgpu tensor path gives the reference values and stays on the webgpu backend",
  ...gpuTest,
  fn: async () => {
    await initBackend("webgpu");
    for (const [i, [w, h, outW, outH]] of SIZES.entries()) {
      const frame = randomFrame(w, h, 200 + i);
      const before = tf.memory().numTensors;
      const t = resizeRgbTensorWebGPU(frame, w, h, outW, outH);
      assert.deepEqual(t.shape, [outH, outW, 3]);
      assert.equal(t.dtype, "float32");
      // A tfjs op on it runs on the GPU, proving the tensor is usable, not just readable.
      const doubled = tf.mul(t, 2);
      assertClose(await t.data(), resizeRgbReference(frame, w, h, outW, outH), 1e-5);
      assertClose(
        await doubled.data(),
        resizeRgbReference(frame, w, h, outW, outH).map((v) => 2 * v),
        2e-5,
      );
      tf.dispose([t, doubled]);
      assert.equal(tf.memory().numTensors, before, "tensors leaked");
    }
  },
});

Deno.test({
  name: "webgpu tensors from consecutive frames keep their own values",
  ...gpuTest,
  fn: async () => {
    // The kernel reuses one scratch output buffer per device: each tensor must hold a copy.
    await initBackend("webgpu");
    const a = randomFrame(224, 224, 7);
    const b = randomFrame(224, 224, 8);
    const ta = resizeRgbTensorWebGPU(a, 224, 224, 32, 32);
    const tb = resizeRgbTensorWebGPU(b, 224, 224, 32, 32);
    assertClose(await ta.data(), resizeRgbReference(a, 224, 224, 32, 32), 1e-5);
    assertClose(await tb.data(), resizeRgbReference(b, 224, 224, 32, 32), 1e-5);
    tf.dispose([ta, tb]);
  },
});

Deno.test({
  name: "resizeRgbTensor uses the reference on cpu and the kernel on webgpu, same values",
  ...gpuTest,
  fn: async () => {
    const frame = randomFrame(224, 224, 9);
    const expected = resizeRgbReference(frame, 224, 224, 32, 32);
    await initBackend("cpu");
    assert.throws(() => resizeRgbTensorWebGPU(frame, 224, 224, 32, 32), /needs the tfjs "webgpu"/);
    const onCpu = resizeRgbTensor(frame, 224, 224, 32, 32);
    assertClose(await onCpu.data(), expected, 1e-7);
    onCpu.dispose();
    await initBackend("webgpu");
    const onGpu = resizeRgbTensor(frame, 224, 224, 32, 32);
    assertClose(await onGpu.data(), expected, 1e-5);
    onGpu.dispose();
  },
});
