/**
 * Islands of a live scene, cut at the working frame's pixels from two kinds of evidence:
 *
 * - **What the stream says moved or changed.** A `SceneModel` learns the camera's usual scene
 *   pixel by pixel; what it does not expect becomes foreground (`foregroundMask`), each
 *   connected part an island of its own: people, vehicles, anything that entered or stopped.
 *   Only parts outlined in the frame count: ghosts (the usual scene still holding something
 *   that left) are outlined in the usual scene instead and are learnt away at once; changes
 *   without an outline (haze, drifting light) are left to the background's learning. When most of the frame is surprising the camera moved
 *   or the scene was cut: the model takes the frame as the new usual scene.
 * - **What the APM's field says agrees.** The rest, the background, is cut into at most
 *   `maxBackground` islands of agreement of the field joined with the frame's colour
 *   (`segmentField` on the lattice, `joinColor`), upsampled edge-aware to the frame.
 *
 * One per stream (the scene model and the previous foreground are state); frames keep one size.
 *
 * @module
 */

import { joinColor } from "./color_field.ts";
import { type Foreground, foregroundMask, type ForegroundOptions } from "./foreground_mask.ts";
import { SceneModel, type SceneModelOptions } from "./scene_model.ts";
import { segmentField, type SegmentOptions } from "./segment_field.ts";
import { type JoinedParts, joinParts } from "./join_parts.ts";
import { splitMerged, type SplitState } from "./split_merged.ts";
import type { FeatureField } from "./types.ts";
import { upsampleLabels } from "./upsample_labels.ts";

/** Options of {@linkcode SceneIslands}. */
export interface SceneIslandsOptions {
  /** The usual scene: learning rates, thresholds. */
  scene?: SceneModelOptions;
  /** How surprise becomes foreground. */
  foreground?: ForegroundOptions;
  /** How the background's field is cut (its `maxIslands` is `maxBackground`). */
  segment?: SegmentOptions;
  /** Share of the background's agreement given to colour (`joinColor`); 0: the field alone. */
  colorWeight?: number;
  /**
   * At most this many background islands: the background is context, the things in front of
   * it are what subscribers count and follow.
   *
   * @default {8}
   */
  maxBackground?: number;
  /** Take the whole frame as the new usual scene when more than this share is foreground. */
  sceneChange?: number;
  /** Use the previous frame's foreground as a prior (see `foregroundMask`). @default {true} */
  temporalPrior?: boolean;
  /** Keep only foreground outlined in the frame; learn ghosts away. @default {true} */
  outlines?: boolean;
  /** Detect snow and rain, and take the white they add out of the residual. @default {true} */
  precipitation?: boolean;
  /** Use the APM's feature surprise where the caller gives it. @default {true} */
  featureSurprise?: boolean;
  /** Split regions that swallowed things apart before (`split_merged.ts`). @default {true} */
  splitMerged?: boolean;
  /**
   * Join parts of one thing that the shadow test cut apart (`join_parts.ts`; it judges motion
   * by `splitMerged`, so it runs only with it). @default {true}
   */
  joinParts?: boolean;
  /** Drop foreground the usual scene explains nearby (`SceneModel.explainNearby`). @default {true} */
  explainNearby?: boolean;
}

/** One frame cut into islands (labels not yet tracked). */
export interface SceneCut {
  /** `width * height` labels `0..background+foreground-1`: background islands first. */
  labels: Int32Array;
  /** Background islands (labels `0..background-1`). */
  background: number;
  /** Foreground islands (labels from `background`). */
  foreground: number;
  /** The foreground of the frame (its mask and components). */
  mask: Foreground;
}

/** Default {@linkcode SceneIslandsOptions.maxBackground}. */
export const DEFAULT_MAX_BACKGROUND = 8;
const DEFAULT_SCENE_CHANGE = 0.6;
/**
 * Share of the frame turning whiter above which it counts as snowing or raining: a shaking
 * camera's textured scene stays under 3% (its edges flicker), snow 3 is about 20%.
 */
