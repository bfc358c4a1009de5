/**
 * The island-quality benchmark on camera-like footage: our islands against OpenCV's MOG2
 * background subtraction, Felzenszwalb and SLIC on the semi-real sequences
 * (`semireal.ts`: real photographs, real-textured people and cars, sensor noise, H.264), clear
 * and under fog 3, snow 3 and night 3, scored at the source's resolution.
 *
 *   deno run -A bench/quality/semireal_run.ts [--sequences a,b] [--weathers clear,fog:3]
 *     [--peers mog2,felzenszwalb,slic] [--peers-from out/semireal.json] [--ablations true]
 *     [--json out/semireal.json]
 *     [--dir out/semireal] [server options, e.g. --frame-size 640]
 *
 * - Sequences: every scored one (generated into `--dir` first when missing), 300 frames at
 *   10 fps each; steady state is frame 150 on (the model has seen 15 s of the scene).
 * - Ours: `segmentSource` (every frame, none dropped, the server's own path), labels at the
 *   source's resolution (`resampleLabels(frame, "source")`), as `deno task segment
 *   --resolution source` writes them. Weather is the server's `--weather` (applied to the
 *   decoded frames), so peers see the very frames the engine saw.
 * - Peers: tuned once on the tuning sequence (its own background, no scored sequence uses it)
 *   for the best steady-state object mIoU in clear weather, then held fixed. MOG2 is stateful
 *   and sees the sequence from its first frame, as ours does. Their labels get our id tracker
 *   so that id switches are judged alike.
 * - Metrics (steady state): object mIoU (Hungarian one-to-one matching of truth objects to
 *   islands, an unmatched object counting 0), recall at IoU 0.5, islands a frame, id switches
 *   per 100 frames counted two ways (an object's dominant id changing between consecutive
 *   frames; and CLEAR MOT's: the island matched to it at IoU 0.5 or more changing since it was
 *   last so matched), and our engine's frames per second.
 * - `--peers-from`: the peers' scores (and tuned parameters) of an earlier run's `--json`, taken
 *   as they are instead of running the peers again (their results do not depend on our code).
 * - Ablations (`--ablations true`, clear and each weather, ours only): the scene cues switched
 *   off one at a time, in process on the same decoded frames (the field's background does not
 *   change object scores): the temporal prior, shadows, outline filtering, precipitation, the
 *   spatial explanation of ViBe, the splitting of merged things, the photometric fit and the
 *   contrast-relative threshold (the APM's feature surprise is off in all of them: compare
 *   "all cues" with ours); and `--foreground false` through the
 *   engine (islands of the field alone, the previous design).
 */
import { parseArgs } from "node:util";
import { applyStreamOptions, loadConfig } from "../../src/config.ts";
import { resampleLabels } from "../../src/islands/resample_labels.ts";
import { SceneIslands, type SceneIslandsOptions } from "../../src/islands/scene_islands.ts";
import { createIdTracker } from "../../src/islands/track_ids.ts";
import { segmentSource } from "../../src/pipeline/segment_source.ts";
import { applyWeather, type WeatherKind } from "../../streams/weather.ts";
import { splitArgs } from "../_split_args.ts";
import {
  createIdSwitchCounter,
  createMatchedIdSwitchCounter,
  createObjectScorer,
} from "./metrics.ts";
import {
  objectMIoUScore,
  type PeerMethod,
  PeerSegmenters,
  scaleMog2Params,
  tunePeer,
  tuneSequencePeer,
} from "./peers.ts";
import {
  generateSemireal,
  listSemireal,
  readSemirealFrames,
  SEMIREAL_SCORED,
  SEMIREAL_TUNING,
  type SemirealSequence,
  SemirealTruth,
} from "./semireal.ts";

