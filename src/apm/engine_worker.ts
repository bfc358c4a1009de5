/**
 * The engine Worker: one per stream, so a stream's training never blocks the server's event loop
 * or another stream (each Worker gets its own core when there is one). It answers every frame
 * with the island map: by default cut at the frame's pixels from what moved or changed against
 * the stream's learnt usual scene, over a background cut from the APM's field
 * (`scene_islands.ts`); with `foreground` off, from the field and colour alone.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { resizeRgbReference } from "../../kernels/resize_rgb_reference.ts";
import { joinColor } from "../islands/color_field.ts";
import { createFeatureColorizer } from "../islands/feature_colors.ts";
import { islandsFromField } from "../islands/island_map.ts";
import { latticeLabels } from "../islands/resample_labels.ts";
import { SceneIslands } from "../islands/scene_islands.ts";
import { summarizeIslands } from "../islands/summarize.ts";
import type { IslandMap } from "../islands/types.ts";
import { LEARNED_FIELD_OPTIONS } from "../islands/segment_field.ts";
import { createIdTracker } from "../islands/track_ids.ts";
import { createEngine, type Engine } from "./engine.ts";
import type { EngineReply, EngineRequest } from "./engine_protocol.ts";

let engine: Engine | null = null;
/** The stream's scene islands (its learnt usual scene), made at the first frame. */
let scene: SceneIslands | null = null;
const tracker = createIdTracker();
const colorize = createFeatureColorizer();

function reply(msg: EngineReply, transfer: Transferable[] = []) {
  self.postMessage(msg, transfer);
}

// Requests are handled one at a time, in order: the pipeline sends the next frame only after
// the previous answer, so there is never a queue here.
let chain = Promise.resolve();
self.onmessage = (e: MessageEvent<EngineRequest>) => {
  chain = chain.then(() => handle(e.data)).catch((err) => {
    reply({ type: "error", message: err instanceof Error ? err.message : String(err) });
  });
};

async function handle(req: EngineRequest): Promise<void> {
  if (req.type === "init") {
    const stop = req.stop ? new Int32Array(req.stop) : null;
    engine = await createEngine(req.options, stop ? () => Atomics.load(stop, 0) !== 0 : null);
    reply({ type: "ready", info: engine.info });
    return;
  }
  if (!engine) throw new Error(`engine worker got "${req.type}" before init`);
  if (req.type === "export") {
    const state = await engine.exportState();
    reply({ type: "state", state }, [
      ...new Set(state.tensors.map((t) => t.data.buffer as ArrayBuffer)),
    ]);
    return;
  }
  if (req.type === "import") {
    engine.importState(req.state);
    reply({ type: "imported" });
    return;
  }
  const frame = new Uint8Array(req.data);
  const r = await engine.process({ width: req.width, height: req.height, data: frame });
  const t0 = performance.now();
  const field = { width: r.width, height: r.height, dim: r.dim, data: r.field };
  const { colorWeight, foreground, maxBackground, minIslandArea } = engine.info;
  const colors = colorWeight > 0
    ? resizeRgbReference(frame, req.width, req.height, r.width, r.height)
    : null;
  let map: IslandMap;
  let frameLabels: Int32Array | null = null;
  if (foreground) {
    // Islands at the frame's pixels: what moved or changed, over the field's background.
    if (!scene || scene.width !== req.width || scene.height !== req.height) {
      scene = new SceneIslands(req.width, req.height, {
        colorWeight,
        maxBackground,
        segment: { ...LEARNED_FIELD_OPTIONS, minArea: minIslandArea },
      });
    }
    const cut = scene.cut(frame, field, colors, r.featureError);
    frameLabels = tracker.assign(cut.labels, req.width, req.height);
    // The lattice map ("grid" subscribers): the same islands, one label a cell.
    const labels = latticeLabels(frameLabels, req.width, req.height, r.width, r.height);
    map = {
      width: r.width,
      height: r.height,
      labels,
      islands: summarizeIslands(labels, r.width, r.height),
    };
  } else {
    const joined = colors ? joinColor(field, colors, colorWeight) : field;
    map = islandsFromField(joined, tracker, { ...LEARNED_FIELD_OPTIONS, minArea: minIslandArea });
  }
  const featureColors = colorize(field).buffer as ArrayBuffer;
  const islandsMs = performance.now() - t0;
  const labels = map.labels.buffer as ArrayBuffer;
  const fine = frameLabels ? frameLabels.buffer as ArrayBuffer : null;
  reply({
    type: "map",
    map: {
      width: map.width,
      height: map.height,
      labels,
      ...(fine ? { frameLabels: fine } : {}),
      islands: map.islands,
      featureColors,
      loss: r.loss,
      featureLoss: r.featureLoss,
      rgbLoss: r.rgbLoss,
      reset: r.reset,
      restored: r.restored,
      spike: r.spike,
      keyFrame: r.keyFrame,
      timings: { ...r.timings, islandsMs },
    },
  }, fine ? [labels, fine, featureColors] : [labels, featureColors]);
}
