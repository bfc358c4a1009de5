/**
 * Turns one published frame into what each subscription asked for. Everything costly (upsampled
 * labels, JPEG, serialised text or bytes) is computed once per frame per distinct option set, so
 * 200 subscribers with the same options cost one encoding; only `sub` and `dropped` differ.
 *
 * @module
 */
import type { PublishedFrame } from "../pipeline/stream_pipeline.ts";
import { upsampleLabels } from "../islands/upsample_labels.ts";
import { prepareJsonMap } from "../islands/wire_json.ts";
import { prepareBinaryMap } from "../islands/wire_binary.ts";
import type { WireMap } from "../islands/wire_json.ts";
import type { SubscriptionOptions } from "./client_messages.ts";
import { encodeJpeg } from "./image/jpeg.ts";
import { resizeRgb } from "./image/resize.ts";

/** Renders the final message for one subscriber. */
export type RenderMap = (sub: number, dropped: number) => string | Uint8Array;

/** One frame's encodings, cached by the options that shape them. */
export class FrameEncoder {
  readonly frame: PublishedFrame;
  #renders = new Map<string, RenderMap>();
  #labels = new Map<string, Int32Array>();
  #jpegs = new Map<string, { width: number; height: number; data: Uint8Array }>();

  constructor(frame: PublishedFrame) {
    this.frame = frame;
  }

  /** The renderer for these options (built on first use). */
  renderer(o: SubscriptionOptions): RenderMap {
    const key = optionsKey(o);
    let render = this.#renders.get(key);
    if (!render) {
      const wire = this.#wireMap(o);
      render = o.format === "binary" ? prepareBinaryMap(wire, o.rle) : prepareJsonMap(wire);
      this.#renders.set(key, render);
    }
    return render;
  }

  #wireMap(o: SubscriptionOptions): WireMap {
    const f = this.frame;
    const res = o.resolution === "grid"
      ? { width: f.width, height: f.height }
      : o.resolution === "frame"
      ? { width: f.image.width, height: f.image.height }
      : o.resolution;
    const wire: WireMap = {
      stream: f.stream,
      frame: f.frame,
      pts: f.pts,
      decodedAt: f.decodedAt,
      width: res.width,
      height: res.height,
      labels: this.#labelsAt(res.width, res.height),
      loss: f.loss,
      keyFrame: f.keyFrame,
    };
    if (o.include.includes("islands")) wire.islands = f.islands;
    if (o.include.includes("features")) {
      wire.features = { width: f.width, height: f.height, rgb: f.featureColors };
    }
    if (o.include.includes("frame")) {
      wire.frameJpeg = this.#jpeg(o.frameSize ?? f.image, o.frameQuality);
    }
    return wire;
  }

  #labelsAt(width: number, height: number): Int32Array {
    const f = this.frame;
    if (width === f.width && height === f.height) return f.labels;
    const key = `${width}x${height}`;
    let labels = this.#labels.get(key);
    if (!labels) {
      const { rgb, width: gw, height: gh } = f.image;
      labels = upsampleLabels(f.labels, f.width, f.height, rgb, gw, gh, width, height);
      this.#labels.set(key, labels);
    }
    return labels;
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
