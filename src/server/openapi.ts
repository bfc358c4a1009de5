/**
 * The OpenAPI 3.1 description of the HTTP API, served at /v1/openapi.json. A test checks that
 * every route of the app appears here, so the two cannot drift apart.
 *
 * @module
 */

const json = (schema: unknown) => ({ "application/json": { schema } });
const error = (description: string) => ({
  description,
  content: json({ $ref: "#/components/schemas/Error" }),
});
const idParam = {
  name: "id",
  in: "path",
  required: true,
  schema: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$" },
};
const viewerAuth = [{ bearer: [] }, { accessToken: [] }];
const adminAuth = [{ bearer: [] }];
const websocket = (summary: string, description: string, params: unknown[] = []) => ({
  get: {
    summary,
    description: `${description} Protocol: docs/protocol.md.`,
    security: viewerAuth,
    parameters: params,
    responses: {
      "101": { description: "switching to the WebSocket protocol" },
      "401": error("missing or wrong token"),
      "404": error("no such stream"),
      "426": error("not a WebSocket upgrade request"),
    },
  },
});

/** The document. */
export const OPENAPI_DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Islands: streaming video perception server",
    version: "1",
    description:
      "Streams of island maps (regions whose APM features agree) from live cameras. When auth is on, send Authorization: Bearer <token>; viewer tokens read and subscribe, admin tokens also change streams.",
  },
  servers: [{ url: "/" }],
  components: {
    securitySchemes: {
      bearer: { type: "http", scheme: "bearer" },
      accessToken: {
        type: "apiKey",
        in: "query",
        name: "access_token",
        description: "for WebSockets and images in browsers, which cannot set headers",
      },
    },
    schemas: {
      Error: {
        type: "object",
        required: ["error", "message"],
        properties: { error: { type: "string" }, message: { type: "string" } },
      },
      StreamOptions: {
        type: "object",
        description:
          'Per-stream options by their command-line names (README: Options), e.g. {"fps": 5, "steps-per-frame": 3}.',
        additionalProperties: { type: ["string", "number", "boolean"] },
      },
      Size: {
        type: "object",
        properties: { width: { type: "integer" }, height: { type: "integer" } },
      },
      StreamStatus: {
        type: "object",
        properties: {
          id: { type: "string" },
          source: { type: "string", description: "credentials redacted" },
          state: { enum: ["starting", "running", "ended", "failed", "stopped"] },
          fpsIn: { type: "number" },
          fpsOut: { type: "number" },
          framesDecoded: { type: "integer" },
          framesProcessed: { type: "integer" },
          framesDropped: { type: "integer" },
          error: { type: ["string", "null"] },
          sourceRestarts: { type: "integer" },
          sourceState: { type: ["string", "null"] },
          sourceError: { type: ["string", "null"] },
          geometry: {
            type: ["object", "null"],
            description:
              "sizes {width, height}: the source's own (source), the working frame (frame, " +
              "--frame-size at the source's aspect), the APM grid (grid) and the island map's " +
              "lattice (lattice); null until the source has been probed",
            properties: {
              source: { $ref: "#/components/schemas/Size" },
              frame: { $ref: "#/components/schemas/Size" },
              grid: { $ref: "#/components/schemas/Size" },
              lattice: { $ref: "#/components/schemas/Size" },
            },
          },
          engine: {
            type: ["object", "null"],
            description:
              "backend, teacher, frame, grid and lattice ({width, height}), colorWeight, " +
              "minIslandArea, dim",
          },
          stageMs: { type: "object" },
          frameAgeMs: { type: ["number", "null"] },
          loss: { type: ["number", "null"] },
          islands: { type: "integer" },
          adaptation: {
            type: "object",
            properties: {
              framesTrained: { type: "integer" },
              keyFrames: { type: "integer" },
              resets: { type: "integer" },
              restores: { type: "integer" },
              spikes: { type: "integer" },
              lossAverage: { type: ["number", "null"] },
            },
          },
          checkpoint: {
            type: ["object", "null"],
            properties: {
              restoredFrom: { type: ["string", "null"] },
              restoredFrames: { type: "integer" },
              lastSavedAt: { type: ["string", "null"] },
              error: { type: ["string", "null"] },
            },
          },
        },
      },
      StreamDetail: {
        allOf: [{ $ref: "#/components/schemas/StreamStatus" }, {
          type: "object",
          properties: {
            options: { $ref: "#/components/schemas/StreamOptions" },
            model: { type: "object", description: "the APM configuration" },
            delivery: {
              type: "object",
              properties: {
                subscribers: { type: "integer" },
                mapsSent: { type: "integer" },
                mapsDropped: { type: "integer" },
                bytesSent: { type: "integer" },
              },
            },
            subscribers: { type: "integer" },
          },
        }],
      },
    },
  },
  paths: {
    "/healthz": {
      get: {
        summary: "Liveness: the process serves requests",
        responses: { "200": { description: "ok", content: json({ type: "object" }) } },
      },
    },
    "/readyz": {
      get: {
        summary:
          "Readiness: no stream is still loading its engine (streams waiting for a camera that " +
          "is down are listed as waiting, and do not hold readiness back)",
        responses: {
          "200": { description: "ready", content: json({ type: "object" }) },
          "503": { description: "some streams are starting", content: json({ type: "object" }) },
        },
      },
    },
    "/metrics": {
      get: {
        summary: "Prometheus metrics (text format 0.0.4)",
        security: viewerAuth,
        responses: {
          "200": {
            description: "metrics",
            content: { "text/plain": { schema: { type: "string" } } },
          },
          "401": error("missing or wrong token"),
        },
      },
    },
    "/v1/openapi.json": {
      get: {
        summary: "This document",
        responses: { "200": { description: "OpenAPI 3.1", content: json({ type: "object" }) } },
      },
    },
    "/v1/streams": {
      get: {
        summary: "List streams",
        security: viewerAuth,
        responses: {
          "200": {
            description: "every stream's status",
            content: json({
              type: "object",
              properties: {
                streams: { type: "array", items: { $ref: "#/components/schemas/StreamStatus" } },
              },
            }),
          },
          "401": error("missing or wrong token"),
        },
      },
      post: {
        summary: "Add a stream; it starts at once",
        security: adminAuth,
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["source"],
            additionalProperties: false,
            properties: {
              id: { type: "string", description: "default: generated" },
              source: {
                type: "string",
                description: "synthetic:, file path, rtsp://, http(s)://, webcam:",
              },
              options: { $ref: "#/components/schemas/StreamOptions" },
            },
          }),
        },
        responses: {
          "201": {
            description: "created",
            content: json({ $ref: "#/components/schemas/StreamDetail" }),
          },
          "400": error("bad body, option or source"),
          "401": error("missing or wrong token"),
          "403": error("a viewer token cannot change streams"),
          "409": error("the id exists, or --max-streams is reached"),
        },
      },
    },
    "/v1/streams/{id}": {
      parameters: [idParam],
      get: {
        summary: "Inspect a stream: state, counters, backend, model, loss, adaptation, delivery",
        security: viewerAuth,
        responses: {
          "200": {
            description: "the stream",
            content: json({ $ref: "#/components/schemas/StreamDetail" }),
          },
          "401": error("missing or wrong token"),
          "404": error("no such stream"),
        },
      },
      patch: {
        summary:
          "Change a stream's source or options; the stream restarts with them, resuming its checkpointed weights when the model's shape is unchanged",
        security: adminAuth,
        requestBody: {
          required: true,
          content: json({
            type: "object",
            additionalProperties: false,
            properties: {
              source: { type: "string" },
              options: { $ref: "#/components/schemas/StreamOptions" },
            },
          }),
        },
        responses: {
          "200": {
            description: "the restarted stream",
            content: json({ $ref: "#/components/schemas/StreamDetail" }),
          },
          "400": error("bad body, option or source"),
          "401": error("missing or wrong token"),
          "403": error("a viewer token cannot change streams"),
          "404": error("no such stream"),
        },
      },
      delete: {
        summary:
          "Stop and remove a stream and its checkpoint; its subscribers are told (reason stream_removed)",
        security: adminAuth,
        responses: {
          "204": { description: "removed" },
          "401": error("missing or wrong token"),
          "403": error("a viewer token cannot change streams"),
          "404": error("no such stream"),
        },
      },
    },
    "/v1/streams/{id}/snapshot.png": {
      get: {
        summary: "The latest frame with its island map (or feature colours) drawn over it",
        security: viewerAuth,
        parameters: [
          idParam,
          {
            name: "overlay",
            in: "query",
            schema: { enum: ["islands", "features", "none"], default: "islands" },
          },
          {
            name: "width",
            in: "query",
            description: "default the working frame's; alone, the height follows its aspect",
            schema: { type: "integer", minimum: 1, maximum: 2048 },
          },
          {
            name: "height",
            in: "query",
            description: "default the working frame's; alone, the width follows its aspect",
            schema: { type: "integer", minimum: 1, maximum: 2048 },
          },
        ],
        responses: {
          "200": {
            description: "PNG",
            content: { "image/png": { schema: { type: "string", format: "binary" } } },
          },
          "400": error("bad parameter"),
          "401": error("missing or wrong token"),
          "404": error("no such stream"),
          "503": error("no frame processed yet"),
        },
      },
    },
    "/v1/ws": websocket("Island maps of any streams over one socket", "Send subscribe messages."),
    "/v1/streams/{id}/islands": websocket(
      "Island maps of one stream (JSON, default options)",
      "Subscribed at open.",
      [idParam],
    ),
    "/": {
      get: {
        summary: "The live viewer (HTML)",
        responses: { "200": { description: "the viewer page", content: { "text/html": {} } } },
      },
    },
    "/viewer/{file}": {
      get: {
        summary: "The viewer's script and style",
        parameters: [{
          name: "file",
          in: "path",
          required: true,
          schema: { enum: ["viewer.js", "viewer.css"] },
        }],
        responses: { "200": { description: "the file" }, "404": error("no such file") },
      },
    },
    "/client/{file}": {
      get: {
        summary: "The client modules, importable from a browser",
        parameters: [{
          name: "file",
          in: "path",
          required: true,
          schema: { enum: ["islands_client.js", "palette.js"] },
        }],
        responses: { "200": { description: "the module" }, "404": error("no such file") },
      },
    },
  },
} as const;
