/**
 * The HTTP surface: health, readiness, the stream API, snapshots, metrics, the OpenAPI document,
 * the WebSockets and the live viewer. The only place that knows HTTP; it listens to the
 * pipeline, which never imports it.
 *
 * @module
 */
import { upgradeWebSocket } from "@hono/node-server";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import {
  applyStreamOptions,
  ConfigError,
  type StreamSettings,
  streamSettingsAsOptions,
} from "../config.ts";
import { resampleLabels } from "../islands/resample_labels.ts";
import type { StreamPipeline } from "../pipeline/stream_pipeline.ts";
import { type StreamRegistry, StreamRequestError } from "../pipeline/stream_registry.ts";
import { Authenticator, type Role } from "./auth.ts";
import { DEFAULT_SUBSCRIPTION, MAX_OUTPUT_SIDE } from "./client_messages.ts";
import { drawColorField, drawIslandOverlay } from "./image/overlay.ts";
import { encodePng } from "./image/png.ts";
import { resizeRgb } from "./image/resize.ts";
import { IslandHub } from "./island_hub.ts";
import { keepAlive } from "./keep_alive.ts";
import { createServerMetrics } from "./metrics.ts";
import { OPENAPI_DOCUMENT } from "./openapi.ts";
import { CONTENT_TYPE as PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { staticFile } from "./static_files.ts";
import type { WebSocket } from "ws";

/** Largest request body the API reads, bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** What the app serves and how. */
export interface AppOptions {
  /** Settings new streams start from (the server's defaults). */
  streamDefaults: StreamSettings;
  auth?: Authenticator;
  /** CORS origins (`*` = any; empty = no CORS headers). */
  corsOrigins?: string[];
  /** Seconds a socket may leave a ping unanswered. */
  wsIdleTimeout?: number;
  /** The hub that fans maps out; one is made when absent. */
  hub?: IslandHub;
}

/** Builds the hono app over a registry of running streams. */
export function createApp(registry: StreamRegistry, opts: AppOptions): Hono {
  const auth = opts.auth ??
    new Authenticator({ required: false, adminTokens: [], viewerTokens: [] });
  const hub = opts.hub ?? new IslandHub(registry);
  const metrics = createServerMetrics(registry, hub);
  const app = new Hono();
  const viewer = requireRole(auth, "viewer", false);
  const viewerOrQuery = requireRole(auth, "viewer", true);
  const admin = requireRole(auth, "admin", false);

  if (opts.corsOrigins && opts.corsOrigins.length > 0) {
    const origins = opts.corsOrigins;
    app.use(
      "*",
      cors({
        origin: origins.includes("*") ? "*" : origins,
        allowMethods: ["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allowHeaders: ["Authorization", "Content-Type"],
        maxAge: 600,
      }),
    );
  }

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", (c) => {
    const streams = registry.list();
    // A stream waiting for a camera that is down is not loading: it may wait for hours, and the
    // server is as ready as it will get until the camera answers. It is listed as waiting.
    const waiting = streams.filter((s) => s.waitingForSource).map((s) => s.id);
    const starting = streams
      .filter((s) => s.status().state === "starting" && !s.waitingForSource)
      .map((s) => s.id);
    const failed = streams.filter((s) => s.status().state === "failed").map((s) => s.id);
    const ready = starting.length === 0;
    return c.json({ ready, starting, waiting, failed }, ready ? 200 : 503);
  });

  app.get("/v1/openapi.json", (c) => c.json(OPENAPI_DOCUMENT));

  app.get(
    "/metrics",
    viewer,
    (c) => c.body(metrics.render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE }),
  );

  app.get(
    "/v1/streams",
    viewer,
    (c) => c.json({ streams: registry.list().map((s) => s.status()) }),
  );

  app.post("/v1/streams", admin, async (c) => {
    const body = await readBody(c.req.raw, ["id", "source", "options"]);
    const id = body.id === undefined ? `s-${crypto.randomUUID().slice(0, 8)}` : body.id;
    if (typeof id !== "string") {
      throw new StreamRequestError("bad_request", '"id" must be a string');
    }
    if (typeof body.source !== "string") {
      throw new StreamRequestError(
        "bad_request",
        '"source" is required: a source URI or file path',
      );
    }
    const settings = settingsFrom(opts.streamDefaults, body.source, body.options);
    const stream = registry.add(id, settings);
    return c.json(detail(stream, hub), 201, { location: `/v1/streams/${stream.id}` });
  });

  app.get("/v1/streams/:id", viewer, (c) => c.json(detail(find(registry, c.req.param("id")), hub)));

  app.patch("/v1/streams/:id", admin, async (c) => {
    const stream = find(registry, c.req.param("id"));
    const body = await readBody(c.req.raw, ["source", "options"]);
    if (body.source !== undefined && typeof body.source !== "string") {
      throw new StreamRequestError("bad_request", '"source" must be a string');
    }
    const settings = settingsFrom(
      stream.settings,
      body.source ?? stream.settings.source,
      body.options,
    );
    const updated = await registry.update(stream.id, settings);
    return c.json({ ...detail(updated, hub), restarted: true });
  });

  app.delete("/v1/streams/:id", admin, async (c) => {
    const id = c.req.param("id");
    if (!(await registry.remove(id))) find(registry, id);
    return c.body(null, 204);
  });

  app.get("/v1/streams/:id/snapshot.png", viewerOrQuery, (c) => {
    const stream = find(registry, c.req.param("id"));
    const frame = stream.latest();
    if (!frame) {
      return c.json({
        error: "no_frame",
        message: "the stream has not processed a frame yet; retry shortly",
      }, 503);
    }
    const overlay = c.req.query("overlay") ?? "islands";
    if (!["islands", "features", "none"].includes(overlay)) {
      throw new StreamRequestError("bad_request", "overlay must be islands, features or none");
    }
    const { width, height } = snapshotSize(
      c.req.query("width"),
      c.req.query("height"),
      frame.image,
    );
    const { rgb: src, width: sw, height: sh } = frame.image;
    const rgb = sw === width && sh === height ? src : resizeRgb(src, sw, sh, width, height);
    let out = rgb;
    if (overlay === "islands") {
      const { labels } = resampleLabels(frame, { width, height });
      out = drawIslandOverlay(rgb, width, height, labels, width, height);
    } else if (overlay === "features") {
      out = drawColorField(rgb, width, height, frame.featureColors, frame.width, frame.height);
    }
    return c.body(encodePng(out, width, height) as Uint8Array<ArrayBuffer>, 200, {
      "content-type": "image/png",
      "cache-control": "no-store",
    });
  });

  app.get("/v1/ws", viewerOrQuery, (c) => upgrade(c, hub, opts.wsIdleTimeout));

  app.get("/v1/streams/:id/islands", viewerOrQuery, (c) => {
    const stream = find(registry, c.req.param("id"));
    return upgrade(c, hub, opts.wsIdleTimeout, {
      stream: stream.id,
      options: { ...DEFAULT_SUBSCRIPTION },
    });
  });

  app.get("/", (c) => serveStatic(c, "viewer/index.html"));
  app.get("/viewer/:file", (c) => serveStatic(c, `viewer/${c.req.param("file")}`));
  app.get("/client/:file", (c) => serveStatic(c, `client/${c.req.param("file")}`));

  app.notFound((c) =>
    c.json({ error: "not_found", message: `no route for ${c.req.method} ${c.req.path}` }, 404)
  );
  app.onError((err, c) => {
    if (err instanceof StreamRequestError) {
      const [status, error] = ({
        bad_request: [400, "bad_request"],
        conflict: [409, "stream_exists"],
        busy: [409, "stream_busy"],
        not_found: [404, "stream_not_found"],
        limit: [409, "too_many_streams"],
      } as const)[err.code];
      return c.json({ error, message: err.message }, status);
    }
    if (err instanceof ConfigError) {
      return c.json({ error: "bad_request", message: err.message }, 400);
    }
    console.error("request failed:", err);
    return c.json({ error: "internal", message: "internal error; see the server log" }, 500);
  });
  return app;
}

