/**
 * The teacher: a pretrained MobileNetV2 (the Keras weights that `npm:nsfwjs@4.4.0` bundles),
 * of which only an intermediate feature map is used, never the classifier.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { MobileNetV2Model } from "nsfwjs/models/mobilenet_v2";
import { DEFAULT_APM_CONFIG } from "./apm_config.ts";

/** A pretrained dense feature extractor. */
export interface Teacher {
  /** What it is, for logs and the API. */
  readonly name: string;
  /** Channels of its feature map. */
  readonly dim: number;
  /** Side of the square input it expects, in pixels. */
  readonly inputSize: number;
  /**
   * Feature grid `[grid^2, dim]`, row-major, each location scaled to unit RMS per channel
   * (norm sqrt(dim)) so the feature loss is O(1) and islands (which compare directions) see
   * what the teacher sees. `frame` is `[inputSize, inputSize, 3]` in [0, 1].
   */
  features(frame: tf.Tensor3D, grid: number): tf.Tensor2D;
  dispose(): void;
}

/** Loads MobileNetV2 from the bundled weights (no network) and cuts it at `layer`. */
export async function loadMobileNetV2Teacher(
  layer = DEFAULT_APM_CONFIG.teacherLayer,
  projectTo = 0,
): Promise<Teacher> {
  const json = (await MobileNetV2Model.modelJson()).default as {
    modelTopology: tf.io.ModelJSON["modelTopology"];
    weightsManifest: tf.io.WeightsManifestConfig;
  };
  const base64 = (await MobileNetV2Model.weightBundles[0]()).default as string;
  const weightData = Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0)).buffer;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const full = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }),
  );
  // One layer, or several ("a,b"): each map is resized to the grid and scaled to unit RMS per
  // location before they are joined, so a fine map (56 x 56) and a coarse one (28 x 28) weigh
  // alike whatever their channel counts and activation scales.
  const layers = layer.split(",").map((l) => l.trim());
  let cut: tf.LayersModel;
  try {
    cut = tf.model({
      inputs: full.inputs,
      outputs: layers.map((l) => full.getLayer(l).output as tf.SymbolicTensor),
    });
  } catch (err) {
    throw new Error(
      `teacher layer "${layer}" not found in MobileNetV2: use e.g. ` +
        `"block_6_expand_relu" (28x28x192), "block_13_expand_relu" (14x14x576), or several ` +
        `joined by commas ("block_3_expand_relu,block_6_expand_relu")`,
      { cause: err },
    );
  }
  const outShapes = cut.outputs.map((o) => o.shape);
  const channelsOf = outShapes.map((sh) => sh[sh.length - 1] as number);
  const channels = channelsOf.reduce((a, c) => a + c, 0);
  // A fixed random projection (seeded, so every run and every restart sees the same targets)
  // keeps cosine geometry (Johnson-Lindenstrauss) while the APM fits far fewer dimensions.
  const projection = projectTo > 0 && projectTo < channels
    ? tf.randomNormal([channels, projectTo], 0, 1 / Math.sqrt(projectTo), "float32", 7)
    : null;
  const dim = projection ? projectTo : channels;
  return {
    name: `mobilenet_v2/${layer}` + (projection ? `->${dim}` : ""),
    dim,
    inputSize: 224,
    features(frame, grid) {
      return tf.tidy(() => {
        const out = cut.predict(frame.expandDims(0)) as tf.Tensor4D | tf.Tensor4D[];
        const maps = Array.isArray(out) ? out : [out];
        const parts = maps.map((map, i) => {
          const resized = tf.image.resizeBilinear(map, [grid, grid], false, true);
          const part = resized.reshape([grid * grid, channelsOf[i]]) as tf.Tensor2D;
          if (maps.length === 1) return part;
          return tf.div(part, tf.sqrt(tf.mean(tf.square(part), 1, true)).add(1e-6)) as tf.Tensor2D;
        });
        let flat = parts.length === 1 ? parts[0] : tf.concat(parts, 1) as tf.Tensor2D;
        if (projection) flat = tf.matMul(flat, projection);
        const norm = tf.sqrt(tf.mean(tf.square(flat), 1, true)).add(1e-6);
        return tf.div(flat, norm) as tf.Tensor2D;
      });
    },
    dispose() {
      full.dispose();
      projection?.dispose();
    },
  };
}
