/**
 * The engine Worker: one per stream, so a stream's training never blocks the server's event loop
 * or another stream (each Worker gets its own core when there is one). It answers every frame
 * with the island map cut from the APM's field.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { resizeRgbReference } from "../../kernels/resize_rgb_reference.ts";
import { joinColor } from "../islands/color_field.ts";
import { createFeatureColorizer } from "../islands/feature_colors.ts";
import { islandsFromField } from "../islands/island_map.ts";
import { LEARNED_FIELD_OPTIONS } from "../islands/segment_field.ts";
import { createIdTracker } from "../islands/track_ids.ts";
import { createEngine, type Engine } from "./engine.ts";
import type { EngineReply, EngineRequest } from "./engine_protocol.ts";

let engine: Engine | null = null;
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
    engine = await createEngine(req.options);
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
  const colorWeight = engine.info.colorWeight;
  const joined = colorWeight > 0
    ? joinColor(
      field,
      resizeRgbReference(frame, req.width, req.height, r.width, r.height),
      colorWeight,
    )
    : field;
  const map = islandsFromField(joined, tracker, {
    ...LEARNED_FIELD_OPTIONS,
    minArea: engine.info.minIslandArea,
  });
  const featureColors = colorize(field).buffer as ArrayBuffer;
  const islandsMs = performance.now() - t0;
  const labels = map.labels.buffer as ArrayBuffer;
  reply({
    type: "map",
    map: {
      width: map.width,
      height: map.height,
      labels,
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
  }, [labels, featureColors]);
}