const PRECIPITATION = 0.05;
/** Outline ratios (`SceneModel.outlineRatio`) of an object (at least) and a ghost (below). */
const OBJECT_OUTLINE = 1.2;
const GHOST_OUTLINE = 1 / 1.5;

/**
 * Cuts each frame of a stream into background and foreground islands.
 *
 * @example
 * ```ts
 * import { SceneIslands } from "./scene_islands.ts";
 * const islands = new SceneIslands(32, 24);
 * const frame = new Uint8Array(32 * 24 * 3).fill(90);
 * const field = { width: 8, height: 6, dim: 2, data: new Float32Array(8 * 6 * 2).fill(1) };
 * const cut = islands.cut(frame, field, null);
 * cut.background; // 1
 * ```
 */
export class SceneIslands {
  readonly width: number;
  readonly height: number;
  readonly #options: SceneIslandsOptions;
  readonly #model: SceneModel;
  #prior: Uint8Array | null = null;
  #precipitation = 0;
  #split: SplitState | null = null;
  #joined: JoinedParts | null = null;

  constructor(width: number, height: number, options: SceneIslandsOptions = {}) {
    this.width = width;
    this.height = height;
    this.#options = options;
    this.#model = new SceneModel(width, height, options.scene);
  }

  /** Share of the frame turning whiter than usual, over about a second (see `precipitation`). */
  get precipitationLevel(): number {
    return this.#precipitation;
  }

