/**
 * Frame preprocessing on whichever tfjs backend is active: the WebGPU kernel on `webgpu` (the
 * result stays on the GPU), the TypeScript reference elsewhere (`wasm`, `cpu`). Both resize a
 * packed `rgb24` frame by area averaging to float32 `[outH, outW, 3]` in `[0, 1]`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { resizeRgbReference } from "./resize_rgb_reference.ts";
import { resizeRgbTensorWebGPU } from "./resize_rgb_webgpu.ts";

/**
 * Resizes a packed `rgb24` frame into a float32 tensor `[outH, outW, 3]` in `[0, 1]` on the
 * active tfjs backend. The caller disposes the tensor.
 *
 * @example
 * ```ts
 * await initBackend("auto");
 * const x = resizeRgbTensor(frame.data, frame.width, frame.height, 224, 224);
 * x.dispose();
 * ```
 */
export function resizeRgbTensor(
  frame: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): tf.Tensor3D {
  if (tf.getBackend() === "webgpu") return resizeRgbTensorWebGPU(frame, w, h, outW, outH);
  return tf.tensor3d(resizeRgbReference(frame, w, h, outW, outH), [outH, outW, 3], "float32");
}