const OWN = [
  "--sequences",
  "--weathers",
  "--peers",
  "--peers-from",
  "--ablations",
  "--json",
  "--dir",
];
const [own, rest] = splitArgs(Deno.args, OWN);
const { values } = parseArgs({
  args: own,
  options: {
    sequences: { type: "string", default: SEMIREAL_SCORED.map((s) => s.name).join(",") },
    weathers: { type: "string", default: "clear,fog:3,snow:3,night:3" },
    peers: { type: "string", default: "mog2,felzenszwalb,slic" },
    "peers-from": { type: "string", default: "" },
    ablations: { type: "string", default: "false" },
    json: { type: "string", default: "" },
    dir: { type: "string", default: "out/semireal" },
  },
});
const config = loadConfig(rest);
const dir = values.dir!;
const weathers = values.weathers!.split(",").filter((w) => w !== "");
// Peers' results from an earlier run's --json (they do not change with our code): reused, not
// run again.
const reused = values["peers-from"]
  ? JSON.parse(await Deno.readTextFile(values["peers-from"])) as {
    tuned: Record<string, Record<string, number>>;
    results: Record<string, Record<string, Record<string, unknown>>>;
  }
  : null;
const peerNames = (reused ? "" : values.peers!).split(",").filter((p) => p !== "") as (
  | PeerMethod
  | "mog2"
)[];
const wanted = values.sequences!.split(",").filter((s) => s !== "");

/** Sequences on disk, generated first when missing. */
async function sequences(): Promise<{ scored: SemirealSequence[]; tuning: SemirealSequence }> {
  let all = await listSemireal(dir).catch(() => []);
  const missing = [...wanted, SEMIREAL_TUNING.name].filter((n) =>
    !all.some((s) => s.meta.name === n)
  );
  if (missing.length > 0) {
    console.error(`generating ${missing.join(", ")} into ${dir} ...`);
    const specs = [...SEMIREAL_SCORED, SEMIREAL_TUNING].filter((s) => missing.includes(s.name));
    await generateSemireal(dir, { specs });
    all = await listSemireal(dir);
  }
  const byName = new Map(all.map((s) => [s.meta.name, s]));
  return { scored: wanted.map((n) => byName.get(n)!), tuning: byName.get(SEMIREAL_TUNING.name)! };
}

/** Steady-state scores of one method on one run. */
interface Scores {
  objectMIoU: number;
  recall50: number;
  islandsPerFrame: number;
  idSwitchesPer100: number;
  /** The same the CLEAR-MOT way (`createMatchedIdSwitchCounter`). */
  motSwitchesPer100: number;
  fps: number;
  byKind: Record<string, number>;
}

/** Accumulates the scores of one method over one run. */
function scoreKeeper(seq: SemirealSequence) {
  const kinds = new Map(seq.meta.objects.map((o) => [o.id, o.kind]));
  const scorer = createObjectScorer({ kinds });
  const switches = createIdSwitchCounter();
  const motSwitches = createMatchedIdSwitchCounter();
  let ms = 0, frames = 0;
  return {
    add(index: number, labels: Int32Array, truth: Uint8Array) {
      if (index < seq.meta.steadyFrom) return;
      motSwitches.update(scorer.update(labels, truth));
      switches.update(labels, truth);
    },
    time(elapsedMs: number) {
      ms += elapsedMs;
      frames++;
    },
    result(): Scores {
      const s = scorer.summary();
      return {
        objectMIoU: s.objectMIoU,
        recall50: s.recall50,
        islandsPerFrame: s.islandsPerFrame,
        idSwitchesPer100: switches.per100Frames(),
        motSwitchesPer100: motSwitches.per100Frames(),
        fps: ms > 0 ? frames / (ms / 1000) : NaN,
        byKind: Object.fromEntries(Object.entries(s.byKind).map(([k, v]) => [k, v.objectMIoU])),
      };
    },
  };
}

const WEATHER_LABEL = (w: string) => w.replace(":", " ");

/** The frames of `seq` under weather `w` (as the server's `--weather` applies it). */
async function* weathered(seq: SemirealSequence, w: string) {
  const [kind, severity] = w.split(":");
  const { width, height } = seq.meta;
  for await (const f of readSemirealFrames(seq.dir)) {
    const rgb = kind === "clear"
      ? f.rgb
      : applyWeather(f.rgb, width, height, kind as WeatherKind, +severity, {
        frameIndex: f.index,
      });
    yield { ...f, rgb };
  }
}

