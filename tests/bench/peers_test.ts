import assert from "node:assert/strict";
import { PeerSegmenters } from "../../bench/quality/peers.ts";
import { adjustedRandIndex } from "../../bench/quality/metrics.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";

const W = 224, H = 224;
const frame = renderSyntheticFrame({ width: W, height: H, seed: 100, objects: 4, fps: 10 }, 0);

function distinct(labels: Int32Array): number {
  return new Set(labels).size;
}

Deno.test("peer segmenters: SLIC and Felzenszwalb on a synthetic frame", async (t) => {
  const peers = await PeerSegmenters.start();
  try {
    await t.step("SLIC gives about n_segments regions", async () => {
      const labels = await peers.segment("slic", frame.data, W, H, {
        n_segments: 64,
        compactness: 10,
      });
      assert.equal(labels.length, W * H);
      const k = distinct(labels);
      assert.ok(k >= 32 && k <= 128, `SLIC gave ${k} regions for n_segments 64`);
      assert.equal(Math.min(...labels), 0);
      assert.equal(Math.max(...labels), k - 1, "labels are 0..K-1");
    });

    await t.step("Felzenszwalb agrees with the truth (ARI > 0.2)", async () => {
      const labels = await peers.segment("felzenszwalb", frame.data, W, H, {
        // The parameters tunePeer picks on this scene (see PEER_GRIDS).
        scale: 3200,
        sigma: 1.5,
        min_size: 200,
      });
      assert.equal(labels.length, W * H);
      const ari = adjustedRandIndex(labels, frame.truth);
      assert.ok(ari > 0.2, `ARI ${ari}`);
    });

    await t.step("a bad method is a clear error and the worker keeps serving", async () => {
      await assert.rejects(
        // deno-lint-ignore no-explicit-any
        () => peers.segment("watershed" as any, frame.data, W, H, {}),
        /unknown method 'watershed'/,
      );
      await assert.rejects(() => peers.segment("slic", frame.data, W + 1, H, {}), RangeError);
      const labels = await peers.segment("felzenszwalb", frame.data, W, H, { scale: 100 });
      assert.equal(labels.length, W * H);
    });

    await t.step("concurrent requests are answered in order", async () => {
      const small = frame.data.subarray(0, 16 * 8 * 3);
      const [a, b] = await Promise.all([
        peers.segment("slic", frame.data, W, H, { n_segments: 16, compactness: 10 }),
        peers.segment("felzenszwalb", small, 16, 8, { scale: 100 }),
      ]);
      assert.equal(a.length, W * H);
      assert.equal(b.length, 16 * 8);
    });
  } finally {
    await peers.close();
  }
});

Deno.test("peer segmenters: close() ends the worker", async () => {
  const peers = await PeerSegmenters.start();
  await peers.close();
  await peers.close(); // idempotent
  await assert.rejects(() => peers.segment("slic", frame.data, W, H, {}), /closed/);
});
