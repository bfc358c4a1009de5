/**
 * Island id tracking: id switches and cost of `createIdTracker` against the overlap-only tracker
 * it replaced, on a simulated street scene with exact ground truth.
 *
 *   deno run -A bench/islands_tracking_bench.ts [--frames 1000] [--seeds 1,2,3] [--timing-frames 200]
 *
 * (`--frames 0` or `--timing-frames 0` skips that part.)
 *
 * The simulation is a segmenter's output, not pixels: a background of 5 big regions (sky, two
 * buildings, the road, and a tree that stands in front of everything) whose borders wobble by a
 * pixel or two every frame; people (15 x 40 px) and cars (50 x 24 px) walking and driving at
 * 1-4 px a frame, so their paths cross, behind the tree too; and distant cars (14 x 8 px) that
 * cross at 8-14 px a frame, further than their own width. Its faults:
 *
 * - objects that touch or overlap come out as one island (merges, split again when they part);
 * - an object's island is missed for 1-3 frames now and then (its pixels go to the background);
 * - an object is cut in two (head / body) for 1-2 frames now and then;
 * - two neighbouring background regions come out as one for 1-2 frames, or one is cut in two;
 * - specks (2-6 px squares) appear anywhere for one frame;
 * - every object's edges move by up to a pixel each frame, and the labels are numbered afresh.
 *
 * Id switches are counted with `createIdSwitchCounter` (bench/quality/metrics.ts), per 100
 * frames, for the people and cars, the distant cars, all objects across gaps (an object hidden
 * behind the tree is absent from the truth; `acrossGaps` compares its id after the gap, MOT
 * style) and the background regions. The last column is the share of object frames in which
 * an object shows the id it shows most (1: one id all its life), which rewards giving an
 * object its id back after it was lost. The floor is what an oracle scores that knows which
 * object every island came from (a merged island keeps the id it had while it lasts, a missed
 * object's pixels have the background's id): about the switches that the segmentation itself
 * forces on any tracker with one id per island.
 *
 * Timing: `assign` alone, on pre-generated frames, 384 x 288 (the scene above, ~20 islands a
 * frame) and 640 x 480 (46 objects and 50 specks: ~90 islands a frame).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createIdTracker } from "../src/islands/track_ids.ts";
import { mulberry32 } from "../src/util/mulberry32.ts";
import { createIdSwitchCounter, type IdSwitchOptions } from "./quality/metrics.ts";

/** The same interface as `IdTracker`'s core. */
export interface Tracker {
  assign(labels: Int32Array, width: number, height: number): Int32Array;
}

/**
 * The tracker before motion prediction and track memory (src/islands/track_ids.ts up to
 * 2026-12), kept here as the baseline: greedy by IoU against the previous frame only, a pair
 * accepted at IoU >= 0.3 or when the overlap is more than half of either island.
 */
