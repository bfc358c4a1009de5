/**
 * Frame preprocessing on the GPU: a packed `rgb24` frame resized by area averaging to float32
 * `[outH, outW, 3]` in `[0, 1]`, in one compute dispatch. Same semantics as
 * `resizeRgbReference` (see `resize_rgb_reference.ts`), which the tests hold it to.
 *
 * The frame travels as its raw bytes, read by the shader as little-endian `u32` words (WGSL has
 * no 8-bit storage type); a frame whose byte length is not a multiple of 4 gets its last word
 * zero-padded. Coverage weights are integers (units of `1 / (outW * outH)` of a source pixel)
 * and sums are `u32`, so the only rounding is the final division.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { checkResizeArgs } from "./resize_rgb_reference.ts";

/** Threads per workgroup along x and y: one thread per output pixel. */
export const WORKGROUP_SIZE = 8;

/** The WGSL compute shader. Bindings: 0 = frame words, 1 = output floats, 2 = sizes. */
export const RESIZE_RGB_WGSL = /* wgsl */ `
struct Sizes { srcW: u32, srcH: u32, dstW: u32, dstH: u32 }

@group(0) @binding(0) var<storage, read> src: array<u32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@group(0) @binding(2) var<uniform> sizes: Sizes;

fn srcByte(i: u32) -> u32 {
  return (src[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu;
}

@compute @workgroup_size(${WORKGROUP_SIZE}, ${WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let ox = gid.x;
  let oy = gid.y;
  if (ox >= sizes.dstW || oy >= sizes.dstH) {
    return;
  }
  // The output pixel's span, in units of 1/dstW (x) and 1/dstH (y) source pixels.
  let x0 = ox * sizes.srcW;
  let x1 = x0 + sizes.srcW;
  let y0 = oy * sizes.srcH;
  let y1 = y0 + sizes.srcH;
  let ix0 = x0 / sizes.dstW;
  let ix1 = (x1 + sizes.dstW - 1u) / sizes.dstW;
  let iy0 = y0 / sizes.dstH;
  let iy1 = (y1 + sizes.dstH - 1u) / sizes.dstH;

  var acc = vec3<u32>(0u);
  for (var iy = iy0; iy < iy1; iy++) {
    let wy = min((iy + 1u) * sizes.dstH, y1) - max(iy * sizes.dstH, y0);
    var row = vec3<u32>(0u);
    for (var ix = ix0; ix < ix1; ix++) {
      let wx = min((ix + 1u) * sizes.dstW, x1) - max(ix * sizes.dstW, x0);
      let s = (iy * sizes.srcW + ix) * 3u;
      row += wx * vec3<u32>(srcByte(s), srcByte(s + 1u), srcByte(s + 2u));
    }
    acc += wy * row;
  }
  let denom = f32(sizes.srcW * sizes.srcH * 255u);
  let o = (oy * sizes.dstW + ox) * 3u;
  dst[o] = f32(acc.x) / denom;
  dst[o + 1u] = f32(acc.y) / denom;
  dst[o + 2u] = f32(acc.z) / denom;
}
`;

/**
 * Usage of every output buffer: what tfjs-webgpu requires of a buffer it wraps in a tensor
 * (`STORAGE | COPY_SRC`) plus `COPY_DST`, so that tfjs's copy of it lands in its own pool of
 * ordinary tensor buffers (tfjs pools by size and usage, and its tensors use all three).
 */
export const OUTPUT_USAGE = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC |
  GPUBufferUsage.COPY_DST;

/** Per-device state: the compiled pipeline and scratch buffers reused from frame to frame. */
interface DeviceState {
  pipeline: GPUComputePipeline;
  sizes: GPUBuffer;
  frame?: GPUBuffer;
  output?: GPUBuffer;
}

// A WeakMap so that a lost or dropped device takes its pipeline and scratch buffers with it.
const states = new WeakMap<GPUDevice, DeviceState>();

function stateFor(device: GPUDevice): DeviceState {
  let state = states.get(device);
  if (!state) {
    const module = device.createShaderModule({ label: "resize_rgb", code: RESIZE_RGB_WGSL });
    state = {
      pipeline: device.createComputePipeline({
        label: "resize_rgb",
        layout: "auto",
        compute: { module, entryPoint: "main" },
      }),
      sizes: device.createBuffer({
        label: "resize_rgb sizes",
        size: 16,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      }),
    };
    states.set(device, state);
  }
  return state;
}

