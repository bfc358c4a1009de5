/**
 * The teacher: a pretrained MobileNetV2 (the Keras weights that `npm:nsfwjs@4.4.0` bundles),
 * of which only an intermediate feature map is used, never the classifier.
 *
 * The net takes a 224 x 224 square. A frame of another shape is letterboxed into it, never
 * squashed: resized (aspect kept) to fit, centred, the rest padded with the frame's mean colour;
 * the feature map is then read only over the frame's own region, at the grid's cell centres.
 * A squashed frame would hand the APM features of a distorted scene (circles as ellipses,
 * textures stretched by 1.8x on 16:9 cameras), which it would then have to unlearn.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { MobileNetV2Model } from "nsfwjs/models/mobilenet_v2";
import { DEFAULT_APM_CONFIG, type Size } from "./apm_config.ts";

/** Side of the square MobileNetV2 input, pixels. */
export const TEACHER_INPUT_SIZE = 224;

/** A pretrained dense feature extractor. */
export interface Teacher {
  /** What it is, for logs and the API. */
  readonly name: string;
  /** Channels of its feature map. */
  readonly dim: number;
  /** Side of the square input it runs at, in pixels; other frames are letterboxed into it. */
  readonly inputSize: number;
  /**
   * Feature grid `[gridW * gridH, dim]` of `frame` (`[height, width, 3]` in [0, 1], any size),
   * row-major, each location scaled to unit RMS per channel (norm sqrt(dim)) so the feature loss
   * is O(1) and islands (which compare directions) see what the teacher sees. The frame is
   * letterboxed into the input (see the module doc; a frame already at its
   * {@linkcode letterboxFit} size is not resized again) and grid cell `(x, y)` reads the feature
   * map bilinearly at the centre of the frame's region it covers. `gridH` defaults to `gridW`.
   */
  features(frame: tf.Tensor3D, gridW: number, gridH?: number): tf.Tensor2D;
  dispose(): void;
}

/**
 * The size a `width x height` frame is resized to for the teacher: the largest that fits a
 * `side x side` square with the aspect kept (rounded, at least 1 pixel a side).
 *
 * @example
 * ```ts
 * letterboxFit(640, 360, 224); // { width: 224, height: 126 }
 * ```
 */
export function letterboxFit(width: number, height: number, side: number): Size {
  const scale = side / Math.max(width, height);
  return {
    width: Math.max(1, Math.min(side, Math.round(width * scale))),
    height: Math.max(1, Math.min(side, Math.round(height * scale))),
  };
}

/**
 * Where a `fit`-sized frame lies in the `side x side` input: centred, so the padding (and what
 * the net makes of it) is shared evenly by both borders.
 */
function letterboxOffset(fit: Size, side: number): { left: number; top: number } {
  return {
    left: Math.floor((side - fit.width) / 2),
    top: Math.floor((side - fit.height) / 2),
  };
}

/**
 * Bilinear interpolation along one axis of a feature map of `mapN` cells over `side` input pixels,
 * as a `[cells, mapN]` matrix: row `j` weighs the two map cells around the centre of grid cell
 * `j` of the frame's `[offset, offset + extent)`. Same convention as `resizeBilinear` with half
 * pixel centres (clamped at the edges), which it equals when the frame fills the input.
 */
function axisWeights(
  cells: number,
  extent: number,
  offset: number,
  mapN: number,
  side: number,
): Float32Array {
  const m = new Float32Array(cells * mapN);
  const stride = side / mapN;
  for (let j = 0; j < cells; j++) {
    const centre = offset + ((j + 0.5) * extent) / cells;
    const u = Math.min(mapN - 1, Math.max(0, centre / stride - 0.5));
    const lo = Math.floor(u);
    const hi = Math.min(mapN - 1, lo + 1);
    m[j * mapN + lo] += 1 - (u - lo);
    m[j * mapN + hi] += u - lo;
  }
  return m;
}

/** Reads a feature map at a grid's cells over the letterboxed frame's region. */
export interface MapSampler {
  /** `map` `[mapH, mapW, c]` at the grid's cells: `[gridH, gridW, c]`. */
  sample(map: tf.Tensor3D): tf.Tensor3D;
  dispose(): void;
}