export function createOverlapTracker(minIoU = 0.3): Tracker {
  let nextId = 0;
  let prevLabels: Int32Array | null = null;
  let prevIds = new Int32Array(0), prevArea = new Int32Array(0);
  return {
    assign(labels, width, height) {
      const n = width * height;
      let count = 0;
      for (let i = 0; i < n; i++) if (labels[i] >= count) count = labels[i] + 1;
      const area = new Int32Array(count);
      for (let i = 0; i < n; i++) area[labels[i]]++;
      const idOf = new Int32Array(count).fill(-1);
      if (prevLabels !== null) {
        const prevCount = prevArea.length;
        const overlap = new Int32Array(count * prevCount);
        for (let i = 0; i < n; i++) overlap[labels[i] * prevCount + prevLabels[i]]++;
        const pairs: number[] = [];
        const iou = new Float64Array(count * prevCount);
        for (let c = 0; c < count; c++) {
          for (let p = 0; p < prevCount; p++) {
            const o = overlap[c * prevCount + p];
            if (o === 0) continue;
            const score = o / (area[c] + prevArea[p] - o);
            if (score >= minIoU || 2 * o > area[c] || 2 * o > prevArea[p]) {
              pairs.push(c * prevCount + p);
              iou[c * prevCount + p] = score;
            }
          }
        }
        pairs.sort((a, b) => iou[b] - iou[a] || overlap[b] - overlap[a] || a - b);
        const prevTaken = new Uint8Array(prevCount);
        for (const pair of pairs) {
          const c = Math.floor(pair / prevCount), p = pair - c * prevCount;
          if (idOf[c] >= 0 || prevTaken[p]) continue;
          idOf[c] = prevIds[p];
          prevTaken[p] = 1;
        }
      }
      for (let c = 0; c < count; c++) if (idOf[c] < 0 && area[c] > 0) idOf[c] = nextId++;
      const ids = new Int32Array(n);
      for (let i = 0; i < n; i++) ids[i] = idOf[labels[i]];
      prevLabels = labels.slice();
      prevIds = idOf;
      prevArea = area;
      return ids;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The simulated segmenter.

/** Options of {@linkcode simulate}. */
export interface SceneOptions {
  width: number;
  height: number;
  frames: number;
  seed: number;
  people: number;
  cars: number;
  /** Distant cars (14 x 8 px) that cross at 8-14 px a frame, further than their own width. */
  fastCars: number;
  /** Specks per frame. */
  specks: number;
  /** Per object and frame: chance that the segmenter starts missing it (for 1-3 frames). */
  dropout: number;
  /** Per object and frame: chance that its island is cut in two (for 1-2 frames). */
  split: number;
  /** Per frame: chance that two background regions merge, or one is cut (1-2 frames). */
  backgroundFault: number;
}

/** One simulated frame: the segmenter's labels `0..K-1`, the truth, and the oracle's ids. */
export interface SimFrame {
  labels: Int32Array;
  truth: Int32Array;
  oracle: Int32Array;
}

/** Truth labels: background regions 1..5, objects from 10. Oracle ids: the same, specks 1e6+. */
export const REGIONS = 5, TREE = 4, OBJECT_BASE = 10;

interface Mover {
  x: number;
  y: number;
  vx: number;
  vy: number;
  w: number;
  h: number;
  /** Frames left of a dropout / of a split (0: none). */
  missing: number;
  cut: number;
}

/** The frames of one simulated sequence, generated lazily. */
export function* simulate(o: SceneOptions): Generator<SimFrame> {
  const { width: W, height: H } = o;
  const random = mulberry32(o.seed);
  const between = (a: number, b: number) => a + random() * (b - a);
  const movers: Mover[] = [];
  const horizon = Math.round(H * 0.3);
  for (let k = 0; k < o.people + o.cars + o.fastCars; k++) {
    const car = k >= o.people, fast = k >= o.people + o.cars;
    const w = fast ? 14 : car ? 50 : 15, h = fast ? 8 : car ? 24 : 40;
    const speed = (fast ? between(8, 14) : between(1, 4)) * (random() < 0.5 ? -1 : 1);
    movers.push({
      x: between(0, W - w),
      // The distant lane is just above the road.
      y: fast ? Math.round(H * 0.6) - 14 : between(horizon - h / 2, H - h),
      vx: speed,
      vy: car ? 0 : between(-0.4, 0.4),
      w,
      h,
      missing: 0,
      cut: 0,
    });
  }
  const treeX = Math.round(W * 0.6), treeW = 30, treeTop = Math.round(H * 0.15);
  let bgFaultKind = 0, bgFaultLeft = 0;
  const region = new Int32Array(W * H);
  const lastOracle = movers.map((_, k) => k); // the object whose id each object had last
  for (let f = 0; f < o.frames; f++) {
    // Background: sky above a wavy horizon, two buildings left and right of a wavy line, the
    // road below; every border wobbles by up to 1 px a frame. The tree comes last (in front).
    const phase = f * 0.01;
    const j = () => Math.floor(random() * 3) - 1;
    const hz = horizon + j(), split = Math.round(W * 0.35) + j(), road = Math.round(H * 0.6) + j();
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const wave = Math.round(3 * Math.sin(x / 37 + phase));
        region[y * W + x] = y < hz + wave ? 0 : y >= road + wave ? 3 : x < split + wave ? 1 : 2;
      }
    }
    // Background faults: a merge of the two buildings, or the road cut in two.
    if (bgFaultLeft === 0 && random() < o.backgroundFault) {
      bgFaultLeft = 1 + Math.floor(random() * 2);
      bgFaultKind = random() < 0.5 ? 0 : 1;
    }
    // Objects move (bouncing off the sides, kept between the horizon and the bottom).
    for (const m of movers) {
      m.x += m.vx;
      m.y += m.vy;
      if (m.x < 0 || m.x > W - m.w) {
        m.vx = -m.vx;
        m.x = Math.max(0, Math.min(W - m.w, m.x));
      }
      if (m.vy !== 0 && (m.y < horizon - m.h / 2 || m.y > H - m.h)) {
        m.vy = -m.vy;
        m.y = Math.max(horizon - m.h / 2, Math.min(H - m.h, m.y));
      }
      if (m.missing > 0) m.missing--;
      else if (random() < o.dropout) m.missing = 1 + Math.floor(random() * 3);
      if (m.cut > 0) m.cut--;
      else if (random() < o.split) m.cut = 1 + Math.floor(random() * 2);
    }
    // Rectangles with edges that jitter by up to a pixel.
    const rects = movers.map((m) => {
      const x0 = Math.round(m.x) + j(), y0 = Math.round(m.y) + j();
      return [x0, y0, Math.round(m.x) + m.w + j(), Math.round(m.y) + m.h + j()];
    });
    // Objects that touch or overlap are one island (union-find over the visible ones).
    const parent = movers.map((_, k) => k);
    const find = (k: number): number => (parent[k] === k ? k : (parent[k] = find(parent[k])));
    for (let a = 0; a < movers.length; a++) {
      for (let b = a + 1; b < movers.length; b++) {
        if (movers[a].missing || movers[b].missing) continue;
        const [a0, a1, a2, a3] = rects[a], [b0, b1, b2, b3] = rects[b];
        if (a0 <= b2 && b0 <= a2 && a1 <= b3 && b1 <= a3) parent[find(b)] = find(a);
      }
    }

    // Paint: raw labels (segmenter), truth, oracle ids.
    const raw = new Int32Array(W * H),
      truth = new Int32Array(W * H),
      oracle = new Int32Array(W * H);
    let nextRaw = REGIONS + 2; // 0..4 regions (5: a cut-off piece of the road), objects after
    for (let i = 0; i < W * H; i++) {
      let r = region[i];
      truth[i] = r + 1;
      if (bgFaultLeft > 0 && bgFaultKind === 0 && r === 2) r = 1;
      if (bgFaultLeft > 0 && bgFaultKind === 1 && r === 3 && i % W < W * 0.3) r = 5;
      raw[i] = r;
      oracle[i] = r + 1; // the merged buildings have the first's id, the cut-off piece its own
    }
    // A merged island's oracle id: the id that most of its objects had last frame, if that is
    // one of theirs (a merge keeps its host while it lasts), else its first object's.
    const groupId = new Map<number, number>();
    const members = new Map<number, number[]>();
    movers.forEach((m, k) => {
      if (m.missing) return;
      const g = find(k);
      members.set(g, [...(members.get(g) ?? []), k]);
    });
    for (const [g, ks] of members) {
      const votes = new Map<number, number>();
      for (const k of ks) {
        if (ks.includes(lastOracle[k])) {
          votes.set(lastOracle[k], (votes.get(lastOracle[k]) ?? 0) + 1);
        }
      }
      let best = ks[0], bestVotes = 0;
      for (const [k, v] of votes) {
        if (v > bestVotes || (v === bestVotes && k < best)) [best, bestVotes] = [k, v];
      }
      groupId.set(g, best);
      for (const k of ks) lastOracle[k] = best;
    }
    const groupRaw = new Map<number, number>();
    const headRaw = new Map<number, number>();
    movers.forEach((m, k) => {
      const [x0, y0, x1, y1] = rects[k];
      const g = find(k);
      if (!m.missing && !groupRaw.has(g)) groupRaw.set(g, nextRaw++);
      const alone = movers.every((_, q) => q === k || find(q) !== g || movers[q].missing);
      if (!m.missing && m.cut && alone) headRaw.set(k, nextRaw++);
      for (let y = Math.max(0, y0); y < Math.min(H, y1); y++) {
        for (let x = Math.max(0, x0); x < Math.min(W, x1); x++) {
          const i = y * W + x;
          truth[i] = OBJECT_BASE + k;
          if (m.missing) continue;
          const head = headRaw.has(k) && y < y0 + Math.round(m.h * 0.3);
          raw[i] = head ? headRaw.get(k)! : groupRaw.get(g)!;
          oracle[i] = head ? 2_000_000 + f * 100 + k : OBJECT_BASE + groupId.get(g)!;
        }
      }
    });
    // The tree, in front of everything.
    for (let y = treeTop; y < H; y++) {
      for (let x = treeX; x < Math.min(W, treeX + treeW + Math.round(Math.sin(y / 9)) + j()); x++) {
        const i = y * W + x;
        raw[i] = TREE;
        truth[i] = TREE + 1;
        oracle[i] = TREE + 1;
      }
    }
    // Specks.
    for (let s = 0; s < o.specks; s++) {
      const size = 2 + Math.floor(random() * 5);
      const x0 = Math.floor(random() * (W - size)), y0 = Math.floor(random() * (H - size));
      const label = nextRaw++;
      for (let y = y0; y < y0 + size; y++) {
        for (let x = x0; x < x0 + size; x++) {
          raw[y * W + x] = label;
          oracle[y * W + x] = 1_000_000 + f * 1000 + s;
        }
      }
    }
    if (bgFaultLeft > 0) bgFaultLeft--;
    // The segmenter's numbering: 0..K-1 in a shuffled order.
    const perm = Array.from({ length: nextRaw }, (_, k) => k);
    for (let k = perm.length - 1; k > 0; k--) {
      const q = Math.floor(random() * (k + 1));
      [perm[k], perm[q]] = [perm[q], perm[k]];
    }
    const used = new Uint8Array(nextRaw);
    for (let i = 0; i < W * H; i++) used[raw[i]] = 1;
    const compact = new Int32Array(nextRaw);
    let next = 0;
    for (const k of perm) if (used[k]) compact[k] = next++;
    for (let i = 0; i < W * H; i++) raw[i] = compact[raw[i]];
    yield { labels: raw, truth, oracle };
  }
}

/**
 * Per truth object (labels from `firstObject`), how many frames each predicted id was its
 * dominant one (most of its pixels), added into `into`.
 */
function countDominantIds(
  pred: Int32Array,
  truth: Int32Array,
  firstObject: number,
  into: Map<number, Map<number, number>>,
): void {
  const counts = new Map<number, Map<number, number>>();
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] < firstObject) continue;
    let c = counts.get(truth[i]);
    if (!c) counts.set(truth[i], c = new Map());
    c.set(pred[i], (c.get(pred[i]) ?? 0) + 1);
  }
  for (const [t, c] of counts) {
    let best = 0, bestCount = -1;
    for (const [id, k] of c) {
      if (k > bestCount || (k === bestCount && id < best)) [best, bestCount] = [id, k];
    }
    let byId = into.get(t);
    if (!byId) into.set(t, byId = new Map());
    byId.set(best, (byId.get(best) ?? 0) + 1);
  }
}

