/**
 * Entry point: configuration -> stream registry -> server; nothing else.
 *
 * @module
 */
import { ConfigError, helpText, loadConfig, type ServerConfig } from "./config.ts";
import { StreamRegistry } from "./pipeline/stream_registry.ts";
import { createApp } from "./server/app.ts";
import { Authenticator, isLoopbackHost } from "./server/auth.ts";
import { type HttpServer, listen } from "./server/http_server.ts";
import { IslandHub } from "./server/island_hub.ts";

let config: ServerConfig & { help: boolean };
let auth: Authenticator;
try {
  config = loadConfig(Deno.args);
  auth = new Authenticator({
    // Off by default only when nobody but this machine can connect.
    required: config.auth === "on" || (config.auth === "auto" && !isLoopbackHost(config.host)),
    adminTokens: config.adminTokens,
    viewerTokens: config.viewerTokens,
  });
} catch (err) {
  if (!(err instanceof ConfigError) && !(err instanceof Error && /token/i.test(err.message))) {
    throw err;
  }
  console.error(`error: ${(err as Error).message}`);
  Deno.exit(2);
}
if (config.help) {
  console.log(helpText());
  Deno.exit(0);
}

const registry = new StreamRegistry({
  maxStreams: config.maxStreams,
  mediaRoot: config.mediaRoot,
  stateDir: config.stateDir,
  checkpointEveryMs: config.checkpointEvery * 1000,
});
const hub = new IslandHub(registry, {
  queueSize: config.subscriberQueue,
  slowTimeoutMs: config.slowSubscriberTimeout * 1000,
  encodingShare: config.encodingBudget,
});
for (const { id, settings } of config.streams) {
  try {
    registry.add(id, settings);
  } catch (err) {
    console.error(`error: stream ${id}: ${(err as Error).message}`);
    Deno.exit(2);
  }
}

const app = createApp(registry, {
  streamDefaults: config,
  auth,
  corsOrigins: config.corsOrigins,
  wsIdleTimeout: config.wsIdleTimeout,
  hub,
});
let server: HttpServer;
try {
  server = await listen({
    hostname: config.host,
    port: config.port,
    fetch: app.fetch,
    onListen: ({ hostname, port }) =>
      console.log(
        `listening on http://${hostname}:${port}/ (auth ${
          auth.required ? "on" : "off"
        }, ${config.streams.length} streams)`,
      ),
  });
} catch (err) {
  console.error(`error: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
  await registry.stopAll(); // no ffmpeg child outlives the server
  Deno.exit(2);
}

// On a signal, stop the streams first so no ffmpeg child outlives the server.
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (stopping) return;
    stopping = true;
    await registry.stopAll();
    hub.closeAll();
    // Open WebSockets can hold a graceful shutdown forever: give it two seconds.
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))]);
    Deno.exit(0);
  });
}
