/**
 * Does continual adaptation stay healthy over a long stream? Runs every frame of a synthetic
 * scene through one engine (no frame dropped) while the weather cycles clear -> fog 3 -> snow 3
 * -> night 3 -> clear, and prints per window of frames the mean loss, the islands' ARI against
 * ground truth (at the grid), the island count, and the guards' events (restores to the anchor,
 * loss spikes, re-draws).
 *
 *   deno run -A bench/long_run.ts [--frames 10000] [--window 500] [--seed 7] [--phase 100]
 *     [--json out/long_run.json] [server options]
 *
 * `--phase` is the seconds each weather holds (the scene runs at 10 fps, so 100 s = 1000 frames).
 */
import { parseArgs } from "node:util";
import { splitArgs } from "./_split_args.ts";
import { applyStreamOptions, loadConfig } from "../src/config.ts";
import { adjustedRandIndex, downsampleLabelsMode } from "../src/islands/adjusted_rand_index.ts";
import { segmentSource } from "../src/pipeline/segment_source.ts";
import { renderSyntheticFrame } from "../streams/synthetic.ts";

const [own, rest] = splitArgs(Deno.args, ["--frames", "--window", "--seed", "--phase", "--json"]);
const { values } = parseArgs({
  args: own,
  options: {
    frames: { type: "string", default: "10000" },
    window: { type: "string", default: "500" },
    seed: { type: "string", default: "7" },
    phase: { type: "string", default: "100" },
    json: { type: "string", default: "" },
  },
});
const frames = +values.frames!, window = +values.window!, seed = +values.seed!;
const phase = +values.phase!;
const objects = 5;
const fps = 10;

// Enough cycles to cover the run; ramps of 10 s between weathers.
const cycle = [`clear/${phase}`, `fog:3@10/${phase}`, `snow:3@10/${phase}`, `night:3@10/${phase}`];
const cycles = Math.ceil(frames / fps / (4 * phase + 30)) + 1;
const weather = Array.from(
  { length: cycles },
  (_, i) => cycle.map((s, j) => (i > 0 && j === 0 ? `clear@10/${phase}` : s)).join(","),
).join(",");
const phaseOf = (t: number) => {
  const within = t % (4 * phase + 30);
  const names = ["clear", "fog", "snow", "night"];
  return names[Math.min(3, Math.floor(within / (phase + 10)))];
};

const config = loadConfig(rest);
const settings = applyStreamOptions(config, {
  source: `synthetic:?seed=${seed}&objects=${objects}&fps=${fps}`,
  weather,
  fps,
});

interface Row {
  frames: string;
  weather: string;
  loss: number;
  ari: number;
  islands: number;
  restored: number;
  spikes: number;
  resets: number;
  msPerFrame: number;
}
const rows: Row[] = [];
let acc = {
  loss: 0,
  ari: 0,
  islands: 0,
  n: 0,
  restored: 0,
  spikes: 0,
  resets: 0,
  t0: performance.now(),
};
const weathers = new Map<string, number>();
console.log(
  `| frames | weather | loss | ARI | islands | restores | spikes | re-draws | ms/frame |`,
);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
const started = performance.now();
for await (const f of segmentSource({ settings, frames })) {
  // The truth at the working frame the engine saw, brought to its island map's lattice.
  const { width, height } = f.image;
  const truth = renderSyntheticFrame({ width, height, seed, objects, fps }, f.frame).truth;
  const gt = downsampleLabelsMode(truth, width, height, f.width, f.height);
  acc.ari += adjustedRandIndex(gt, f.labels);
  acc.loss += f.loss ?? 0;
  acc.islands += f.islands.length;
  acc.restored += f.events.restored ? 1 : 0;
  acc.spikes += f.events.spike ? 1 : 0;
  acc.resets += f.events.reset ? 1 : 0;
  const w = phaseOf(f.pts);
  weathers.set(w, (weathers.get(w) ?? 0) + 1);
  acc.n++;
  if (acc.n === window) {
    const now = performance.now();
    const row: Row = {
      frames: `${f.frame + 1 - window}-${f.frame}`,
      weather: [...weathers.keys()].join("+"),
      loss: acc.loss / acc.n,
      ari: acc.ari / acc.n,
      islands: acc.islands / acc.n,
      restored: acc.restored,
      spikes: acc.spikes,
      resets: acc.resets,
      msPerFrame: (now - acc.t0) / acc.n,
    };
    rows.push(row);
    console.log(
      `| ${row.frames} | ${row.weather} | ${row.loss.toFixed(4)} | ${row.ari.toFixed(3)} | ` +
        `${row.islands.toFixed(1)} | ${row.restored} | ${row.spikes} | ${row.resets} | ` +
        `${row.msPerFrame.toFixed(0)} |`,
    );
    acc = { loss: 0, ari: 0, islands: 0, n: 0, restored: 0, spikes: 0, resets: 0, t0: now };
    weathers.clear();
  }
}
const minutes = (performance.now() - started) / 60_000;
console.log(
  `\n${frames} frames in ${minutes.toFixed(1)} min, seed ${seed}, weather ${
    weather.slice(0, 80)
  }...`,
);
if (values.json) {
  await Deno.writeTextFile(values.json, JSON.stringify({ frames, seed, weather, rows }, null, 2));
}
