/**
 * Island stability on real fixed-camera clips that have no ground truth: only the metrics that
 * need none, island-count stability and id persistence.
 *
 *   deno run -A bench/quality/real_clips.ts [--clips a.mp4,b.mov] [--frames 300]
 *     [--steady-from N] [--json out/real_clips.json] [server options, e.g. --weather fog:3]
 *
 * - Clips: default the ones Debian ships that exist here (python3-imageio's realshort.mp4 and
 *   cockatoo.mp4, python3-mecavideo's videos, node-opencv's motion.mov); missing ones are skipped
 *   with a note. A clip shorter than `--frames` just ends.
 * - Ours: `segmentSource` (every frame, none dropped, the server's own path), labels at the
 *   source's resolution (`resampleLabels(frame, "source")`). Each clip is taken at its own frame
 *   rate (ffprobe) unless `--fps` is given, so every frame of it is seen; `--weather` etc. are the
 *   server's options.
 * - Steady state: frame `--steady-from` on (default half the frames processed).
 * - Islands a frame: distinct ids a frame, mean, std and p95. Count change: mean absolute
 *   difference of that count between consecutive frames.
 * - Id persistence: a lifetime is a run of consecutive frames an id is present in (counted from
 *   frame 0; runs still open at the end are cut there). Median lifetime is weighted by area (the
 *   lifetime the median steady pixel-frame belongs to); area in persistent ids is the share of
 *   steady pixel-frames whose id's run lasts at least 10 frames; births are ids never seen
 *   before, per 100 steady frames.
 * - Frames/s: frames processed a second in the steady state (time waiting on the engine only).
 */
import { parseArgs } from "node:util";
import { loadConfig, streamDefaults } from "../../src/config.ts";
import { resampleLabels } from "../../src/islands/resample_labels.ts";
import { segmentSource } from "../../src/pipeline/segment_source.ts";
import { splitArgs } from "../_split_args.ts";

const IMAGEIO = "/usr/lib/python3/dist-packages/imageio/resources/images";
const MECAVIDEO = "/usr/share/pymecavideo/data/video";
const PERSISTENT = 10;

const [own, rest] = splitArgs(Deno.args, ["--clips", "--frames", "--steady-from", "--json"]);
const { values } = parseArgs({
  args: own,
  options: {
    clips: { type: "string", default: "" },
    frames: { type: "string", default: "300" },
    "steady-from": { type: "string", default: "" },
    json: { type: "string", default: "" },
  },
});
const config = loadConfig(rest);

/** What `cmd` prints, "" when it fails or is missing. */
async function output(cmd: string, args: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : "";
  } catch {
    return "";
  }
}

/** The default clips: Debian's, those present on this machine. */
async function defaultClips(): Promise<string[]> {
  const clips = [`${IMAGEIO}/realshort.mp4`, `${IMAGEIO}/cockatoo.mp4`];
  try {
    for await (const e of Deno.readDir(MECAVIDEO)) {
      if (e.isFile) clips.push(`${MECAVIDEO}/${e.name}`);
    }
  } catch {
    console.error(`note: no ${MECAVIDEO} (python3-mecavideo not installed)`);
  }
  const motion = (await output("dpkg", ["-L", "node-opencv"])).split("\n")
    .find((p) => p.endsWith("examples/files/motion.mov"));
  if (motion) clips.push(motion);
  else console.error("note: no node-opencv motion.mov (node-opencv not installed)");
  return clips;
}

/** A file's own frame rate (ffprobe), capped at the server's 120; the config's when unknown. */
async function clipFps(path: string): Promise<number> {
  const out = await output("ffprobe", [
    ...["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate"],
    ...["-of", "csv=p=0", path],
  ]);
  const [num, den] = out.trim().split("/").map(Number);
  const fps = num / (den || 1);
  return fps > 0 && Number.isFinite(fps) ? Math.min(120, fps) : config.fps;
}

