/**
 * Island quality on the synthetic stream: ARI against the generator's ground truth of the APM's
 * islands (as the server cuts them) and of islands cut straight from the teacher's field (the
 * bar), per seed, over a window of processed frames. The source runs at 10 fps and every second
 * frame is processed, as the default engine does on two cores.
 *
 *   deno run -A bench/stream_quality.ts [--frames 60] [--window 20] [--seeds 1,2,3] [server options]
 */
import { parseArgs } from "node:util";
import { splitArgs } from "./_split_args.ts";
import { loadConfig } from "../src/config.ts";
import { createEngine } from "../src/apm/engine.ts";
import { loadMobileNetV2Teacher } from "../src/apm/teacher.ts";
import { resizeRgbTensor } from "../kernels/resize_rgb.ts";
import { adjustedRandIndex, downsampleLabelsMode } from "../src/islands/adjusted_rand_index.ts";
import { LEARNED_FIELD_OPTIONS, segmentField } from "../src/islands/segment_field.ts";
import { renderSyntheticFrame } from "../streams/synthetic.ts";

// This script's own flags; everything else goes to the server's config parser.
const [own, rest] = splitArgs(Deno.args, ["--frames", "--window", "--seeds"]);
const { values } = parseArgs({
  args: own,
  options: {
    frames: { type: "string", default: "60" },
    window: { type: "string", default: "20" },
    seeds: { type: "string", default: "1,2,3" },
  },
});
const config = loadConfig(rest);
const frames = +values.frames!, window = +values.window!;
const side = config.apm.grid * config.apm.patch, grid = config.apm.grid;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const rows: string[] = [];
const all = { apm: [] as number[], teacher: [] as number[], ms: [] as number[] };
for (const seed of values.seeds!.split(",").map(Number)) {
  const engine = await createEngine({ apm: config.apm, backend: config.backend });
  const teacher = await loadMobileNetV2Teacher(config.apm.teacherLayer, config.apm.teacherDim);
  const apmAri: number[] = [], teacherAri: number[] = [], ms: number[] = [];
  for (let i = 0; i < frames; i++) {
    const { data, truth } = renderSyntheticFrame({ width: side, height: side, seed }, i * 2);
    const t0 = performance.now();
    const r = await engine.process({ width: side, height: side, data });
    ms.push(performance.now() - t0);
    if (i < frames - window) continue;
    const gt = downsampleLabelsMode(truth, side, side, grid, grid);
    const field = { width: grid, height: grid, dim: r.dim, data: r.field };
    apmAri.push(adjustedRandIndex(gt, segmentField(field, LEARNED_FIELD_OPTIONS)));
    const t = teacher.features(resizeRgbTensor(data, side, side, 224, 224), grid);
    const tField = {
      width: grid,
      height: grid,
      dim: teacher.dim,
      data: await t.data() as Float32Array,
    };
    t.dispose();
    teacherAri.push(adjustedRandIndex(gt, segmentField(tField)));
  }
  engine.dispose();
  teacher.dispose();
  rows.push(
    `| ${seed} | ${mean(apmAri).toFixed(3)} | ${mean(teacherAri).toFixed(3)} | ${
      mean(ms).toFixed(0)
    } |`,
  );
  all.apm.push(mean(apmAri));
  all.teacher.push(mean(teacherAri));
  all.ms.push(mean(ms));
}
console.log(
  `frames ${frames - window}-${frames} of ${frames} processed, backend ${config.backend}`,
);
console.log("| seed | APM islands ARI | teacher-only islands ARI | engine ms/frame |");
console.log("| --- | --- | --- | --- |");
for (const r of rows) console.log(r);
console.log(
  `| mean | ${mean(all.apm).toFixed(3)} | ${mean(all.teacher).toFixed(3)} | ${
    mean(all.ms).toFixed(0)
  } |`,
);
