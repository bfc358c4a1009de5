/**
 * Soak: a live-paced stream for a long time, reporting the age of the frames being delivered
 * (decode to publish) over time. A server that falls behind shows it as a growing age; ours
 * always takes the newest frame, so the age must stay flat.
 *
 *   deno run -A bench/soak.ts [--minutes 10] [--every 10] [--source synthetic:] [server options]
 */
import { parseArgs } from "node:util";
import { splitArgs } from "./_split_args.ts";
import { loadConfig, streamDefaults } from "../src/config.ts";
import { StreamPipeline } from "../src/pipeline/stream_pipeline.ts";

// This script's own flags; everything else goes to the server's config parser.
const [own, rest] = splitArgs(Deno.args, ["--minutes", "--every"]);
const { values } = parseArgs({
  args: own,
  options: { minutes: { type: "string", default: "10" }, every: { type: "string", default: "10" } },
});
const config = loadConfig(rest);
const stream = new StreamPipeline({ id: "soak", settings: streamDefaults(config) });
const ages: number[] = [];
stream.subscribe(() => {
  const age = stream.status().frameAgeMs;
  if (age !== null) ages.push(age);
});
stream.start();
const t0 = performance.now();
const end = t0 + +values.minutes! * 60_000;
const rows: { t: number; p50: number; p95: number; max: number; fps: number; dropped: number }[] =
  [];
console.log("| t (s) | frame age p50 (ms) | p95 | max | processed fps | frames dropped |");
console.log("| --- | --- | --- | --- | --- | --- |");
while (performance.now() < end) {
  await new Promise((r) => setTimeout(r, +values.every! * 1000));
  const window = ages.splice(0).sort((a, b) => a - b);
  const s = stream.status();
  if (s.state === "failed") throw new Error(`stream failed: ${s.error}`);
  if (window.length === 0) continue;
  const q = (p: number) => window[Math.min(window.length - 1, Math.floor(p * window.length))];
  const row = {
    t: Math.round((performance.now() - t0) / 1000),
    p50: Math.round(q(0.5)),
    p95: Math.round(q(0.95)),
    max: Math.round(window[window.length - 1]),
    fps: s.fpsOut,
    dropped: s.framesDropped,
  };
  rows.push(row);
  console.log(`| ${row.t} | ${row.p50} | ${row.p95} | ${row.max} | ${row.fps} | ${row.dropped} |`);
}
await stream.stop();
const third = Math.max(1, Math.floor(rows.length / 3));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const first = mean(rows.slice(0, third).map((r) => r.p50));
const last = mean(rows.slice(-third).map((r) => r.p50));
console.log(
  `\nmedian frame age: first third ${first.toFixed(0)} ms, last third ${last.toFixed(0)} ms ` +
    `(${last <= first * 1.2 ? "flat" : "GROWING"})`,
);
