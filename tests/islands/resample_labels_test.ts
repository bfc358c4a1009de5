/**
 * Labels of a published frame at every resolution a reader can ask for, from the lattice map
 * (edge-aware) or from frame-resolution labels when the engine sends them; summaries in the
 * labels' own units.
 */
import assert from "node:assert/strict";
import {
  type LabeledFrame,
  labelSize,
  resampleLabels,
  resampleMap,
} from "../../src/islands/resample_labels.ts";
import { summarizeIslands } from "../../src/islands/summarize.ts";
import { upsampleLabels } from "../../src/islands/upsample_labels.ts";

// A 16:9 stream: source 128x72, working frame 64x36, lattice 8x4 (cells 8 x 9 px of the frame).
// The picture has a colour edge at x = 34: between the centres of cells 3 and 4 (x = 28, 36),
// to the right of the lattice's own boundary at x = 32 (islands 1 | 2).
const [FW, FH, LW, LH] = [64, 36, 8, 4];
const EDGE = 34;

function frame(extra: Partial<LabeledFrame> = {}): LabeledFrame {
  const rgb = new Uint8Array(FW * FH * 3);
  for (let y = 0; y < FH; y++) {
    for (let x = 0; x < FW; x++) {
      rgb.set(x < EDGE ? [200, 40, 40] : [30, 60, 210], (y * FW + x) * 3);
    }
  }
  const labels = Int32Array.from({ length: LW * LH }, (_, i) => (i % LW < 4 ? 1 : 2));
  return {
    width: LW,
    height: LH,
    labels,
    islands: summarizeIslands(labels, LW, LH),
    image: { width: FW, height: FH, rgb },
    source: { width: 128, height: 72 },
    ...extra,
  };
}

/** The x where each row's labels turn from 1 to 2 (the same for every row, else -1). */
function boundary(l: { width: number; height: number; labels: Int32Array }): number {
  const at = (y: number) => {
    for (let x = 0; x < l.width; x++) if (l.labels[y * l.width + x] === 2) return x;
    return l.width;
  };
  const first = at(0);
  for (let y = 1; y < l.height; y++) if (at(y) !== first) return -1;
  return first;
}

Deno.test("grid: the lattice map itself, not copied, with the engine's summaries", () => {
  const f = frame();
  const m = resampleMap(f, "grid");
  assert.equal(m.labels, f.labels);
  assert.equal(m.islands, f.islands);
  assert.deepEqual([m.width, m.height], [LW, LH]);
  assert.equal(boundary(m), 4);
});

Deno.test("frame and source: the lattice upsampled along the picture's edge, at their sizes", () => {
  const f = frame();
  const fine = resampleLabels(f, "frame");
  assert.deepEqual([fine.width, fine.height], [FW, FH]);
  assert.deepEqual(fine.labels, upsampleLabels(f.labels, LW, LH, f.image.rgb, FW, FH, FW, FH));
  assert.equal(boundary(fine), EDGE, "the boundary moved from x = 32 to the colour edge");
  const source = resampleLabels(f, "source");
  assert.deepEqual([source.width, source.height], [128, 72]);
  assert.equal(boundary(source), 2 * EDGE, "the same edge at the source's scale");
  const asked = resampleLabels(f, { width: 32, height: 18 });
  assert.equal(boundary(asked), EDGE / 2);
});

Deno.test("summaries are in the units of the labels returned", () => {
  const f = frame();
  for (const resolution of ["frame", "source", { width: 100, height: 30 }] as const) {
    const m = resampleMap(f, resolution);
    assert.deepEqual(m.islands, summarizeIslands(m.labels, m.width, m.height));
    assert.equal(m.islands.reduce((a, i) => a + i.area, 0), m.width * m.height);
    const right = m.islands.find((i) => i.id === 2)!;
    assert.deepEqual(right.bbox.slice(2), [m.width - 1, m.height - 1]);
  }
});

Deno.test("maxSide scales frame and source down to fit, aspect kept; asked sizes are as asked", () => {
  const f = frame({ source: { width: 3840, height: 2160 } });
  assert.deepEqual(labelSize(f, "source"), { width: 3840, height: 2160 });
  assert.deepEqual(labelSize(f, "source", { maxSide: 2048 }), { width: 2048, height: 1152 });
  assert.deepEqual(labelSize(f, "frame", { maxSide: 32 }), { width: 32, height: 18 });
  assert.deepEqual(labelSize(f, { width: 3000, height: 10 }, { maxSide: 2048 }), {
    width: 3000,
    height: 10,
  });
  assert.deepEqual(labelSize(f, "grid", { maxSide: 4 }), { width: LW, height: LH });
  assert.throws(() => labelSize(f, { width: 0, height: 10 }), /positive integer sizes/);
});

Deno.test("with frame labels from the engine, every size but the lattice is read from them", () => {
  // The engine's own frame-resolution cut: the boundary at x = 40, not where the colours say.
  const frameLabels = Int32Array.from({ length: FW * FH }, (_, i) => (i % FW < 40 ? 1 : 2));
  const f = frame({ frameLabels });
  const fine = resampleLabels(f, "frame");
  assert.equal(fine.labels, frameLabels, "the engine's labels as they are");
  assert.equal(boundary(resampleLabels(f, "source")), 80, "nearest, from the frame labels");
  assert.equal(boundary(resampleLabels(f, { width: 32, height: 18 })), 20);
  assert.equal(resampleLabels(f, "grid").labels, f.labels, "grid: still the lattice map");
  const m = resampleMap(f, "frame");
  assert.deepEqual(m.islands, summarizeIslands(frameLabels, FW, FH));
  assert.throws(
    () => resampleLabels(frame({ frameLabels: new Int32Array(10) }), "frame"),
    /10 frame labels for a 64x36 frame/,
  );
});
