/**
 * Turns one published frame into what each subscription asked for. Everything costly (upsampled
 * labels, JPEG, serialised text or bytes) is computed once per frame per distinct option set, so
 * 200 subscribers with the same options cost one encoding; only `sub` and `dropped` differ.
 *
 * Sizes are capped where more pixels would add nothing: labels asked at an explicit size are
 * fitted within the source's own resolution (and `MAX_OUTPUT_SIDE`), the frame's JPEG within the
 * working frame the engine saw. Heavy option sets share the `EncodingBudget`.
 *
 * @module
 */
import type { PublishedFrame } from "../pipeline/stream_pipeline.ts";
import {
  fitInside,
  labelSize,
  type ResampledMap,
  resampleMap,
} from "../islands/resample_labels.ts";
import { prepareJsonMap } from "../islands/wire_json.ts";
import { prepareBinaryMap } from "../islands/wire_binary.ts";
import type { WireMap } from "../islands/wire_json.ts";
import { MAX_OUTPUT_SIDE, type SubscriptionOptions } from "./client_messages.ts";
import type { EncodingBudget } from "./encoding_budget.ts";
import { encodeJpeg } from "./image/jpeg.ts";
import { resizeRgb } from "./image/resize.ts";

/** Renders the final message for one subscriber. */
export type RenderMap = (sub: number, dropped: number) => string | Uint8Array;

/** One frame's encodings, cached by the options that shape them. */
export class FrameEncoder {
  readonly frame: PublishedFrame;
  #renders = new Map<string, RenderMap>();
  #maps = new Map<string, ResampledMap>();
  #jpegs = new Map<string, { width: number; height: number; data: Uint8Array }>();
  #budget: EncodingBudget | null;
  /** Whether each option set is encoded for this frame, decided once for all its subscribers. */
  #admitted = new Map<string, boolean>();

  constructor(frame: PublishedFrame, budget: EncodingBudget | null = null) {
    this.frame = frame;
    this.#budget = budget;
  }

  /**
   * Whether maps with these options are sent for this frame (the `EncodingBudget`'s say; always
   * without a budget). The same answer for every subscriber with the same options.
   */
  admits(o: SubscriptionOptions): boolean {
    const key = this.#budgetKey(o);
    let ok = this.#admitted.get(key);
    if (ok === undefined) {
      ok = this.#budget ? this.#budget.admits(key, performance.now()) : true;
      this.#admitted.set(key, ok);
    }
    return ok;
  }

  /** The renderer for these options (built on first use). */
  renderer(o: SubscriptionOptions): RenderMap {
    const key = optionsKey(o);
    let render = this.#renders.get(key);
    if (!render) {
      const t0 = performance.now();
      const wire = this.#wireMap(o);
      render = o.format === "binary" ? prepareBinaryMap(wire, o.rle) : prepareJsonMap(wire);
      this.#renders.set(key, render);
      const t1 = performance.now();
      this.#budget?.spent(this.#budgetKey(o), t1 - t0, t1);
    }
    return render;
  }

  /** A kind of map for the budget: its options on this stream (streams differ in size). */
  #budgetKey(o: SubscriptionOptions): string {
    return `${this.frame.stream}|${optionsKey(o)}`;
  }

  #wireMap(o: SubscriptionOptions): WireMap {
    const f = this.frame;
    const map = this.#mapAt(o.resolution);
    const wire: WireMap = {
      stream: f.stream,
      frame: f.frame,
      pts: f.pts,
      decodedAt: f.decodedAt,
      width: map.width,
      height: map.height,
      labels: map.labels,
      loss: f.loss,
      keyFrame: f.keyFrame,
    };
    // Summaries in the units of the labels sent.
    if (o.include.includes("islands")) wire.islands = map.islands;
    if (o.include.includes("features")) {
      wire.features = { width: f.width, height: f.height, rgb: f.featureColors };
    }
    if (o.include.includes("frame")) {
      // The working frame is all there is: a larger JPEG would be an upscaled copy.
      const size = o.frameSize ? fitInside(o.frameSize, f.image) : f.image;
      wire.frameJpeg = this.#jpeg(size, o.frameQuality);
    }
    return wire;
  }

  /** Labels and summaries at a resolution, once per size whatever names it. */
  #mapAt(asked: SubscriptionOptions["resolution"]): ResampledMap {
    const opts = { maxSide: MAX_OUTPUT_SIDE };
    // Labels finer than the source's own pixels would be an upscaled copy.
    const resolution = typeof asked === "string" ? asked : fitInside(asked, this.frame.source);
    const { width, height } = labelSize(this.frame, resolution, opts);
    const key = `${width}x${height}`;
    let map = this.#maps.get(key);
    if (!map) {
      map = resampleMap(this.frame, resolution, opts);
      this.#maps.set(key, map);
    }
    return map;
  }

  #jpeg(size: { width: number; height: number }, quality: number) {
    const key = `${size.width}x${size.height}q${quality}`;
    let jpeg = this.#jpegs.get(key);
    if (!jpeg) {
      const { rgb, width, height } = this.frame.image;
      const pixels = width === size.width && height === size.height
        ? rgb
        : resizeRgb(rgb, width, height, size.width, size.height);
      jpeg = {
        width: size.width,
        height: size.height,
        data: encodeJpeg(pixels, size.width, size.height, quality),
      };
      this.#jpegs.set(key, jpeg);
    }
    return jpeg;
  }
}

/** Options that change the bytes (maxFps does not). */
function optionsKey(o: SubscriptionOptions): string {
  const res = typeof o.resolution === "string"
    ? o.resolution
    : `${o.resolution.width}x${o.resolution.height}`;
  const frame = o.include.includes("frame")
    ? `${o.frameSize ? `${o.frameSize.width}x${o.frameSize.height}` : "own"}q${o.frameQuality}`
    : "";
  const include = [...o.include].sort().join("+");
  return `${o.format}|${o.format === "binary" && o.rle ? "rle" : ""}|${res}|${include}|${frame}`;
}
