/**
 * The island-quality benchmark: APM islands against SLIC and Felzenszwalb (scikit-image) on the
 * very same frames, clear and under weather, with ablations of the adaptation.
 *
 *   deno run -A bench/quality/run.ts [--seeds 1,2,3] [--ablation-seeds 1,2] [--frames 200]
 *     [--clip PATH] [--json out/quality.json] [--object-scale 1] [--size WxH] [server options]
 *
 * - Sequences: the synthetic generator (exact per-pixel ground truth), one scene per seed with
 *   3-6 objects (15-25% of the width, or scaled by `--object-scale`: 0.25 is pedestrian-sized),
 *   each run clear and under the schedule clear -> fog 3 -> snow 3 -> clear (5 s each, 2 s
 *   ramps, at 10 fps). Every frame is processed (`segmentSource`, none dropped). The scenes are
 *   the generator's 224 x 224 unless `--size WxH` (e.g. 640x360, a camera's shape) is given; the
 *   engine works on the working frame (`--frame-size`, aspect kept) as it would on a camera.
 * - Ground truth is rendered at the published working frame's own size (`image`), which is
 *   where every method is judged.
 * - Peers: tuned once on clear frames of a scene no sequence uses (seed 100, at the working
 *   frame's size), for the best mean ARI, then held fixed, as our own island parameters are.
 * - Metrics at the working frame's pixels: ARI, mean IoU of Hungarian-matched objects, boundary
 *   F (2 px), id switches per 100 frames (peers' and the teacher's labels get our IoU id tracker,
 *   so all are judged alike).
 * - Rows:
 *   - "ours, frame resolution": the labels a subscriber gets at `resolution: "frame"`
 *     (`resampleLabels`): by default the engine's own frame labels (islands cut at the frame's
 *     pixels from its learnt scene model over a background cut from the field, `foreground`);
 *     with `--foreground false` the lattice labels upsampled edge-aware, as before.
 *   - "ours, lattice (nearest)": the lattice map the engine publishes (`labels`), nearest-
 *     neighbour upsampled: what the field and lattice alone resolve.
 *   - "teacher field alone" / "+ colour": islands cut from the teacher's own field (MobileNetV2,
 *     no APM), the frame letterboxed into its input and read at the engine's grid
 *     (`gridSize`, the frame's shape), as the engine's teacher does: the bar the APM must clear.
 *   - the peers, at the frame's pixels;
 *   - the ceilings: a perfect labelling (ground truth's majority per cell) of lattices of 32 and
 *     64 cells along the frame's long side (32 x 32 and 64 x 64 on square frames), upsampled
 *     edge-aware: how much of the gap is resolution, how much features.
 * - Ablations (weather runs, ours at frame resolution): frozen weights after the first clear
 *   segment, weights reset every frame, teacher on every 5th frame, no teacher, features
 *   without colour, a 64-cell lattice, and field islands only (`--foreground false`, the
 *   previous design: islands cut from the field and colour at the lattice, no scene model).
 * - A real clip (no ground truth): the island count's stability frame to frame (ours counted in
 *   its frame labels when the engine sends them).
 */
import { parseArgs } from "node:util";
import { initBackend } from "../../src/apm/backend.ts";
import { gridSize, minIslandArea } from "../../src/apm/apm_config.ts";
import { letterboxFit, loadMobileNetV2Teacher } from "../../src/apm/teacher.ts";
import { resizeRgbTensor } from "../../kernels/resize_rgb.ts";
import { resizeRgbReference } from "../../kernels/resize_rgb_reference.ts";
import { LEARNED_FIELD_OPTIONS, segmentField } from "../../src/islands/segment_field.ts";
import { joinColor } from "../../src/islands/color_field.ts";
import { downsampleLabelsMode } from "../../src/islands/adjusted_rand_index.ts";
import { splitArgs } from "../_split_args.ts";
import { applyStreamOptions, loadConfig, type StreamSettings } from "../../src/config.ts";
import { createIdTracker } from "../../src/islands/track_ids.ts";
import { nearestUpsampleLabels, upsampleLabels } from "../../src/islands/upsample_labels.ts";
import { resampleLabels } from "../../src/islands/resample_labels.ts";
import { segmentSource } from "../../src/pipeline/segment_source.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import { probeSourceSize } from "../../streams/probe_source.ts";
import { type FrameSize, workingFrameSize } from "../../streams/frame_geometry.ts";
import {
  adjustedRandIndex,
  boundaryFScore,
  countStability,
  createIdSwitchCounter,
  meanMatchedIoU,
} from "./metrics.ts";
import { type PeerMethod, PeerSegmenters, tunePeer } from "./peers.ts";