// ---------------------------------------------------------------------------------------------

/** The street scene of the id-switch table. */
export const STREET: Omit<SceneOptions, "frames" | "seed"> = {
  width: 384,
  height: 288,
  people: 5,
  cars: 1,
  fastCars: 2,
  specks: 6,
  dropout: 0.005,
  split: 0.01,
  backgroundFault: 0.02,
};

if (import.meta.main) main();

function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      frames: { type: "string", default: "1000" },
      seeds: { type: "string", default: "1,2,3" },
      "timing-frames": { type: "string", default: "200" },
    },
  });
  const frames = +values.frames!;
  const seeds = values.seeds!.split(",").map(Number);
  const timingFrames = +values["timing-frames"]!;

  const range = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
  const regions = range(1, REGIONS);
  const slow = range(OBJECT_BASE, STREET.people + STREET.cars);
  const fast = range(OBJECT_BASE + slow.length, STREET.fastCars);
  type Row = { name: string; make: () => Tracker };
  const rows: Row[] = [
    { name: "overlap only (before)", make: () => createOverlapTracker() },
    { name: "createIdTracker (now)", make: () => createIdTracker() },
  ];
  // Columns: id switches per 100 frames (createIdSwitchCounter), then the share of object
  // frames in which an object shows the id it shows most (1: one id for its whole life).
  const columns: [string, IdSwitchOptions][] = [
    ["people & cars", { ignore: [...regions, ...fast] }],
    ["fast distant cars", { ignore: [...regions, ...slow] }],
    ["all objects, across gaps", { ignore: regions, acrossGaps: true }],
    ["background regions", { ignore: [...slow, ...fast] }],
  ];

  if (timingFrames > 0) timing(rows, timingFrames);
  if (frames === 0) return;
  console.log(
    `Id switches per 100 frames, ${STREET.width}x${STREET.height}: ${STREET.people} people, ` +
      `${STREET.cars} cars, ${STREET.fastCars} fast distant cars; ${frames} frames x seeds ` +
      `${seeds.join(",")}\n`,
  );
  console.log(`| tracker | ${columns.map((c) => c[0]).join(" | ")} | objects: main-id share |`);
  console.log(`| --- | ${columns.map(() => "---").join(" | ")} | --- |`);
  const names = [...rows.map((r) => r.name), "oracle (floor)"];
  const switches = names.map(() => columns.map(() => 0));
  const share = names.map(() => [0, 0]);
  let counted = 0;
  for (const seed of seeds) {
    const counters = names.map(() => columns.map(([, o]) => createIdSwitchCounter(o)));
    const idFrames = names.map(() => new Map<number, Map<number, number>>());
    const trackers = rows.map((r) => r.make());
    for (const f of simulate({ ...STREET, frames, seed })) {
      const { width: w, height: h } = STREET;
      const preds = [...trackers.map((t) => t.assign(f.labels, w, h)), f.oracle];
      preds.forEach((pred, k) => {
        for (const c of counters[k]) c.update(pred, f.truth);
        countDominantIds(pred, f.truth, OBJECT_BASE, idFrames[k]);
      });
    }
    counted += frames;
    names.forEach((_, k) => {
      counters[k].forEach((c, j) => switches[k][j] += c.switches);
      for (const byId of idFrames[k].values()) {
        const counts = [...byId.values()];
        share[k][0] += Math.max(...counts);
        share[k][1] += counts.reduce((a, b) => a + b, 0);
      }
    });
  }
  names.forEach((name, k) => {
    const per = switches[k].map((s) => ((100 * s) / counted).toFixed(1));
    console.log(`| ${name} | ${per.join(" | ")} | ${(share[k][0] / share[k][1]).toFixed(3)} |`);
  });
}

