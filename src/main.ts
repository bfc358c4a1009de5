/**
 * Entry point: configuration -> stream registry -> server; nothing else.
 *
 * @module
 */
import { ConfigError, helpText, loadConfig } from "./config.ts";
import { StreamRegistry } from "./pipeline/stream_registry.ts";
import { createApp } from "./server/app.ts";

let config;
try {
  config = loadConfig(Deno.args);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`error: ${err.message}`);
  Deno.exit(2);
}
if (config.help) {
  console.log(helpText());
  Deno.exit(0);
}

const registry = new StreamRegistry();
registry.add({
  id: "default",
  source: config.source,
  apm: config.apm,
  backend: config.backend,
  fps: config.fps,
  weather: config.weather,
  realtime: config.realtime,
  stallTimeoutMs: config.stallTimeout * 1000,
  mediaRoot: config.mediaRoot,
});

const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/`),
}, createApp(registry).fetch);

// On a signal, stop the streams first so no ffmpeg child outlives the server.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (stopping) return;
    stopping = true;
    await registry.stopAll();
    // Open WebSockets can hold a graceful shutdown forever: give it two seconds.
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))]);
    Deno.exit(0);
  });
}