function requireRole(auth: Authenticator, need: Role, allowQuery: boolean): MiddlewareHandler {
  return async (c, next) => {
    const r = auth.check(c.req.raw, need, allowQuery);
    if (!r.ok) {
      const headers: Record<string, string> = r.status === 401
        ? { "www-authenticate": "Bearer" }
        : {};
      return c.json({ error: r.error, message: r.message }, r.status, headers);
    }
    await next();
  };
}

function upgrade(
  c: Context,
  hub: IslandHub,
  idleTimeout = 30,
  initial?: Parameters<IslandHub["attach"]>[1],
): Response | Promise<Response> {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return c.json({
      error: "upgrade_required",
      message: "this endpoint is a WebSocket: connect with a WebSocket client",
    }, 426);
  }
  // The handshake completes after this answer (`http_server.ts`); the socket arrives in onOpen.
  const handshake = upgradeWebSocket(() => ({
    onOpen: (_event, ws) => {
      const socket = ws.raw as WebSocket;
      keepAlive(socket, idleTimeout);
      hub.attach(socket, initial);
    },
  }));
  return handshake(c, () => Promise.resolve()) as Promise<Response>;
}

function find(registry: StreamRegistry, id: string): StreamPipeline {
  const stream = registry.get(id);
  if (!stream) {
    throw new StreamRequestError(
      "not_found",
      `no stream "${id.slice(0, 80)}"; GET /v1/streams lists the streams`,
    );
  }
  return stream;
}

