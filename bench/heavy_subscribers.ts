/**
 * Heavy subscriptions must not slow the engine or anyone else: starts the real server (a child
 * process), keeps one well-behaved subscriber (default options) on `default`, measures the
 * engine's processed fps and that subscriber's maps a second; then adds `--heavy` sockets that
 * ask for everything at the largest sizes (`resolution` and `frameSize` 2048x2048, labels,
 * features and the frame at quality 100) and measures again.
 *
 *   deno run -A bench/heavy_subscribers.ts [--heavy 3] [--seconds 30] [--warmup 20]
 *     [server options]
 *
 * The subscribers run in this process, on the same machine (they only count bytes).
 */
import { parseArgs } from "node:util";
import { startBenchServer } from "./_server.ts";
import { splitArgs } from "./_split_args.ts";

const [own, rest] = splitArgs(Deno.args, ["--heavy", "--seconds", "--warmup"]);
const { values } = parseArgs({
  args: own,
  options: {
    heavy: { type: "string", default: "3" },
    seconds: { type: "string", default: "30" },
    warmup: { type: "string", default: "20" },
  },
});
const heavy = +values.heavy!, seconds = +values.seconds!, warmup = +values.warmup!;

const { url, child } = await startBenchServer(rest);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = async () => await (await fetch(`${url}/v1/streams/default`)).json();

/** A subscriber counting the maps (and bytes) it gets. */
function subscriber(options: Record<string, unknown>) {
  const got = { maps: 0, bytes: 0 };
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v1/ws`);
  ws.binaryType = "arraybuffer";
  const open = new Promise<void>((resolve, reject) => {
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: "subscribe", stream: "default", ...options }));
      resolve();
    };
    ws.onerror = () => reject(new Error("subscriber failed to connect"));
  });
  ws.onmessage = (e) => {
    const size = typeof e.data === "string" ? e.data.length : (e.data as ArrayBuffer).byteLength;
    if (typeof e.data === "string" && !e.data.startsWith('{"type":"islands"')) return;
    got.maps++;
    got.bytes += size;
  };
  return { got, open, close: () => ws.close() };
}

/** Engine fps and each subscriber's maps a second over `secs`. */
async function measure(secs: number, subs: ReturnType<typeof subscriber>[]) {
  const a = await status();
  const before = subs.map((s) => ({ ...s.got }));
  const t0 = performance.now();
  await sleep(secs * 1000);
  const b = await status();
  const elapsed = (performance.now() - t0) / 1000;
  return {
    engineFps: (b.framesProcessed - a.framesProcessed) / elapsed,
    mapsPerSecond: subs.map((s, i) => (s.got.maps - before[i].maps) / elapsed),
    megabytes: subs.map((s, i) => (s.got.bytes - before[i].bytes) / 1e6),
  };
}

const r2 = (x: number) => Math.round(x * 100) / 100;
try {
  while ((await status()).state !== "running") await sleep(200);
  const light = subscriber({});
  await light.open;
  await sleep(warmup * 1000);
  const alone = await measure(seconds, [light]);
  const heavies = Array.from({ length: heavy }, () =>
    subscriber({
      format: "json",
      resolution: { width: 2048, height: 2048 },
      include: ["islands", "features", "frame"],
      frameSize: { width: 2048, height: 2048 },
      frameQuality: 100,
    }));
  await Promise.all(heavies.map((h) => h.open));
  await sleep(5000);
  const loaded = await measure(seconds, [light, ...heavies]);
  const detail = await status();
  for (const s of [light, ...heavies]) s.close();
  console.log(JSON.stringify(
    {
      machine: `${Deno.build.os}-${Deno.build.arch}, ${navigator.hardwareConcurrency} cores`,
      backend: detail.engine?.backend,
      geometry: detail.geometry,
      heavySubscribers: heavy,
      seconds,
      engineFps: { alone: r2(alone.engineFps), withHeavy: r2(loaded.engineFps) },
      lightMapsPerSecond: {
        alone: r2(alone.mapsPerSecond[0]),
        withHeavy: r2(loaded.mapsPerSecond[0]),
      },
      heavyMapsPerSecond: loaded.mapsPerSecond.slice(1).map(r2),
      heavyMegabytes: loaded.megabytes.slice(1).map(r2),
    },
    null,
    2,
  ));
} finally {
  child.kill("SIGTERM");
  await child.status;
}