const OWN = [
  "--seeds",
  "--ablation-seeds",
  "--frames",
  "--clip",
  "--json",
  "--object-scale",
  "--size",
];
const [own, rest] = splitArgs(Deno.args, OWN);
const { values } = parseArgs({
  args: own,
  options: {
    seeds: { type: "string", default: "1,2,3" },
    "ablation-seeds": { type: "string", default: "1,2" },
    frames: { type: "string", default: "200" },
    clip: {
      type: "string",
      default: "/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4",
    },
    json: { type: "string", default: "" },
    "object-scale": { type: "string", default: "1" },
    // The synthetic scenes' own size, WxH ("": the generator's, 224 x 224).
    size: { type: "string", default: "" },
  },
});
const seeds = values.seeds!.split(",").map(Number);
const ablationSeeds = values["ablation-seeds"]!.split(",").filter((s) => s !== "").map(Number);
const frames = +values.frames!;
// Object size relative to the generator's default (0.25: pedestrian-sized, 4-6% of the width).
const scale = +values["object-scale"]!;
const FPS = 10;
const WEATHER = "clear/5,fog:3@2/3,snow:3@2/3,clear@2/3";
/** Which part of the weather schedule a time falls in (ramps are left out of the segments). */
function segmentOf(t: number, weather: boolean): string {
  if (!weather) {
    return t < 5
      ? "clear-1"
      : t >= 17
      ? "clear-2"
      : t >= 7 && t < 10
      ? "mid-1"
      : t >= 12 && t < 15
      ? "mid-2"
      : "ramp";
  }
  if (t < 5) return "clear-1";
  if (t >= 7 && t < 10) return "fog";
  if (t >= 12 && t < 15) return "snow";
  if (t >= 17) return "clear-2";
  return "ramp";
}

const config = loadConfig(rest);
/** A synthetic scene's source, at `--size` when given. */
const syntheticSource = (seed: number, objects: number) =>
  `synthetic:?seed=${seed}&objects=${objects}&scale=${scale}&fps=${FPS}` +
  (values.size ? `&size=${values.size}` : "");
// The working frame every synthetic run is decoded at (all scenes share `--size`), found as
// `segmentSource` finds it: the tuning frames and the ceilings' lattices follow it. Each run's
// ground truth is rendered at its published frame's own `image` size.
const working: FrameSize = workingFrameSize(
  await probeSourceSize(syntheticSource(100, 4)),
  config.frameSize,
);
/** A lattice of `n` cells along the long side of a `frame`, the short side in its proportion. */
function ceilingLattice(n: number, frame: FrameSize): FrameSize {
  const long = Math.max(frame.width, frame.height);
  const short = (x: number) => Math.max(1, Math.round((n * x) / long));
  return frame.width >= frame.height
    ? { width: n, height: short(frame.height) }
    : { width: short(frame.width), height: n };
}
const CEILINGS = { "perfect-32": 32, "perfect-64": 64 } as const;
const ceilingName = (n: number) => {
  const { width, height } = ceilingLattice(n, working);
  return `ceiling: perfect ${width}x${height}`;
};
type Method =
  | "apm"
  | "apm-lattice"
  | "teacher"
  | "teacher-color"
  | PeerMethod
  | "perfect-32"
  | "perfect-64";
const METHODS: Method[] = [
  "apm",
  "apm-lattice",
  "teacher",
  "teacher-color",
  "felzenszwalb",
  "slic",
  "perfect-32",
  "perfect-64",
];
const ROW_NAMES: Record<Method, string> = {
  apm: "ours, frame resolution",
  "apm-lattice": "ours, lattice (nearest)",
  teacher: "teacher field alone",
  "teacher-color": "teacher field + colour",
  felzenszwalb: "felzenszwalb",
  slic: "slic",
  "perfect-32": ceilingName(CEILINGS["perfect-32"]),
  "perfect-64": ceilingName(CEILINGS["perfect-64"]),
};
interface Score {
  ari: number;
  miou: number;
  bf: number;
  n: number;
}
/** results[run][method][segment] */
const results: Record<string, Record<string, Record<string, Score>>> = {};
const switches: Record<string, Record<string, number>> = {};
/** Frames per second of each run's engine (every frame, wall clock, peers excluded). */
const runFps: Record<string, number> = {};

