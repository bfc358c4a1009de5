/**
 * Many subscribers on one stream: starts the real server (a child process, default options
 * unless given), measures the engine's fps with no subscriber, then connects N WebSocket
 * subscribers and reports the engine's fps, each subscriber's delivered fps, and the latency
 * from frame decode to delivery (client receive time minus the map's `decodedAt`).
 *
 *   deno run -A bench/load.ts [--subscribers 200] [--seconds 30] [--warmup 20]
 *     [--format json|binary] [server options]
 *
 * The subscribers run in this process, on the same machine as the server, so their own work
 * (parsing 200 maps per frame) competes with the server for the same cores: a conservative
 * setting.
 */
import { parseArgs } from "node:util";
import { startBenchServer } from "./_server.ts";
import { splitArgs } from "./_split_args.ts";
import { decodeBinaryMap } from "../src/client/islands_client.js";

const [own, rest] = splitArgs(Deno.args, ["--subscribers", "--seconds", "--warmup", "--format"]);
const { values } = parseArgs({
  args: own,
  options: {
    subscribers: { type: "string", default: "200" },
    seconds: { type: "string", default: "30" },
    warmup: { type: "string", default: "20" },
    format: { type: "string", default: "json" },
  },
});
const n = +values.subscribers!, seconds = +values.seconds!, warmup = +values.warmup!;
const format = values.format === "binary" ? "binary" : "json";

const { url, child } = await startBenchServer(rest);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const status = async () => await (await fetch(`${url}/v1/streams/default`)).json();

try {
  while ((await status()).state !== "running") await sleep(200);
  await sleep(warmup * 1000);
  const engineFps = async (secs: number) => {
    const a = await status();
    const t0 = performance.now();
    await sleep(secs * 1000);
    const b = await status();
    return (b.framesProcessed - a.framesProcessed) / ((performance.now() - t0) / 1000);
  };
  const alone = await engineFps(Math.min(seconds, 15));

  let measuring = false;
  const counts = new Array(n).fill(0);
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  await Promise.all(Array.from({ length: n }, (_, i) =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, "ws")}/v1/ws`);
      ws.binaryType = "arraybuffer";
      sockets.push(ws);
      ws.onopen = () => {
        ws.send(JSON.stringify({ type: "subscribe", stream: "default", format }));
        resolve();
      };
      ws.onerror = () => reject(new Error(`subscriber ${i} failed to connect`));
      ws.onmessage = (e) => {
        const now = Date.now();
        let decodedAt: number;
        if (typeof e.data === "string") {
          const msg = JSON.parse(e.data);
          if (msg.type !== "islands") return;
          decodedAt = msg.decodedAt;
        } else {
          decodedAt = decodeBinaryMap(e.data).decodedAt;
        }
        if (!measuring) return;
        counts[i]++;
        latencies.push(now - decodedAt);
      };
    })));
  await sleep(5000);
  measuring = true;
  const withSubs = engineFps(seconds);
  const t0 = performance.now();
  const engine = await withSubs;
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  const detail = await status();
  for (const ws of sockets) ws.close();

  const perSub = counts.map((c) => c / elapsed).sort((a, b) => a - b);
  latencies.sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  const r2 = (x: number) => Math.round(x * 100) / 100;
  console.log(JSON.stringify(
    {
      machine: `${Deno.build.os}-${Deno.build.arch}, ${navigator.hardwareConcurrency} cores`,
      backend: detail.engine?.backend,
      subscribers: n,
      format,
      seconds: r2(elapsed),
      engineFpsAlone: r2(alone),
      engineFpsWithSubscribers: r2(engine),
      deliveredFps: { min: r2(perSub[0]), p50: r2(pct(perSub, 0.5)), max: r2(perSub.at(-1)!) },
      latencyMs: { p50: r2(pct(latencies, 0.5)), p95: r2(pct(latencies, 0.95)) },
      mapsDropped: detail.delivery.mapsDropped,
      bytesSent: detail.delivery.bytesSent,
    },
    null,
    2,
  ));
} finally {
  child.kill("SIGTERM");
  await child.status;
}