/** Cue ablations: our scene islands with one cue off (the field is a constant: objects only). */
const ABLATIONS: Record<string, SceneIslandsOptions> = {
  "all cues": {},
  "no temporal prior": { temporalPrior: false },
  "no shadow test": { foreground: { shadows: false } },
  "no outline test": { outlines: false },
  "no precipitation rule": { precipitation: false },
  "no spatial explanation (explainNearby)": { explainNearby: false },
  "no splitting of merged things": { splitMerged: false },
  "no joining of parts (join_parts)": { joinParts: false },
  "no photometric fit": { scene: { photometric: false } },
  "no ghost healing (long-run scene)": { scene: { ghosts: false } },
  "absolute threshold (no contrast term)": { scene: { contrastFactor: 0 } },
};

const { scored, tuning } = await sequences();
const peers = peerNames.length ? await PeerSegmenters.start() : null;
/** results[sequence][weather][method] */
const results: Record<string, Record<string, Record<string, Scores>>> = {};
const tuned: Record<string, Record<string, number>> = reused?.tuned ?? {};
try {
  // Peers: tuned on the tuning sequence, clear, then held fixed.
  if (peers) {
    const { width, height } = tuning.meta;
    const steady: { rgb: Uint8Array; width: number; height: number; truth: Uint8Array }[] = [];
    for await (const f of readSemirealFrames(tuning.dir)) {
      if (f.index >= tuning.meta.steadyFrom && f.index % 12 === 0) {
        steady.push({ rgb: f.rgb, width, height, truth: f.truth });
      }
    }
    for (const m of peerNames) {
      console.error(`tuning ${m} on ${tuning.meta.name} ...`);
      if (m === "mog2") {
        const frames = async function* () {
          for await (const f of readSemirealFrames(tuning.dir)) {
            yield { rgb: f.rgb, width, height, truth: f.truth };
          }
        };
        tuned[m] = (await tuneSequencePeer(peers, "mog2", frames, {
          scoreFrom: tuning.meta.steadyFrom,
        })).params;
      } else {
        tuned[m] = (await tunePeer(peers, m, steady, objectMIoUScore)).params;
      }
      console.error(`  ${JSON.stringify(tuned[m])}`);
    }
  }

  for (const seq of scored) {
    const { width, height, name } = seq.meta;
    for (const w of weathers) {
      const t0 = performance.now();
      const row: Record<string, Scores> = {};
      const ours = scoreKeeper(seq);
      const others = Object.fromEntries(peerNames.map((m) => [m, scoreKeeper(seq)]));
      const trackers = Object.fromEntries(peerNames.map((m) => [m, createIdTracker()]));
      const session = `${name}-${w}`;
      const mog2 = tuned.mog2 ? scaleMog2Params(tuned.mog2, tuning.meta, { width, height }) : null;
      using truth = await SemirealTruth.open(seq.dir);
      const settings = applyStreamOptions(config, {
        source: seq.dir + "/video.mp4",
        weather: w === "clear" ? "" : w,
        fps: seq.meta.fps,
      });
      let asked = performance.now();
      for await (const f of segmentSource({ settings })) {
        ours.time(performance.now() - asked);
        const t = await truth.frame(f.frame);
        ours.add(f.frame, resampleLabels(f, "source").labels, t);
        if (peers) {
          const { rgb, width: fw, height: fh } = f.image;
          for (const m of peerNames) {
            // Stateless peers are only scored in the steady state: skip what they would waste.
            if (m !== "mog2" && f.frame < seq.meta.steadyFrom) continue;
            const t1 = performance.now();
            const raw = m === "mog2"
              ? await peers.segmentSequence("mog2", session, rgb, fw, fh, mog2!, {
                reset: f.frame === 0,
              })
              : await peers.segment(m, rgb, fw, fh, tuned[m]);
            others[m].time(performance.now() - t1);
            others[m].add(f.frame, trackers[m].assign(raw, fw, fh), t);
          }
        }
        asked = performance.now();
      }
      if (peers && peerNames.includes("mog2")) await peers.endSession(session);
      row.ours = ours.result();
      for (const m of peerNames) row[m] = others[m].result();
      for (const [m, r] of Object.entries(reused?.results[name]?.[w] ?? {})) {
        if (m !== "ours" && !m.startsWith("ablation")) row[m] = r as Scores;
      }
      if (values.ablations === "true") {
        for (const [variant, options] of Object.entries(ABLATIONS)) {
          const keeper = scoreKeeper(seq);
          const islands = new SceneIslands(width, height, options);
          const field = { width: 1, height: 1, dim: 1, data: new Float32Array([1]) };
          for await (const f of weathered(seq, w)) {
            const t1 = performance.now();
            const cut = islands.cut(f.rgb, field, null);
            keeper.time(performance.now() - t1);
            keeper.add(f.index, cut.labels, f.truth);
          }
          row[`ablation: ${variant}`] = keeper.result();
        }
        const keeper = scoreKeeper(seq);
        const fieldOnly = applyStreamOptions(config, {
          source: seq.dir + "/video.mp4",
          weather: w === "clear" ? "" : w,
          fps: seq.meta.fps,
        });
        fieldOnly.apm.foreground = false;
        for await (const f of segmentSource({ settings: fieldOnly })) {
          keeper.add(f.frame, resampleLabels(f, "source").labels, await truth.frame(f.frame));
        }
        row["ablation: field islands only (--foreground false)"] = keeper.result();
      }
      (results[name] ??= {})[w] = row;
      // Written as it goes: a run cut short keeps what it measured (and --peers-from can use it).
      if (values.json) {
        await Deno.writeTextFile(values.json, JSON.stringify({ tuned, results }, null, 2));
      }
      console.error(
        `${name} ${WEATHER_LABEL(w)}: ours ${row.ours.objectMIoU.toFixed(3)}` +
          peerNames.map((m) => `, ${m} ${row[m].objectMIoU.toFixed(3)}`).join("") +
          ` (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      );
    }
  }
} finally {
  await peers?.close();
}

// Report: per weather, the mean over sequences of each method; then per sequence.
const f3 = (x: number) => Number.isFinite(x) ? x.toFixed(3) : "-";
const f1 = (x: number) => Number.isFinite(x) ? x.toFixed(1) : "-";
const methods = Object.keys(results[scored[0].meta.name]?.[weathers[0]] ?? {});
const mean = (w: string, m: string, k: keyof Scores) => {
  const xs = scored.map((s) => results[s.meta.name]?.[w]?.[m]?.[k] as number).filter(
    Number.isFinite,
  );
  return xs.length ? xs.reduce((a, v) => a + v, 0) / xs.length : NaN;
};
const out: string[] = [];
out.push(
  `Sequences: ${scored.map((s) => s.meta.name).join(", ")}; steady state from frame ` +
    `${scored[0].meta.steadyFrom}. Peers tuned on ${tuning.meta.name}: ${JSON.stringify(tuned)}.`,
);
out.push("");
out.push(
  "Object mIoU / recall@0.5 / islands a frame / id switches per 100 frames, dominant id and " +
    "CLEAR MOT (mean of sequences):",
);
out.push("");
out.push(`| method | ${weathers.map(WEATHER_LABEL).join(" | ")} | frames/s |`);
out.push(`| --- | ${weathers.map(() => "---").join(" | ")} | --- |`);
for (const m of methods) {
  out.push(
    `| ${m} | ${
      weathers.map((w) =>
        `${f3(mean(w, m, "objectMIoU"))} / ${f3(mean(w, m, "recall50"))} / ${
          f1(mean(w, m, "islandsPerFrame"))
        } / ${f1(mean(w, m, "idSwitchesPer100"))} (${f1(mean(w, m, "motSwitchesPer100"))})`
      ).join(" | ")
    } | ${f1(weathers.reduce((a, w) => a + mean(w, m, "fps"), 0) / weathers.length)} |`,
  );
}
out.push("");
out.push("Object mIoU per sequence:");
out.push("");
out.push(
  `| sequence | weather | ${methods.filter((m) => !m.startsWith("ablation")).join(" | ")} |`,
);
out.push(
  `| --- | --- | ${
    methods.filter((m) => !m.startsWith("ablation")).map(() => "---").join(" | ")
  } |`,
);
for (const s of scored) {
  for (const w of weathers) {
    const row = results[s.meta.name]?.[w];
    if (!row) continue;
    out.push(
      `| ${s.meta.name} | ${WEATHER_LABEL(w)} | ${
        methods.filter((m) => !m.startsWith("ablation")).map((m) => f3(row[m]?.objectMIoU))
          .join(" | ")
      } |`,
    );
  }
}
console.log(out.join("\n"));
if (values.json) {
  await Deno.writeTextFile(values.json, JSON.stringify({ tuned, results }, null, 2));
}