/** A stream as GET /v1/streams/:id shows it: status, options, model, delivery. */
function detail(stream: StreamPipeline, hub: IslandHub) {
  const options = streamSettingsAsOptions(stream.settings);
  options.source = stream.displaySource; // never the credentials
  return {
    ...stream.status(),
    options,
    model: stream.settings.apm,
    delivery: hub.stats(stream.id),
    subscribers: hub.subscribers(stream.id),
  };
}

function settingsFrom(base: StreamSettings, source: string, options: unknown): StreamSettings {
  if (
    options !== undefined &&
    (typeof options !== "object" || options === null || Array.isArray(options))
  ) {
    throw new StreamRequestError("bad_request", '"options" must be an object of option names');
  }
  return applyStreamOptions(
    base,
    { ...(options as Record<string, unknown> ?? {}), source },
    "options",
  );
}

async function readBody(req: Request, allowed: string[]): Promise<Record<string, unknown>> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.startsWith("application/json")) {
    throw new StreamRequestError(
      "bad_request",
      "send the body as JSON (Content-Type: application/json)",
    );
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    throw new StreamRequestError("bad_request", `the body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const text = await req.text();
  if (text.length > MAX_BODY_BYTES) {
    throw new StreamRequestError("bad_request", `the body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new StreamRequestError("bad_request", "the body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new StreamRequestError("bad_request", "the body must be a JSON object");
  }
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) {
      throw new StreamRequestError(
        "bad_request",
        `unknown field "${key.slice(0, 40)}"; allowed: ${allowed.join(", ")}`,
      );
    }
  }
  return body as Record<string, unknown>;
}

function sideParam(raw: string, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_OUTPUT_SIDE) {
    throw new StreamRequestError("bad_request", `${name} must be an integer 1..${MAX_OUTPUT_SIDE}`);
  }
  return n;
}

/**
 * A snapshot's size: the working frame's by default; one side given, the other follows the
 * frame's aspect (a picture is never squashed unless both sides are asked for).
 */
function snapshotSize(
  rawW: string | undefined,
  rawH: string | undefined,
  frame: { width: number; height: number },
): { width: number; height: number } {
  if (rawW === undefined && rawH === undefined) return { width: frame.width, height: frame.height };
  const width = rawW === undefined ? undefined : sideParam(rawW, "width");
  const height = rawH === undefined ? undefined : sideParam(rawH, "height");
  const size = {
    width: width ?? Math.max(1, Math.round((height! * frame.width) / frame.height)),
    height: height ?? Math.max(1, Math.round((width! * frame.height) / frame.width)),
  };
  if (size.width > MAX_OUTPUT_SIDE || size.height > MAX_OUTPUT_SIDE) {
    throw new StreamRequestError(
      "bad_request",
      `at the frame's aspect that is ${size.width}x${size.height}, over ${MAX_OUTPUT_SIDE}: ` +
        `give a smaller side, or both width and height`,
    );
  }
  return size;
}

function serveStatic(c: Context, path: string): Response {
  const file = staticFile(path);
  if (!file) return c.json({ error: "not_found", message: `no file ${path}` }, 404);
  return c.body(file.body as Uint8Array<ArrayBuffer>, 200, {
    "content-type": file.type,
    "x-content-type-options": "nosniff",
    "content-security-policy":
      "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; style-src 'self'",
  });
}
