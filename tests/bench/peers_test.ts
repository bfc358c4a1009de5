import assert from "node:assert/strict";
import { PeerSegmenters, scaleMog2Params, tuneSequencePeer } from "../../bench/quality/peers.ts";
import { adjustedRandIndex } from "../../bench/quality/metrics.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import { mulberry32 } from "../../src/util/mulberry32.ts";

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

/** A static textured scene (colour ramps and blocks); each call adds fresh sensor noise. */
function camera(w: number, h: number, seed: number) {
  const rand = mulberry32(seed);
  const base = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const block = ((x >> 3) + (y >> 3)) % 3;
      base.set([60 + 2 * x + 20 * block, 80 + 2 * y, 120 - x + 15 * block], (y * w + x) * 3);
    }
  }
  return (square?: { x: number; y: number; side: number }) => {
    const out = new Uint8Array(base.length);
    for (let i = 0; i < base.length; i++) {
      out[i] = Math.max(0, Math.min(255, base[i] + Math.round((rand() - 0.5) * 6)));
    }
    if (square) {
      for (let y = square.y; y < square.y + square.side; y++) {
        for (let x = square.x; x < square.x + square.side; x++) {
          out.set([230, 40, 200], (y * w + x) * 3);
        }
      }
    }
    return out;
  };
}

/** Intersection over union of label 1 and a square. */
function squareIoU(
  labels: Int32Array,
  w: number,
  h: number,
  sq: { x: number; y: number; side: number },
) {
  let inter = 0, union = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inSq = x >= sq.x && x < sq.x + sq.side && y >= sq.y && y < sq.y + sq.side;
      const fg = labels[y * w + x] === 1;
      if (inSq && fg) inter++;
      if (inSq || fg) union++;
    }
  }
  return inter / union;
}

Deno.test("peer segmenters: MOG2 background subtraction, one model a session", async (t) => {
  const w = 64, h = 48;
  const params = { history: 100, var_threshold: 16, open: 3, close: 5, min_area: 20 };
  const peers = await PeerSegmenters.start();
  const mog2 = (session: string, rgb: Uint8Array, p: Record<string, number> = params) =>
    peers.segmentSequence("mog2", session, rgb, w, h, p);
  try {
    await t.step("a static scene yields no foreground after warm-up", async () => {
      const frame = camera(w, h, 1);
      for (let i = 0; i < 40; i++) {
        const labels = await mog2("static", frame());
        assert.equal(labels.length, w * h);
        if (i >= 10) assert.deepEqual([...new Set(labels)], [0], `frame ${i}: foreground`);
      }
    });

    await t.step("a moving square is one component that covers it", async () => {
      const frame = camera(w, h, 2);
      for (let i = 0; i < 30; i++) await mog2("square", frame());
      for (let i = 0; i < 12; i++) {
        const sq = { x: 8 + 3 * i, y: 18, side: 10 };
        const labels = await mog2("square", frame(sq));
        assert.deepEqual([...new Set(labels)].sort(), [0, 1], `frame ${i}: one component`);
        const iou = squareIoU(labels, w, h, sq);
        assert.ok(iou > 0.7, `frame ${i}: IoU ${iou}`);
      }
      // Smaller than min_area: background.
      const sq = { x: 50, y: 18, side: 10 };
      assert.deepEqual(
        [...new Set(await mog2("square", frame(sq), { ...params, min_area: 500 }))],
        [
          0,
        ],
      );
    });

    await t.step("sessions keep separate models; reset starts one afresh", async () => {
      const a = camera(w, h, 3);
      const inverted = () => a().map((v) => 255 - v);
      for (let i = 0; i < 25; i++) {
        await mog2("A", a());
        await mog2("B", inverted());
      }
      // Scene A is all change to session B, which learnt its negative; nothing to session A.
      const inB = await mog2("B", a());
      assert.ok(inB.filter((l) => l > 0).length > 0.5 * w * h, "session B learnt another scene");
      assert.deepEqual([...new Set(await mog2("A", a()))], [0]);
      // Reset: B learns scene A from scratch and soon sees nothing in it.
      await peers.segmentSequence("mog2", "B", a(), w, h, params, { reset: true });
      let last: Int32Array = new Int32Array(0);
      for (let i = 0; i < 5; i++) last = await mog2("B", a());
      assert.deepEqual([...new Set(last)], [0]);
    });

    await t.step("clear errors: no session, changed model params, another size", async () => {
      const frame = camera(w, h, 5);
      await assert.rejects(() => mog2("", frame()), RangeError);
      await assert.rejects(() => mog2("A", frame(), { ...params, history: 7 }), /created with/);
      await assert.rejects(
        () => peers.segmentSequence("mog2", "A", frame().subarray(0, 32 * 24 * 3), 32, 24, params),
        /has frames of/,
      );
      // The worker keeps serving, and per-frame parameters may change freely.
      assert.equal((await mog2("A", frame(), { ...params, close: 0, min_area: 5 })).length, w * h);
    });

    await t.step("endSession forgets a model", async () => {
      assert.equal(await peers.endSession("A"), true);
      assert.equal(await peers.endSession("A"), false);
      // A new model: other model params are accepted again.
      assert.equal((await mog2("A", camera(w, h, 6)(), { history: 7 })).length, w * h);
    });

    await t.step("SLIC still works alongside", async () => {
      const labels = await peers.segment("slic", frame.data, W, H, { n_segments: 16 });
      assert.equal(labels.length, W * H);
    });
  } finally {
    await peers.close();
  }
});

