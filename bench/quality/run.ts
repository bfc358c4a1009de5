/**
 * The island-quality benchmark: APM islands against SLIC and Felzenszwalb (scikit-image) on the
 * very same frames, clear and under weather, with ablations of the adaptation.
 *
 *   deno run -A bench/quality/run.ts [--seeds 1,2,3] [--ablation-seeds 1,2] [--frames 200]
 *     [--clip PATH] [--json out/quality.json] [server options]
 *
 * - Sequences: the synthetic generator (exact per-pixel ground truth), one scene per seed with
 *   3-6 objects, each run clear and under the schedule clear -> fog 3 -> snow 3 -> clear
 *   (5 s each, 2 s ramps, at 10 fps). Every frame is processed (`segmentSource`, none dropped).
 * - Peers: tuned once on clear frames of a scene no sequence uses (seed 100), for the best mean
 *   ARI, then held fixed, as our own island parameters are.
 * - Metrics at the frame's pixels (224 x 224 by default; our grid labels upsampled edge-aware,
 *   as subscribers can ask for): ARI, mean IoU of Hungarian-matched objects, boundary F (2 px),
 *   id switches per 100 frames (peers' labels get our IoU id tracker, so all are judged alike).
 * - Ablations (weather runs): frozen weights after the first clear segment, weights reset every
 *   frame, teacher on every 5th frame, no teacher.
 * - A real clip (no ground truth): the island count's stability frame to frame.
 */
import { parseArgs } from "node:util";
import { splitArgs } from "../_split_args.ts";
import { applyStreamOptions, loadConfig, type StreamSettings } from "../../src/config.ts";
import { createIdTracker } from "../../src/islands/track_ids.ts";
import { upsampleLabels } from "../../src/islands/upsample_labels.ts";
import { segmentSource } from "../../src/pipeline/segment_source.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import {
  adjustedRandIndex,
  boundaryFScore,
  countStability,
  createIdSwitchCounter,
  meanMatchedIoU,
} from "./metrics.ts";
import { type PeerMethod, PeerSegmenters, tunePeer } from "./peers.ts";

const OWN = ["--seeds", "--ablation-seeds", "--frames", "--clip", "--json"];
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
  },
});
const seeds = values.seeds!.split(",").map(Number);
const ablationSeeds = values["ablation-seeds"]!.split(",").filter((s) => s !== "").map(Number);
const frames = +values.frames!;
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
const side = config.apm.grid * config.apm.patch;
type Method = "apm" | PeerMethod;
const METHODS: Method[] = ["apm", "felzenszwalb", "slic"];
interface Score {
  ari: number;
  miou: number;
  bf: number;
  n: number;
}
/** results[run][method][segment] */
const results: Record<string, Record<string, Record<string, Score>>> = {};
const switches: Record<string, Record<string, number>> = {};

const peers = await PeerSegmenters.start();
try {
  console.error("tuning the peers on clear frames of seed 100 ...");
  const tuning = Array.from({ length: 11 }, (_, i) => {
    const f = renderSyntheticFrame(
      { width: side, height: side, seed: 100, objects: 4, fps: FPS },
      i * 4,
    );
    return { rgb: f.data, width: side, height: side, truth: Int32Array.from(f.truth) };
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
      source: `synthetic:?seed=${run.seed}&objects=${objects}&fps=${FPS}`,
      weather: run.weather ? WEATHER : "",
      fps: FPS,
    });
    variants[run.variant](settings);
    const withPeers = run.variant === "continual";
    const methods = withPeers ? METHODS : ["apm" as const];
    const scores: Record<string, Record<string, Score>> = {};
    const counters = Object.fromEntries(methods.map((m) => [m, createIdSwitchCounter()]));
    const trackers = Object.fromEntries(methods.map((m) => [m, createIdTracker()]));
    for await (const f of segmentSource({ settings, frames })) {
      const truth = Int32Array.from(
        renderSyntheticFrame(
          { width: side, height: side, seed: run.seed, objects, fps: FPS },
          f.frame,
        ).truth,
      );
      const { rgb, width, height } = f.image;
      const labels: Record<string, Int32Array> = {
        apm: upsampleLabels(f.labels, f.width, f.height, rgb, width, height, width, height),
      };
      if (withPeers) {
        for (const m of ["felzenszwalb", "slic"] as const) {
          const raw = await peers.segment(m, rgb, width, height, tuned[m]);
          labels[m] = trackers[m].assign(raw, width, height);
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
    }
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
    }; ${frames} frames each.\n`,
  );
  out.push("ARI / mean matched IoU / boundary F, weather runs (mean of seeds):\n");
  out.push(`| method | ${segs.join(" | ")} |`);
  out.push(`| --- | ${segs.map(() => "---").join(" | ")} |`);
  for (const m of METHODS) {
    out.push(
      `| ${m} | ${
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
      `| ${m} | ${f3(c)} | ${f3(c - mean(weatherKeys, m, "fog", "ari"))} | ${
        f3(c - mean(weatherKeys, m, "snow", "ari"))
      } | ${sw(weatherKeys).toFixed(1)} | ${sw(clearKeys).toFixed(1)} |`,
    );
  }
  if (ablationSeeds.length > 0) {
    out.push(
      `\nAblations, weather runs, APM ARI per segment (seeds ${ablationSeeds.join(", ")}):\n`,
    );
    out.push(`| variant | ${segs.join(" | ")} | id switches |`);
    out.push(`| --- | ${segs.map(() => "---").join(" | ")} | --- |`);
    for (const v of Object.keys(variants)) {
      const keys = keysOf(true, v, ablationSeeds);
      const sw = keys.reduce((a, k) => a + switches[k].apm, 0) / (keys.length || 1);
      out.push(
        `| ${v} | ${segs.map((g) => f3(mean(keys, "apm", g, "ari"))).join(" | ")} | ${
          sw.toFixed(1)
        } |`,
      );
    }
  }

  // A real clip: no ground truth, so the island count's stability from frame to frame.
  let clip: Record<string, unknown> | null = null;
  try {
    await Deno.stat(values.clip!);
    const settings = applyStreamOptions(config, { source: values.clip!, fps: FPS });
    const counts: Record<string, number[]> = { apm: [], felzenszwalb: [], slic: [] };
    for await (const f of segmentSource({ settings })) {
      counts.apm.push(f.islands.length);
      for (const m of ["felzenszwalb", "slic"] as const) {
        const raw = await peers.segment(m, f.image.rgb, f.image.width, f.image.height, tuned[m]);
        counts[m].push(new Set(raw).size);
      }
    }
    clip = Object.fromEntries(METHODS.map((m) => [m, countStability(counts[m])]));
    out.push(`\nReal clip ${values.clip} (${counts.apm.length} frames): island count per frame\n`);
    out.push("| method | mean | std | cv | mean abs change frame to frame |");
    out.push("| --- | --- | --- | --- | --- |");
    for (const m of METHODS) {
      const s = countStability(counts[m]);
      out.push(
        `| ${m} | ${s.mean.toFixed(1)} | ${s.std.toFixed(2)} | ${s.cv.toFixed(3)} | ${
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
      JSON.stringify({ tuned, results, switches, clip }, null, 2),
    );
  }
} finally {
  await peers.close();
}