  /**
   * Cuts `frame` (`width * height * 3` bytes, rgb24). `field` is the APM's field on its
   * lattice; `colors` the frame's mean colour in each lattice cell (`[0, 1]`, 3 per cell), or
   * null when `colorWeight` is 0; `featureError`, per lattice location, what the APM still
   * fails to predict of its teacher (`TrainerResult.featureError`), or null.
   */
  cut(
    frame: Uint8Array,
    field: FeatureField,
    colors: Float32Array | null,
    featureError: Float32Array | null = null,
  ): SceneCut {
    const { width, height } = this;
    const n = width * height;
    const model = this.#model;
    const o = this.#options;
    const raining = o.precipitation !== false && this.#precipitation > PRECIPITATION;
    const observation = model.observe(frame, { precipitation: raining });
    // Precipitation: the share of the frame turning whiter than usual, over about a second.
    // Dry scenes stay low (a white shirt is a fraction of a percent).
    this.#precipitation += 0.1 * (observation.white - this.#precipitation);
    const fg = foregroundMask(
      observation,
      width,
      height,
      o.temporalPrior === false ? null : this.#prior,
      o.foreground,
      featureError && o.featureSurprise !== false
        ? featureSurprise(featureError, field.width, field.height, width, height)
        : null,
      o.explainNearby === false ? null : (mask) => model.explainNearby(mask),
    );
    if (o.outlines !== false) this.#keepOutlined(fg);
    let area = 0;
    for (let i = 0; i < n; i++) area += fg.mask[i];
    if (area > (o.sceneChange ?? DEFAULT_SCENE_CHANGE) * n) {
      // The camera moved or the scene was cut: start the usual scene afresh from this frame.
      model.absorb(new Uint8Array(n).fill(1));
      fg.mask.fill(0);
      fg.labels.fill(0);
      fg.count = 0;
      fg.areas = [0];
    }
    if (o.splitMerged !== false) {
      // Things that touch stay apart when they were apart before.
      const split = splitMerged(fg.labels, fg.count, width, height, this.#split);
      this.#split = split.state;
      fg.labels = split.labels;
      fg.count = split.count;
      if (o.joinParts !== false) {
        // Parts of one thing that the shadow test cut apart stay one island, band and all.
        const joined = joinParts(
          fg.labels,
          fg.count,
          fg.regions,
          width,
          height,
          split.state,
          this.#joined,
        );
        this.#joined = joined;
        fg.labels = joined.labels;
        fg.count = joined.count;
      }
      // The mask follows the labels: joining fills the bands between parts.
      fg.areas = new Array(fg.count + 1).fill(0);
      for (let i = 0; i < n; i++) {
        fg.areas[fg.labels[i]]++;
        fg.mask[i] = fg.labels[i] > 0 ? 1 : 0;
      }
      fg.areas[0] = 0;
    }
    model.learn(fg.mask);
    this.#prior = fg.mask;

    const colorWeight = o.colorWeight ?? 0;
    const joined = colorWeight > 0 && colors ? joinColor(field, colors, colorWeight) : field;
    const coarse = segmentField(joined, {
      ...o.segment,
      maxIslands: o.maxBackground ?? DEFAULT_MAX_BACKGROUND,
    });
    let background = 0;
    for (let i = 0; i < coarse.length; i++) if (coarse[i] >= background) background = coarse[i] + 1;
    const labels = field.width === width && field.height === height
      ? coarse
      : upsampleLabels(coarse, field.width, field.height, frame, width, height, width, height);
    // Background islands that the foreground covers entirely vanish: renumber densely.
    const fgLabels = fg.labels;
    const present = new Int32Array(background).fill(-1);
    let next = 0;
    for (let i = 0; i < n; i++) {
      if (fgLabels[i] === 0 && present[labels[i]] < 0) present[labels[i]] = next++;
    }
    for (let i = 0; i < n; i++) {
      labels[i] = fgLabels[i] === 0 ? present[labels[i]] : next + fgLabels[i] - 1;
    }
    return { labels, background: next, foreground: fg.count, mask: fg };
  }

  /**
   * Keeps only the components of `fg` that are outlined in the frame (see
   * `SceneModel.outlineRatio`). Ghosts are learnt away at once; changes without an outline
   * (haze, drifting light) are left to the background's learning rate.
   */
  #keepOutlined(fg: Foreground): void {
    if (fg.count === 0) return;
    const ratio = this.#model.outlineRatio(fg.labels, fg.count);
    const renumber = new Int32Array(fg.count + 1);
    const areas = [0];
    for (let k = 1; k <= fg.count; k++) {
      if (ratio[k] < OBJECT_OUTLINE) continue;
      renumber[k] = areas.length;
      areas.push(fg.areas[k]);
    }
    if (areas.length - 1 === fg.count) return;
    const ghosts = new Uint8Array(fg.mask.length);
    for (let i = 0; i < ghosts.length; i++) {
      const k = fg.labels[i];
      if (k !== 0 && ratio[k] < GHOST_OUTLINE) ghosts[i] = 1;
      fg.labels[i] = renumber[k];
      fg.mask[i] = renumber[k] > 0 ? 1 : 0;
    }
    fg.count = areas.length - 1;
    fg.areas = areas;
    this.#model.absorb(ghosts);
  }
}

/**
 * The APM's feature error per lattice location as per-pixel surprise: in units of the frame's
 * median error (what the APM ordinarily fails to fit), bilinearly upsampled to the frame.
 */
function featureSurprise(
  error: Float32Array,
  latticeW: number,
  latticeH: number,
  width: number,
  height: number,
): Float32Array {
  const sorted = Float32Array.from(error).sort();
  const median = Math.max(sorted[sorted.length >> 1], 1e-9);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const v = Math.min(latticeH - 1, Math.max(0, ((y + 0.5) * latticeH) / height - 0.5));
    const y0 = Math.floor(v), y1 = Math.min(latticeH - 1, y0 + 1), fy = v - y0;
    for (let x = 0; x < width; x++) {
      const u = Math.min(latticeW - 1, Math.max(0, ((x + 0.5) * latticeW) / width - 0.5));
      const x0 = Math.floor(u), x1 = Math.min(latticeW - 1, x0 + 1), fx = u - x0;
      const top = error[y0 * latticeW + x0] * (1 - fx) + error[y0 * latticeW + x1] * fx;
      const bottom = error[y1 * latticeW + x0] * (1 - fx) + error[y1 * latticeW + x1] * fx;
      out[y * width + x] = (top * (1 - fy) + bottom * fy) / median;
    }
  }
  return out;
}