// The teacher alone, in this process: islands from its field are the bar the APM must clear.
await initBackend("wasm");
const teacher = await loadMobileNetV2Teacher(config.apm.teacherLayer, config.apm.teacherDim);
/**
 * Islands cut from the teacher's field at the engine's grid for a `width x height` frame
 * (`gridSize`: the frame's shape), the frame letterboxed into the teacher's input as the engine
 * does it (resized, aspect kept, to `letterboxFit`; the teacher pads it), the teacher run once:
 * alone, and joined with the frame's colour as the engine joins the APM's field. Labels are
 * `grid.width x grid.height`.
 */
async function teacherLabels(rgb: Uint8Array, width: number, height: number) {
  const grid = gridSize(config.apm, { width, height });
  const fit = letterboxFit(width, height, teacher.inputSize);
  // Not inside a tf.tidy: the teacher keeps its map samplers (tensors) across calls, and a
  // tidy around the call would dispose them with the frame.
  const input = resizeRgbTensor(rgb, width, height, fit.width, fit.height);
  let data: Float32Array;
  try {
    const t = teacher.features(input, grid.width, grid.height);
    data = await t.data() as Float32Array;
    t.dispose();
  } finally {
    input.dispose();
  }
  const field = { width: grid.width, height: grid.height, dim: teacher.dim, data };
  // The engine's smallest island; without colour, the options a teacher's field is cut with,
  // with it, the engine's own.
  const minArea = minIslandArea(config.apm, grid.width, grid.height);
  const colors = resizeRgbReference(rgb, width, height, grid.width, grid.height);
  return {
    grid,
    alone: segmentField(field, { minArea }),
    withColor: segmentField(joinColor(field, colors, config.apm.colorWeight), {
      ...LEARNED_FIELD_OPTIONS,
      minArea,
    }),
  };
}