/**
 * Milliseconds per `assign` at 384 x 288 (the street scene) and 640 x 480 (a crowd), printed as
 * a table. Three passes per tracker, interleaved, so that both meet the same machine load.
 */
function timing(rows: { name: string; make: () => Tracker }[], timingFrames: number): void {
  const warm = Math.min(50, timingFrames);
  console.log(`ms per frame (assign only; 3 x ${timingFrames} frames after ${warm} warm-up)\n`);
  console.log("| map | islands/frame | tracker | mean | median | p95 |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (
    const scene of [
      STREET,
      { ...STREET, width: 640, height: 480, people: 30, cars: 10, fastCars: 6, specks: 50 },
    ]
  ) {
    // Only the labels are kept (truth and oracle would triple the heap the GC walks).
    const sequence: Int32Array[] = [];
    let islands = 0;
    for (const f of simulate({ ...scene, frames: timingFrames + warm, seed: 9 })) {
      sequence.push(f.labels);
      let k = 0;
      for (let i = 0; i < f.labels.length; i++) if (f.labels[i] >= k) k = f.labels[i] + 1;
      islands += k;
    }
    const ms: number[][] = rows.map(() => []);
    for (let pass = 0; pass < 3; pass++) {
      rows.forEach((row, r) => {
        const tracker = row.make();
        sequence.forEach((labels, f) => {
          const t0 = performance.now();
          tracker.assign(labels, scene.width, scene.height);
          if (f >= warm) ms[r].push(performance.now() - t0);
        });
      });
    }
    rows.forEach((row, r) => {
      const sorted = ms[r].sort((a, b) => a - b);
      const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
      const at = (q: number) => sorted[Math.floor(sorted.length * q)].toFixed(2);
      console.log(
        `| ${scene.width}x${scene.height} | ${(islands / sequence.length).toFixed(0)} | ` +
          `${row.name} | ${mean.toFixed(2)} | ${at(0.5)} | ${at(0.95)} |`,
      );
    });
  }
  console.log();
}
