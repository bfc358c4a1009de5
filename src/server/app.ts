/**
 * The HTTP surface: health, the stream list, and the island-map WebSocket. The only place that
 * knows HTTP; it listens to the pipeline, which never imports it.
 *
 * @module
 */
import { Hono } from "hono";
import type { StreamRegistry } from "../pipeline/stream_registry.ts";
import { IslandHub } from "./island_hub.ts";

/** Builds the hono app over a registry of running streams. */
export function createApp(registry: StreamRegistry, hub = new IslandHub()): Hono {
  const app = new Hono();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/v1/streams", (c) => c.json({ streams: registry.list().map((s) => s.status()) }));

  app.get("/v1/streams/:id", (c) => {
    const stream = registry.get(c.req.param("id"));
    if (!stream) return notFound(c.req.param("id"));
    return c.json({ ...stream.status(), subscribers: hub.subscribers(stream.id) });
  });

  app.get("/v1/streams/:id/islands", (c) => {
    const stream = registry.get(c.req.param("id"));
    if (!stream) return notFound(c.req.param("id"));
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
      return c.json({
        error: "upgrade_required",
        message: "this endpoint is a WebSocket: connect with a WebSocket client",
      }, 426);
    }
    const { socket, response } = Deno.upgradeWebSocket(c.req.raw);
    socket.addEventListener("open", () => hub.attach(stream, socket));
    // Subscribers only listen in this protocol version; anything they send is ignored, and a
    // message can never close another subscriber's socket.
    return response;
  });

  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404)
  );
  app.onError((err, c) => {
    console.error("request failed:", err);
    return c.json({ error: "internal", message: "internal error; see the server log" }, 500);
  });
  return app;
}

function notFound(id: string): Response {
  return Response.json({
    error: "stream_not_found",
    message: `no stream "${id}"; GET /v1/streams lists the streams`,
  }, { status: 404 });
}