// Grows (never shrinks) the reusable frame buffer. Reuse is safe: queue writes and submits run
// in order, so the next frame's upload lands after the previous dispatch has read this one.
function frameBuffer(device: GPUDevice, state: DeviceState, bytes: number): GPUBuffer {
  if (!state.frame || state.frame.size < bytes) {
    state.frame?.destroy();
    state.frame = device.createBuffer({
      label: "resize_rgb frame",
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
  }
  return state.frame;
}

/** Uploads the frame and encodes and submits the dispatch that writes `output`. */
function dispatch(
  device: GPUDevice,
  state: DeviceState,
  frame: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  output: GPUBuffer,
): void {
  const whole = frame.length & ~3;
  const padded = whole === frame.length ? whole : whole + 4;
  const input = frameBuffer(device, state, padded);
  // writeBuffer needs a multiple of 4 bytes: the whole words go straight from the frame, and a
  // 1-3 byte tail goes as one zero-padded word.
  // (The cast satisfies TypeScript 6's BufferSource, which excludes SharedArrayBuffer views.)
  if (whole > 0) device.queue.writeBuffer(input, 0, frame as Uint8Array<ArrayBuffer>, 0, whole);
  if (padded !== whole) {
    const tail = new Uint8Array(4);
    tail.set(frame.subarray(whole));
    device.queue.writeBuffer(input, whole, tail);
  }
  device.queue.writeBuffer(state.sizes, 0, new Uint32Array([w, h, outW, outH]));

  const bindGroup = device.createBindGroup({
    layout: state.pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: input, size: padded } },
      { binding: 1, resource: { buffer: output, size: outW * outH * 3 * 4 } },
      { binding: 2, resource: { buffer: state.sizes } },
    ],
  });
  const encoder = device.createCommandEncoder({ label: "resize_rgb" });
  const pass = encoder.beginComputePass();
  pass.setPipeline(state.pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(outW / WORKGROUP_SIZE), Math.ceil(outH / WORKGROUP_SIZE));
  pass.end();
  device.queue.submit([encoder.finish()]);
}

/**
 * Resizes a packed `rgb24` frame on `device` and returns a new GPU buffer holding float32
 * `[outH, outW, 3]` in `[0, 1]` (usage {@linkcode OUTPUT_USAGE}). The caller owns the buffer
 * and destroys it. The work is submitted, not awaited: read it back or use it in later
 * submissions on the same device.
 *
 * @example
 * ```ts
 * const device = (tf.backend() as WebGPUBackend).device;
 * const buf = resizeRgbWebGPU(device, frame.data, frame.width, frame.height, 32, 32);
 * // ... bind buf, or copy it out ...
 * buf.destroy();
 * ```
 */
export function resizeRgbWebGPU(
  device: GPUDevice,
  frame: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): GPUBuffer {
  checkResizeArgs(frame, w, h, outW, outH);
  const state = stateFor(device);
  const output = device.createBuffer({
    label: "resize_rgb output",
    size: outW * outH * 3 * 4,
    usage: OUTPUT_USAGE,
  });
  dispatch(device, state, frame, w, h, outW, outH, output);
  return output;
}

/**
 * Resizes a packed `rgb24` frame on the GPU of tfjs's active `webgpu` backend and returns the
 * result as a float32 tensor `[outH, outW, 3]` in `[0, 1]` that never visits the CPU. The
 * tensor is an ordinary tfjs tensor: dispose it as usual. Read it with `await t.data()`
 * (`dataSync()` fails under Deno).
 *
 * The kernel writes a scratch buffer kept per device, and
 * `tf.tensor({ buffer }, shape, "float32")` copies it on the GPU into a buffer from tfjs's own
 * pool, so no GPU buffer is allocated per frame and none outlives its tensor.
 *
 * @example
 * ```ts
 * await initBackend("webgpu");
 * const x = resizeRgbTensorWebGPU(frame.data, frame.width, frame.height, 32, 32);
 * const values = await x.data();
 * x.dispose();
 * ```
 */
export function resizeRgbTensorWebGPU(
  frame: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): tf.Tensor3D {
  if (tf.getBackend() !== "webgpu") {
    throw new Error(
      `resizeRgbTensorWebGPU needs the tfjs "webgpu" backend, the active one is ` +
        `"${tf.getBackend()}": call initBackend("webgpu") or use resizeRgbReference`,
    );
  }
  checkResizeArgs(frame, w, h, outW, outH);
  const device = (tf.backend() as WebGPUBackend).device;
  const state = stateFor(device);
  const bytes = outW * outH * 3 * 4;
  // Exactly the tensor's size: tfjs copies the whole buffer into a pool buffer of that size.
  if (!state.output || state.output.size !== bytes) {
    state.output?.destroy();
    state.output = device.createBuffer({
      label: "resize_rgb scratch output",
      size: bytes,
      usage: OUTPUT_USAGE,
    });
  }
  dispatch(device, state, frame, w, h, outW, outH, state.output);
  // Without zeroCopy tfjs copies the buffer (a GPU-side copy, submitted at once), so the scratch
  // buffer is free for the next frame; queue order keeps the next dispatch after this copy.
  return tf.tensor({ buffer: state.output }, [outH, outW, 3], "float32") as tf.Tensor3D;
}