const peers = await PeerSegmenters.start();
try {
  const { width: tuneW, height: tuneH } = working;
  console.error(`tuning the peers on clear ${tuneW}x${tuneH} frames of seed 100 ...`);
  const tuning = Array.from({ length: 11 }, (_, i) => {
    const f = renderSyntheticFrame(
      { width: tuneW, height: tuneH, seed: 100, objects: 4, scale, fps: FPS },
      i * 4,
    );
    return { rgb: f.data, width: tuneW, height: tuneH, truth: Int32Array.from(f.truth) };
  });
  const tuned: Record<PeerMethod, Record<string, number>> = {
    felzenszwalb: (await tunePeer(peers, "felzenszwalb", tuning)).params,
    slic: (await tunePeer(peers, "slic", tuning)).params,
  };
  console.error(`tuned: ${JSON.stringify(tuned)}`);

  const variants: Record<string, (s: StreamSettings) => void> = {
    continual: () => {},
    frozen: (s) => s.apm.freezeAfterFrames = 5 * FPS,
    "reset-every-frame": (s) => s.apm.resetEveryFrame = true,
    "teacher-every-5": (s) => s.apm.teacherEvery = 5,
    "no-teacher": (s) => s.apm.teacher = "none",
    "features-only": (s) => s.apm.colorWeight = 0,
    "lattice-64": (s) => s.apm.lattice = 64,
    // The previous design: islands of the field (and colour) alone, at the lattice.
    "field-only": (s) => s.apm.foreground = false,
  };
  const VARIANT_NAMES: Record<string, string> = {
    "field-only": "ours, field islands only (--foreground false)",
  };
  const runs: { seed: number; weather: boolean; variant: string }[] = [];
  for (const seed of seeds) {
    for (const weather of [false, true]) runs.push({ seed, weather, variant: "continual" });
  }
  for (const seed of ablationSeeds) {
    for (const variant of Object.keys(variants).slice(1)) {
      runs.push({ seed, weather: true, variant });
    }
  }

  for (const run of runs) {
    const objects = 3 + (run.seed % 4);
    const name = `seed ${run.seed} ${run.weather ? "weather" : "clear"} ${run.variant}`;
    const t0 = performance.now();
    const settings = applyStreamOptions(config, {
      source: syntheticSource(run.seed, objects),
      weather: run.weather ? WEATHER : "",
      fps: FPS,
    });
    variants[run.variant](settings);
    const withPeers = run.variant === "continual";
    const methods: Method[] = withPeers ? METHODS : ["apm", "apm-lattice"];
    const scores: Record<string, Record<string, Score>> = {};
    const counters = Object.fromEntries(methods.map((m) => [m, createIdSwitchCounter()]));
    const trackers = Object.fromEntries(methods.map((m) => [m, createIdTracker()]));
    let engineMs = 0;
    let processed = 0;
    let asked = performance.now();
    for await (const f of segmentSource({ settings, frames })) {
      engineMs += performance.now() - asked;
      processed++;
      const { rgb, width, height } = f.image;
      // The scene at the published frame's own size: where every method is judged.
      const truth = Int32Array.from(
        renderSyntheticFrame(
          { width, height, seed: run.seed, objects, scale, fps: FPS },
          f.frame,
        ).truth,
      );
      const labels: Record<string, Int32Array> = {
        // What a subscriber gets at `resolution: "frame"`: the engine's frame labels when it
        // sends them, else the lattice's upsampled edge-aware.
        apm: resampleLabels(f, "frame").labels,
        "apm-lattice": nearestUpsampleLabels(f.labels, f.width, f.height, width, height),
      };
      if (withPeers) {
        for (const m of ["felzenszwalb", "slic"] as const) {
          const raw = await peers.segment(m, rgb, width, height, tuned[m]);
          labels[m] = trackers[m].assign(raw, width, height);
        }
        const cut = await teacherLabels(rgb, width, height);
        const g = cut.grid;
        const own = trackers.teacher.assign(cut.alone, g.width, g.height);
        labels.teacher = upsampleLabels(
          own,
          g.width,
          g.height,
          rgb,
          width,
          height,
          width,
          height,
        );
        // The teacher with the same colour the APM's islands get: what the APM adds over it.
        const withColor = trackers["teacher-color"].assign(cut.withColor, g.width, g.height);
        labels["teacher-color"] = upsampleLabels(
          withColor,
          g.width,
          g.height,
          rgb,
          width,
          height,
          width,
          height,
        );
        for (const [m, n] of Object.entries(CEILINGS)) {
          const c = ceilingLattice(n, { width, height });
          const perfect = downsampleLabelsMode(truth, width, height, c.width, c.height);
          labels[m] = upsampleLabels(
            perfect,
            c.width,
            c.height,
            rgb,
            width,
            height,
            width,
            height,
          );
        }
      }
      const segment = segmentOf(f.pts, run.weather);
      for (const m of methods) {
        const s = ((scores[m] ??= {})[segment] ??= { ari: 0, miou: 0, bf: 0, n: 0 });
        s.ari += adjustedRandIndex(truth, labels[m]);
        s.miou += meanMatchedIoU(labels[m], truth);
        s.bf += boundaryFScore(labels[m], truth, width, height, 2);
        s.n++;
        counters[m].update(labels[m], truth);
      }
      asked = performance.now();
    }
    runFps[name] = processed / (engineMs / 1000);
    results[name] = scores;
    switches[name] = Object.fromEntries(methods.map((m) => [m, counters[m].per100Frames()]));
    console.error(`${name}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }

  // Means over seeds, per condition and variant.
  const mean = (keys: string[], method: string, segment: string, field: keyof Score) => {
    const xs = keys.map((k) => results[k][method]?.[segment]).filter((s) =>
      s && s.n > 0
    ) as Score[];
    return xs.length ? xs.reduce((a, s) => a + s[field] / s.n, 0) / xs.length : NaN;
  };
  const keysOf = (weather: boolean, variant: string, from = seeds) =>
    from.map((s) => `seed ${s} ${weather ? "weather" : "clear"} ${variant}`).filter((k) =>
      results[k]
    );
  const f3 = (x: number) => Number.isFinite(x) ? x.toFixed(3) : "-";

  const weatherKeys = keysOf(true, "continual");
  const clearKeys = keysOf(false, "continual");
  const segs = ["clear-1", "fog", "snow", "clear-2"];
  const out: string[] = [];
  out.push(
    `Peers tuned on seed 100 clear frames: ${JSON.stringify(tuned)}; seeds ${
      seeds.join(", ")
    }; ${frames} frames each; object scale ${scale}; working frame ${working.width}x${working.height}.\n`,
  );
  const fpsOf = (keys: string[]) =>
    keys.reduce((a, k) => a + (runFps[k] ?? 0), 0) / (keys.length || 1);
  out.push(
    `Our engine processed ${fpsOf([...weatherKeys, ...clearKeys]).toFixed(2)} frames/s ` +
      `(default configuration, mean of the runs; the lattice-64 variant: ` +
      `${fpsOf(keysOf(true, "lattice-64", ablationSeeds)).toFixed(2)}, field islands only: ` +
      `${fpsOf(keysOf(true, "field-only", ablationSeeds)).toFixed(2)}).\n`,
  );
  out.push("ARI / mean matched IoU / boundary F, weather runs (mean of seeds):\n");
  out.push(`| method | ${segs.join(" | ")} |`);
  out.push(`| --- | ${segs.map(() => "---").join(" | ")} |`);
  for (const m of METHODS) {
    out.push(
      `| ${ROW_NAMES[m]} | ${
        segs.map((g) =>
          `${f3(mean(weatherKeys, m, g, "ari"))} / ${f3(mean(weatherKeys, m, g, "miou"))} / ${
            f3(mean(weatherKeys, m, g, "bf"))
          }`
        ).join(" | ")
      } |`,
    );
  }
  out.push("\nARI lost to weather (clear-1 minus fog / snow) and id switches per 100 frames:\n");
  out.push(
    "| method | ARI clear-1 | lost to fog 3 | lost to snow 3 | id switches (weather) | id switches (clear runs) |",
  );
  out.push("| --- | --- | --- | --- | --- | --- |");
  for (const m of METHODS) {
    const c = mean(weatherKeys, m, "clear-1", "ari");
    const sw = (keys: string[]) =>
      keys.reduce((a, k) => a + (switches[k][m] ?? 0), 0) / (keys.length || 1);
    out.push(
      `| ${ROW_NAMES[m]} | ${f3(c)} | ${f3(c - mean(weatherKeys, m, "fog", "ari"))} | ${
        f3(c - mean(weatherKeys, m, "snow", "ari"))
      } | ${sw(weatherKeys).toFixed(1)} | ${sw(clearKeys).toFixed(1)} |`,
    );
  }
  if (ablationSeeds.length > 0) {
    out.push(
      `\nAblations, weather runs, ours at frame resolution, ARI / mean matched IoU per segment ` +
        `(seeds ${ablationSeeds.join(", ")}):\n`,
    );
    out.push(`| variant | ${segs.join(" | ")} | id switches | frames/s |`);
    out.push(`| --- | ${segs.map(() => "---").join(" | ")} | --- | --- |`);
    for (const v of Object.keys(variants)) {
      const keys = keysOf(true, v, ablationSeeds);
      const sw = keys.reduce((a, k) => a + switches[k].apm, 0) / (keys.length || 1);
      out.push(
        `| ${VARIANT_NAMES[v] ?? v} | ${
          segs.map((g) =>
            `${f3(mean(keys, "apm", g, "ari"))} / ${f3(mean(keys, "apm", g, "miou"))}`
          )
            .join(" | ")
        } | ${sw.toFixed(1)} | ${fpsOf(keys).toFixed(2)} |`,
      );
    }
  }

  // A real clip: no ground truth, so the island count's stability from frame to frame.
  let clip: Record<string, unknown> | null = null;
  try {
    await Deno.stat(values.clip!);
    const settings = applyStreamOptions(config, { source: values.clip!, fps: FPS });
    const clipMethods = ["apm", "teacher", "felzenszwalb", "slic"] as const;
    const counts: Record<string, number[]> = { apm: [], teacher: [], felzenszwalb: [], slic: [] };
    for await (const f of segmentSource({ settings })) {
      const { rgb, width, height } = f.image;
      // Islands at the frame's pixels when the engine cut them there (the lattice map, a mode
      // downsampling of them, can lose the smallest), else the lattice's.
      counts.apm.push(f.frameLabels ? new Set(f.frameLabels).size : f.islands.length);
      const { alone } = await teacherLabels(rgb, width, height);
      counts.teacher.push(new Set(alone).size);
      for (const m of ["felzenszwalb", "slic"] as const) {
        const raw = await peers.segment(m, rgb, width, height, tuned[m]);
        counts[m].push(new Set(raw).size);
      }
    }
    clip = Object.fromEntries(clipMethods.map((m) => [m, countStability(counts[m])]));
    out.push(`\nReal clip ${values.clip} (${counts.apm.length} frames): island count per frame\n`);
    out.push("| method | mean | std | cv | mean abs change frame to frame |");
    out.push("| --- | --- | --- | --- | --- |");
    for (const m of clipMethods) {
      const s = countStability(counts[m]);
      out.push(
        `| ${ROW_NAMES[m]} | ${s.mean.toFixed(1)} | ${s.std.toFixed(2)} | ${s.cv.toFixed(3)} | ${
          s.meanAbsChange.toFixed(2)
        } |`,
      );
    }
  } catch (err) {
    out.push(`\n(real clip skipped: ${(err as Error).message})`);
  }
  console.log(out.join("\n"));
  if (values.json) {
    await Deno.writeTextFile(
      values.json,
      JSON.stringify({ tuned, results, switches, runFps, clip }, null, 2),
    );
  }
} finally {
  await peers.close();
  teacher.dispose();
}
