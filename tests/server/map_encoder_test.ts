/**
 * One published frame of a 16:9 stream, encoded for subscriptions at every resolution: sizes,
 * summaries in the labels' units, the limit on large sources, one encoding per size.
 */
import assert from "node:assert/strict";
import { decodeBinaryMap, decodeJsonMap } from "../../src/client/islands_client.js";
import { summarizeIslands } from "../../src/islands/summarize.ts";
import type { PublishedFrame } from "../../src/pipeline/stream_pipeline.ts";
import {
  DEFAULT_SUBSCRIPTION,
  type SubscriptionOptions,
} from "../../src/server/client_messages.ts";
import { FrameEncoder } from "../../src/server/map_encoder.ts";

/** A 16:9 frame: lattice 16x9 (left half island 1, right half 2), working frame 64x36. */
function published(source = { width: 1280, height: 720 }): PublishedFrame {
  const labels = Int32Array.from({ length: 16 * 9 }, (_, i) => (i % 16 < 8 ? 1 : 2));
  const rgb = new Uint8Array(64 * 36 * 3);
  for (let p = 0; p < 64 * 36; p++) rgb.set(p % 64 < 32 ? [220, 30, 30] : [20, 40, 200], p * 3);
  return {
    stream: "cam",
    frame: 3,
    pts: 0.3,
    decodedAt: 1_000,
    width: 16,
    height: 9,
    labels,
    islands: summarizeIslands(labels, 16, 9),
    loss: 0.5,
    keyFrame: true,
    events: { reset: false, restored: false, spike: false },
    featureColors: new Uint8Array(16 * 9 * 3),
    image: { width: 64, height: 36, rgb },
    source,
    timings: { preprocessMs: 0, trainMs: 0, islandsMs: 0, frameAgeMs: 0 },
  };
}

const opts = (o: Partial<SubscriptionOptions>): SubscriptionOptions => ({
  ...DEFAULT_SUBSCRIPTION,
  include: ["islands", "features"],
  ...o,
});

Deno.test("each resolution gets labels of its size and summaries in their units, JSON and binary", () => {
  const encoder = new FrameEncoder(published());
  const cases: [SubscriptionOptions["resolution"], number, number][] = [
    ["grid", 16, 9],
    ["frame", 64, 36],
    ["source", 1280, 720],
    [{ width: 32, height: 18 }, 32, 18],
  ];
  for (const [resolution, w, h] of cases) {
    for (const format of ["json", "binary"] as const) {
      const out = encoder.renderer(opts({ resolution, format, rle: true }))(1, 0);
      const m = typeof out === "string" ? decodeJsonMap(JSON.parse(out)) : decodeBinaryMap(out);
      assert.deepEqual([m.width, m.height], [w, h], `${JSON.stringify(resolution)} ${format}`);
      assert.deepEqual(m.islands, summarizeIslands(m.labels, w, h), "summaries of these labels");
      assert.deepEqual([m.features?.width, m.features?.height], [16, 9], "features at the lattice");
    }
  }
});

Deno.test("frame and source over 2048 a side come scaled down to fit, aspect kept", () => {
  const encoder = new FrameEncoder(published({ width: 3840, height: 2160 }));
  const out = encoder.renderer(opts({ resolution: "source", format: "binary" }))(1, 0);
  const m = decodeBinaryMap(out as Uint8Array);
  assert.deepEqual([m.width, m.height], [2048, 1152]);
});