Deno.test("tuneSequencePeer runs each combination from the first frame, scores the rest", async () => {
  const w = 64, h = 48;
  const frame = camera(w, h, 7);
  const frames = Array.from({ length: 40 }, (_, i) => {
    const sq = i >= 25 ? { x: 5 + 3 * (i - 25), y: 20, side: 12 } : undefined;
    const truth = new Uint8Array(w * h);
    if (sq) {
      for (let y = sq.y; y < sq.y + sq.side; y++) {
        truth.fill(1, y * w + sq.x, y * w + sq.x + sq.side);
      }
    }
    return { rgb: frame(sq), width: w, height: h, truth };
  });
  const peers = await PeerSegmenters.start();
  try {
    const grid = {
      history: [100],
      var_threshold: [16],
      open: [3],
      close: [5],
      min_area: [5000, 20],
    };
    const tuned = await tuneSequencePeer(peers, "mog2", frames, { grid, scoreFrom: 20 });
    assert.equal(tuned.results.length, 2);
    // min_area 5000 finds nothing (0); 20 finds the square.
    assert.equal(tuned.results[0].score, 0);
    assert.ok(tuned.results[1].score > 0.7, `score ${tuned.results[1].score}`);
    assert.equal(tuned.params.min_area, 20);
    // A stream works as well as an array, and the default scores the second half.
    const again = await tuneSequencePeer(peers, "mog2", function* () {
      yield* frames;
    }, { grid: { ...grid, min_area: [20] } });
    assert.ok(Math.abs(again.score - tuned.results[1].score) < 0.05);
    // Sessions were ended: a fresh one named like the tuner's accepts other params.
    assert.equal(await peers.endSession("tune-mog2-0"), false);
  } finally {
    await peers.close();
  }
});

Deno.test("scaleMog2Params: areas by the area ratio, kernels by the linear ratio, odd", () => {
  const tuned = { history: 300, var_threshold: 16, open: 3, close: 5, min_area: 15 };
  const from = { width: 384, height: 288 };
  assert.deepEqual(scaleMog2Params(tuned, from, from), tuned);
  // 640 x 480 is 5/3 the size: areas x 25/9, kernels x 5/3 to the nearest odd size.
  assert.deepEqual(scaleMog2Params(tuned, from, { width: 640, height: 480 }), {
    history: 300,
    var_threshold: 16,
    open: 5,
    close: 9,
    min_area: 42,
  });
  // Off stays off; a smaller frame never drops a kernel below 1.
  const off = scaleMog2Params({ close: 0, open: 3 }, from, { width: 96, height: 72 });
  assert.deepEqual(off, { close: 0, open: 1 });
});
