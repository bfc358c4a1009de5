/**
 * Frames per second of a configuration on this machine: runs the real pipeline (source ->
 * engine Worker -> islands) on a source that offers more frames than the engine can take, so the
 * engine is never idle, and reports what it processed after a warm-up, with the stream's
 * geometry (source, working frame, grid).
 *
 *   deno run -A bench/fps.ts [--seconds 60] [--warmup 10] [--source-fps 30] [server options]
 *
 * Server options are those of `src/main.ts` (e.g. `--steps-per-frame 4 --backend webgpu`). The
 * source is the synthetic scene at `--source-fps` unless `--source` names another, e.g. a 16:9
 * file played in a loop: `--source file:///clips/street.mp4?loop=1 --frame-size 640` (files are
 * resampled to `--source-fps` too).
 */
import { parseArgs } from "node:util";
import { splitArgs } from "./_split_args.ts";
import { loadConfig, streamDefaults } from "../src/config.ts";
import { StreamPipeline } from "../src/pipeline/stream_pipeline.ts";

// This script's own flags; everything else goes to the server's config parser.
const [own, rest] = splitArgs(Deno.args, ["--seconds", "--warmup", "--source-fps"]);
const { values } = parseArgs({
  args: own,
  options: {
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "10" },
    "source-fps": { type: "string", default: "30" },
  },
});
const config = loadConfig(rest);
const sourceFps = +values["source-fps"]!;
const source = rest.includes("--source") ? config.source : `synthetic:?fps=${sourceFps}`;
const stream = new StreamPipeline({
  id: "bench",
  settings: { ...streamDefaults(config), source, fps: sourceFps },
});
const latencies: number[] = [];
let received = 0;
let measuring = false;
stream.subscribe((msg) => {
  if (!measuring) return;
  received++;
  // Age of the frame at delivery: from when it was read off the decoder (the pts schedule
  // would also count the stream's start-up, which a file source's pts begins after).
  latencies.push((performance.timeOrigin + performance.now() - msg.decodedAt) / 1000);
});
stream.start();
while (stream.status().state === "starting") await new Promise((r) => setTimeout(r, 100));
if (stream.status().state !== "running") {
  throw new Error(`the stream did not start: ${stream.status().error ?? stream.status().state}`);
}
await new Promise((r) => setTimeout(r, +values.warmup! * 1000));
const before = stream.status();
measuring = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, +values.seconds! * 1000));
const seconds = (performance.now() - t0) / 1000;
const after = stream.status();
await stream.stop();

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(JSON.stringify(
  {
    machine: `${Deno.build.os}-${Deno.build.arch}, ${navigator.hardwareConcurrency} cores`,
    backend: after.engine?.backend.name,
    teacher: after.engine?.teacher,
    source: stream.displaySource,
    geometry: after.geometry,
    apm: config.apm,
    seconds: Math.round(seconds),
    processedFps: +(received / seconds).toFixed(2),
    sourceFps,
    droppedFraction: +((after.framesDropped - before.framesDropped) /
      Math.max(1, after.framesDecoded - before.framesDecoded)).toFixed(3),
    stageMs: after.stageMs,
    frameAgeAtDeliveryMs: { p50: Math.round(pct(0.5) * 1000), p95: Math.round(pct(0.95) * 1000) },
    loss: after.loss,
  },
  null,
  2,
));
