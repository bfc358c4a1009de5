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
import { EncodingBudget } from "../../src/server/encoding_budget.ts";
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

Deno.test("sizes past the source's pixels are capped: labels at the source, the JPEG at the frame", () => {
  const encoder = new FrameEncoder(published({ width: 320, height: 180 }));
  const heavy = opts({
    resolution: { width: 2048, height: 2048 },
    include: ["islands", "features", "frame"],
    frameSize: { width: 2048, height: 2048 },
    frameQuality: 100,
    format: "binary",
  });
  const m = decodeBinaryMap(encoder.renderer(heavy)(1, 0) as Uint8Array);
  // A square asked of a 16:9 source: fitted inside 320x180, the asked aspect kept.
  assert.deepEqual([m.width, m.height], [180, 180]);
  assert.deepEqual([m.frameJpeg?.width, m.frameJpeg?.height], [36, 36], "inside the 64x36 frame");
  // Sizes within the source are as asked.
  const small = opts({ resolution: { width: 100, height: 50 }, format: "binary" });
  const s = decodeBinaryMap(encoder.renderer(small)(1, 0) as Uint8Array);
  assert.deepEqual([s.width, s.height], [100, 50]);
});

Deno.test("the encoding budget holds costly option sets back, in equal parts, never cheap ones", () => {
  const budget = new EncodingBudget({ share: 0.1, cheapMs: 5 });
  // A costly kind (50 ms an encoding), alone: it may take 10% of the time.
  assert.equal(budget.admits("heavy", 0), true, "unknown kinds are measured once");
  budget.spent("heavy", 50, 50);
  assert.equal(budget.admits("heavy", 100), false);
  assert.equal(budget.admits("heavy", 499), false);
  assert.equal(budget.admits("heavy", 501), true, "50 ms is 10% of 500 ms");
  // A second costly kind: each gets half the budget, so neither starves the other.
  budget.spent("other", 50, 600);
  assert.equal(budget.admits("other", 1099), false);
  assert.equal(budget.admits("other", 1601), true, "two kinds: 50 ms every 1000 ms each");
  assert.equal(budget.admits("heavy", 601), true, "the first kind's wait is its own");
  // A cheap kind passes whatever the rest spends.
  budget.spent("cheap", 2, 602);
  assert.equal(budget.admits("cheap", 603), true);
  // Through a frame encoder: every subscriber with the same options gets the same answer.
  const frame = published({ width: 320, height: 180 });
  const shared = new EncodingBudget({ share: 0.1, cheapMs: 0 });
  const first = new FrameEncoder(frame, shared);
  const o = opts({ resolution: "source", format: "json" });
  assert.equal(first.admits(o), true);
  first.renderer(o); // measured: some time, of which it may use 10%
  assert.equal(first.admits(o), true, "the same frame's other subscribers are not cut off");
  const next = new FrameEncoder(frame, shared);
  assert.equal(next.admits(o), false, "the next frame waits for its part of the budget");
});