/**
 * A sampler of a `mapH x mapW` feature map of a `side x side` input holding a `fit`-sized frame
 * letterboxed (centred) at a `grid`'s cell centres, bilinearly (see `axisWeights`). Two small
 * matMuls: tfjs-wasm's `gather` along an inner axis took 20 ms here, the matMuls 3.
 * Exported for tests.
 */
export function createMapSampler(
  mapH: number,
  mapW: number,
  fit: Size,
  grid: Size,
  side: number,
): MapSampler {
  const { left, top } = letterboxOffset(fit, side);
  // Kept: a sampler outlives the call that made it, even one made inside a caller's tf.tidy.
  const rows = tf.keep(
    tf.tensor2d(axisWeights(grid.height, fit.height, top, mapH, side), [grid.height, mapH]),
  );
  const colsT = tf.keep(tf.tidy(() =>
    tf.transpose(
      tf.tensor2d(axisWeights(grid.width, fit.width, left, mapW, side), [grid.width, mapW]),
    )
  ));
  return {
    sample(map) {
      return tf.tidy(() => {
        const c = map.shape[2];
        // Rows first: [gridH, mapW * c]; then columns, with the channels moved out of the way.
        const r = tf.matMul(rows, map.reshape([mapH, mapW * c])).reshape([grid.height, mapW, c]);
        const byColumn = tf.transpose(r, [0, 2, 1]).reshape([grid.height * c, mapW]);
        return tf.matMul(byColumn as tf.Tensor2D, colsT as tf.Tensor2D)
          .reshape([grid.height, c, grid.width])
          .transpose([0, 2, 1]) as tf.Tensor3D;
      });
    },
    dispose() {
      rows.dispose();
      colsT.dispose();
    },
  };
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
  // One layer, or several ("a,b"): each map is sampled at the grid and scaled to unit RMS per
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
  const side = TEACHER_INPUT_SIZE;
  // A stream's frames keep one size, so its samplers are made once.
  const samplers = new Map<string, MapSampler>();
  const samplerFor = (mapShape: number[], fit: Size, grid: Size) => {
    const [h, w] = [mapShape[1], mapShape[2]];
    const key = `${w}x${h}/${fit.width}x${fit.height}/${grid.width}x${grid.height}`;
    let s = samplers.get(key);
    if (!s) {
      s = createMapSampler(h, w, fit, grid, side);
      samplers.set(key, s);
    }
    return s;
  };
  return {
    name: `mobilenet_v2/${layer}` + (projection ? `->${dim}` : ""),
    dim,
    inputSize: side,
    features(frame, gridW, gridH = gridW) {
      const [h, w] = frame.shape;
      const fit = letterboxFit(w, h, side);
      const grid = { width: gridW, height: gridH };
      // Outside the tidy: the samplers outlive this call.
      const mapSamplers = outShapes.map((sh) => samplerFor(sh as number[], fit, grid));
      return tf.tidy(() => {
        let input: tf.Tensor3D = fit.width === w && fit.height === h
          ? frame
          : tf.image.resizeBilinear(frame, [fit.height, fit.width], false, true);
        if (fit.width < side || fit.height < side) {
          // Padded with the frame's mean colour: no edge the net could mistake for content.
          const { left, top } = letterboxOffset(fit, side);
          const mean = tf.mean(input, [0, 1], true);
          input = tf.add(
            tf.pad(tf.sub(input, mean), [
              [top, side - fit.height - top],
              [left, side - fit.width - left],
              [0, 0],
            ]),
            mean,
          ) as tf.Tensor3D;
        }
        const out = cut.predict(input.expandDims(0)) as tf.Tensor4D | tf.Tensor4D[];
        const maps = Array.isArray(out) ? out : [out];
        const parts = maps.map((map, i) => {
          const cells = mapSamplers[i].sample(map.squeeze([0]) as tf.Tensor3D);
          const part = cells.reshape([gridW * gridH, channelsOf[i]]) as tf.Tensor2D;
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
      for (const s of samplers.values()) s.dispose();
      samplers.clear();
    },
  };
}
