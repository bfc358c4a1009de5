/**
 * The server's Prometheus metrics: per-stream rates and counters read from the streams and the
 * hub at scrape time, and per-stage latency histograms fed by every processed frame.
 *
 * @module
 */
import type { StreamRegistry } from "../pipeline/stream_registry.ts";
import type { IslandHub } from "./island_hub.ts";
import { MetricsRegistry } from "./prometheus.ts";

/** Seconds: engine stages run from ~1 ms (islands) to ~1 s (webgpu on a CPU). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Builds the metrics of a server. */
export function createServerMetrics(streams: StreamRegistry, hub: IslandHub): MetricsRegistry {
  const m = new MetricsRegistry();
  const perStream = (read: (id: string) => number) => () =>
    streams.list().map((s) => ({ labels: { stream: s.id }, value: read(s.id) }));
  const status = (id: string) => streams.get(id)?.status();

  m.gaugeFn(
    "islands_stream_up",
    "1 while the stream is running",
    ["stream"],
    () =>
      streams.list().map((s) => ({
        labels: { stream: s.id },
        value: s.status().state === "running" ? 1 : 0,
      })),
  );
  m.gaugeFn(
    "islands_stream_fps_in",
    "frames per second decoded",
    ["stream"],
    perStream((id) => status(id)?.fpsIn ?? 0),
  );
  m.gaugeFn(
    "islands_stream_fps_out",
    "frames per second processed",
    ["stream"],
    perStream((id) => status(id)?.fpsOut ?? 0),
  );
  m.counterFn(
    "islands_stream_frames_decoded_total",
    "frames decoded",
    ["stream"],
    perStream((id) => status(id)?.framesDecoded ?? 0),
  );
  m.counterFn(
    "islands_stream_frames_processed_total",
    "frames processed",
    ["stream"],
    perStream((id) => status(id)?.framesProcessed ?? 0),
  );
  m.counterFn(
    "islands_stream_frames_dropped_total",
    "frames the engine was too busy for",
    ["stream"],
    perStream((id) => status(id)?.framesDropped ?? 0),
  );
  m.counterFn(
    "islands_stream_source_restarts_total",
    "times the source was reopened",
    ["stream"],
    perStream((id) => status(id)?.sourceRestarts ?? 0),
  );
  m.gaugeFn(
    "islands_stream_loss",
    "test-time training loss of the latest frame",
    ["stream"],
    perStream((id) => status(id)?.loss ?? NaN),
  );
  m.gaugeFn(
    "islands_stream_islands",
    "islands in the latest map",
    ["stream"],
    perStream((id) => status(id)?.islands ?? 0),
  );
  m.gaugeFn(
    "islands_stream_subscribers",
    "WebSocket subscriptions",
    ["stream"],
    perStream((id) => hub.stats(id).subscribers),
  );
  m.counterFn(
    "islands_stream_maps_sent_total",
    "island maps delivered",
    ["stream"],
    perStream((id) => hub.stats(id).mapsSent),
  );
  m.counterFn(
    "islands_stream_maps_dropped_total",
    "island maps dropped for slow subscribers",
    ["stream"],
    perStream((id) => hub.stats(id).mapsDropped),
  );
  m.counterFn(
    "islands_stream_bytes_sent_total",
    "bytes of island maps sent",
    ["stream"],
    perStream((id) => hub.stats(id).bytesSent),
  );

  const stage = m.histogram(
    "islands_stage_seconds",
    "time per processed frame in each stage (frame_age: decode to publish)",
    ["stream", "stage"],
    LATENCY_BUCKETS,
  );
  streams.subscribe((f) => {
    const t = f.timings;
    stage.observe({ stream: f.stream, stage: "preprocess" }, t.preprocessMs / 1000);
    stage.observe({ stream: f.stream, stage: "train" }, t.trainMs / 1000);
    stage.observe({ stream: f.stream, stage: "islands" }, t.islandsMs / 1000);
    stage.observe({ stream: f.stream, stage: "frame_age" }, t.frameAgeMs / 1000);
  });
  streams.onRemoved((id) => m.removeLabel("stream", id));

  // The whole process (engine Workers included): resident memory, and the main isolate's heap,
  // to tell a leak from a heap that has not settled (`bench/churn.ts`).
  m.gaugeFn(
    "process_resident_memory_bytes",
    "resident memory of the server process",
    [],
    () => [{ labels: {}, value: Deno.memoryUsage().rss }],
  );
  m.gaugeFn(
    "islands_js_heap_used_bytes",
    "JavaScript heap in use on the server's main thread (engine Workers have their own)",
    [],
    () => [{ labels: {}, value: Deno.memoryUsage().heapUsed }],
  );
  return m;
}