/** Runs one clip through the engine and scores its steady state. */
async function measure(path: string) {
  const fps = rest.includes("--fps") ? config.fps : await clipFps(path);
  const settings = { ...streamDefaults(config), source: path, fps };
  const areas: Map<number, number>[] = []; // per frame: id -> pixels at the source's size
  const ms: number[] = []; // per frame: time waiting on the engine
  let size = "";
  let asked = performance.now();
  for await (const f of segmentSource({ settings, frames: +values.frames! })) {
    ms.push(performance.now() - asked);
    const { labels, width, height } = resampleLabels(f, "source");
    size = `${width}x${height}`;
    const a = new Map<number, number>();
    for (let i = 0, run = 0; i < labels.length; i++) {
      run++;
      if (i + 1 === labels.length || labels[i + 1] !== labels[i]) {
        a.set(labels[i], (a.get(labels[i]) ?? 0) + run);
        run = 0;
      }
    }
    areas.push(a);
    asked = performance.now();
  }
  const n = areas.length;
  const steadyFrom = values["steady-from"] ? +values["steady-from"] : Math.floor(n / 2);
  if (!(n > steadyFrom + 1)) throw new Error(`${n} frames, none after ${steadyFrom}`);

  // Runs of consecutive presence, each with the steady pixel-frames it covers.
  const runs: { start: number; end: number; area: number }[] = [];
  const open = new Map<number, (typeof runs)[number]>();
  const seen = new Set<number>();
  let births = 0;
  for (let t = 0; t < n; t++) {
    for (const id of open.keys()) if (!areas[t].has(id)) open.delete(id);
    for (const [id, a] of areas[t]) {
      if (!seen.has(id) && t >= steadyFrom) births++;
      seen.add(id);
      let r = open.get(id);
      if (!r) {
        runs.push(r = { start: t, end: t, area: 0 });
        open.set(id, r);
      }
      r.end = t;
      if (t >= steadyFrom) r.area += a;
    }
  }
  const len = (r: (typeof runs)[number]) => r.end - r.start + 1;
  const total = runs.reduce((s, r) => s + r.area, 0);
  const byLength = runs.filter((r) => r.area > 0).sort((a, b) => len(a) - len(b));
  let acc = 0, medianLifetime = NaN;
  for (const r of byLength) {
    if ((acc += r.area) >= total / 2) {
      medianLifetime = len(r);
      break;
    }
  }
  const persistent = byLength.filter((r) => len(r) >= PERSISTENT).reduce((s, r) => s + r.area, 0);

  const counts = areas.slice(steadyFrom).map((a) => a.size);
  const mean = counts.reduce((s, c) => s + c, 0) / counts.length;
  const std = Math.sqrt(counts.reduce((s, c) => s + (c - mean) ** 2, 0) / counts.length);
  const sorted = [...counts].sort((a, b) => a - b);
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))];
  let change = 0;
  for (let i = 1; i < counts.length; i++) change += Math.abs(counts[i] - counts[i - 1]);
  const steadyMs = ms.slice(steadyFrom).reduce((s, x) => s + x, 0);
  return {
    clip: path.split("/").pop()!,
    source: size,
    fps: +fps.toFixed(2),
    frames: n,
    steadyFrom,
    islands: { mean, std, p95 },
    countChange: change / (counts.length - 1),
    medianLifetime,
    persistentArea: persistent / total,
    birthsPer100: (births / counts.length) * 100,
    processedFps: counts.length / (steadyMs / 1000),
  };
}

const clips = values.clips ? values.clips.split(",").filter((c) => c !== "") : await defaultClips();
const results: Awaited<ReturnType<typeof measure>>[] = [];
for (const clip of clips) {
  try {
    if (!(await Deno.stat(clip)).isFile) throw new Error("not a file");
  } catch {
    console.error(`note: skipping ${clip} (missing)`);
    continue;
  }
  const t0 = performance.now();
  try {
    results.push(await measure(clip));
    console.error(`${clip}: done (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } catch (err) {
    console.error(`note: skipping ${clip}: ${(err as Error).message}`);
  }
}

const f1 = (x: number) => Number.isFinite(x) ? x.toFixed(1) : "-";
console.log(
  `Steady state from frame --steady-from (default half the frames); lifetimes in frames; ` +
    `persistent = alive at least ${PERSISTENT} frames. Server options: ${rest.join(" ") || "-"}.`,
);
console.log("");
console.log(
  "| clip | source | fps | frames (steady from) | islands a frame: mean ± std (p95) | " +
    "count change | median lifetime (area) | area in persistent ids | births / 100 frames | " +
    "frames/s |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of results) {
  console.log(
    `| ${r.clip} | ${r.source} | ${f1(r.fps)} | ${r.frames} (${r.steadyFrom}) | ` +
      `${f1(r.islands.mean)} ± ${f1(r.islands.std)} (${r.islands.p95}) | ${f1(r.countChange)} | ` +
      `${r.medianLifetime} | ${f1(r.persistentArea * 100)} % | ${f1(r.birthsPer100)} | ` +
      `${f1(r.processedFps)} |`,
  );
}
if (values.json) {
  await Deno.writeTextFile(
    values.json,
    JSON.stringify({ options: rest, persistentFrames: PERSISTENT, results }, null, 2),
  );
}
