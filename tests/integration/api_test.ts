/**
 * The HTTP API of the real server, route by route: auth (401/403, tokens never echoed or logged),
 * stream add/inspect/update/delete, bad bodies, snapshots, metrics, readiness, CORS, the OpenAPI
 * document and streams declared in a config file.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../src/config.ts";
import { StreamRegistry } from "../../src/pipeline/stream_registry.ts";
import { createApp } from "../../src/server/app.ts";
import { OPENAPI_DOCUMENT } from "../../src/server/openapi.ts";
import { type RunningServer, startServer } from "./_server.ts";

const ADMIN = "admin-token-0123456789abcdef";
const VIEWER = "viewer-token-0123456789abcdef";
const FAST = ["--teacher", "none", "--grid", "16"];

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function call(
  server: RunningServer,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; type?: string } = {},
) {
  const headers: Record<string, string> = opts.token ? bearer(opts.token) : {};
  let body: string | undefined;
  if (opts.body !== undefined || opts.raw !== undefined) {
    headers["content-type"] = opts.type ?? "application/json";
    body = opts.raw ?? JSON.stringify(opts.body);
  }
  const r = await fetch(`${server.url}${path}`, { method, headers, body });
  const text = await r.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, text, json };
}

async function waitFor(
  server: RunningServer,
  id: string,
  ok: (s: Record<string, unknown>) => boolean,
  token = ADMIN,
) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await call(server, "GET", `/v1/streams/${id}`, { token });
    if (r.json && ok(r.json)) return r.json;
    if (Date.now() > deadline) throw new Error(`stream ${id} never got there: ${r.text}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

function authServer(extra: string[] = []) {
  return startServer([
    ...FAST,
    "--auth",
    "on",
    "--admin-tokens",
    ADMIN,
    "--viewer-tokens",
    VIEWER,
    ...extra,
  ]);
}

Deno.test({
  name: "auth: probes are open; reads need a viewer token, changes an admin token",
  async fn() {
    const server = await authServer();
    try {
      assert.equal((await call(server, "GET", "/healthz")).status, 200);
      assert.ok([200, 503].includes((await call(server, "GET", "/readyz")).status));
      assert.equal((await call(server, "GET", "/v1/openapi.json")).status, 200);

      const none = await call(server, "GET", "/v1/streams");
      assert.equal(none.status, 401);
      assert.equal(none.headers.get("www-authenticate"), "Bearer");
      assert.equal(none.json?.error, "unauthorized");
      const wrong = await call(server, "GET", "/v1/streams", { token: "x".repeat(30) });
      assert.equal(wrong.status, 401);
      assert.ok(!wrong.text.includes("x".repeat(30)), "a wrong token is never echoed");
      assert.equal((await call(server, "GET", "/metrics")).status, 401);
      assert.equal((await call(server, "GET", "/v1/streams/default")).status, 401);
      assert.equal((await call(server, "GET", "/v1/streams/default/snapshot.png")).status, 401);

      assert.equal((await call(server, "GET", "/v1/streams", { token: VIEWER })).status, 200);
      assert.equal((await call(server, "GET", "/metrics", { token: VIEWER })).status, 200);
      const add = { source: "synthetic:", options: { teacher: "none" } };
      const forbidden = await call(server, "POST", "/v1/streams", { token: VIEWER, body: add });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.json?.error, "forbidden");
      for (const [method, body] of [["PATCH", { options: { fps: 5 } }], ["DELETE", undefined]]) {
        const r = await call(server, method as string, "/v1/streams/default", {
          token: VIEWER,
          body,
        });
        assert.equal(r.status, 403, `${method} as viewer`);
      }
      assert.equal((await call(server, "GET", "/v1/streams", { token: ADMIN })).status, 200);

      // A WebSocket without a token is refused before the upgrade; with ?access_token it opens.
      const refused = await openOutcome(`${server.wsUrl}/v1/ws`);
      assert.equal(refused, "error");
      const opened = await openOutcome(`${server.wsUrl}/v1/ws?access_token=${VIEWER}`);
      assert.equal(opened, "open");
      // The query token is for sockets and images only, not for the JSON API.
      assert.equal((await call(server, "GET", `/v1/streams?access_token=${VIEWER}`)).status, 401);
    } finally {
      await server.stop();
    }
    for (const t of [ADMIN, VIEWER, "x".repeat(30)]) {
      assert.ok(!server.stderr().includes(t), "tokens never reach the log");
    }
  },
});

function openOutcome(url: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.onopen = () => {
      ws.close();
      resolve("open");
    };
    ws.onerror = () => resolve("error");
  });
}

Deno.test({
  name: "streams: add, inspect, update and delete at run time",
  async fn() {
    const server = await authServer();
    try {
      const created = await call(server, "POST", "/v1/streams", {
        token: ADMIN,
        body: {
          id: "cam2",
          source: "synthetic:?seed=3",
          options: { fps: 5, "steps-per-frame": 2 },
        },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.get("location"), "/v1/streams/cam2");
      assert.equal(created.json?.id, "cam2");
      const options = created.json?.options as Record<string, unknown>;
      assert.equal(options.fps, 5);
      assert.equal(options["steps-per-frame"], 2);
      assert.equal(options.teacher, "none", "unset options come from the server's defaults");

      const running = await waitFor(
        server,
        "cam2",
        (s) => s.state === "running" && Number(s.framesProcessed) > 2,
      );
      assert.deepEqual((running.engine as { grid: unknown }).grid, { width: 16, height: 16 });
      assert.equal((running.model as { stepsPerFrame: number }).stepsPerFrame, 2);
      assert.ok(typeof running.loss === "number");
      const adaptation = running.adaptation as Record<string, number>;
      assert.ok(adaptation.framesTrained > 2 && adaptation.resets === 0);

      const list = await call(server, "GET", "/v1/streams", { token: VIEWER });
      const ids = (list.json?.streams as { id: string }[]).map((s) => s.id).sort();
      assert.deepEqual(ids, ["cam2", "default"]);

      const generated = await call(server, "POST", "/v1/streams", {
        token: ADMIN,
        body: { source: "synthetic:" },
      });
      assert.equal(generated.status, 201);
      assert.match(String(generated.json?.id), /^s-[0-9a-f]{8}$/);

      const dup = await call(server, "POST", "/v1/streams", {
        token: ADMIN,
        body: { id: "cam2", source: "synthetic:" },
      });
      assert.equal(dup.status, 409);
      assert.equal(dup.json?.error, "stream_exists");

      const patched = await call(server, "PATCH", "/v1/streams/cam2", {
        token: ADMIN,
        body: { options: { fps: 8 } },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.json?.restarted, true);
      assert.equal((patched.json?.options as Record<string, unknown>).fps, 8);
      assert.equal(
        (patched.json?.options as Record<string, unknown>)["steps-per-frame"],
        2,
        "an update keeps the options it does not name",
      );
      await waitFor(server, "cam2", (s) => s.state === "running");

      assert.equal(
        (await call(server, "DELETE", "/v1/streams/cam2", { token: ADMIN })).status,
        204,
      );
      const gone = await call(server, "GET", "/v1/streams/cam2", { token: ADMIN });
      assert.equal(gone.status, 404);
      assert.equal(gone.json?.error, "stream_not_found");
      assert.equal(
        (await call(server, "DELETE", "/v1/streams/cam2", { token: ADMIN })).status,
        404,
      );
      assert.equal(
        (await call(server, "PATCH", "/v1/streams/cam2", { token: ADMIN, body: {} })).status,
        404,
      );
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "streams: bad bodies, options and sources get a 400 that says what is wrong",
  async fn() {
    const root = await Deno.makeTempDir();
    const server = await startServer([...FAST, "--media-root", root, "--max-streams", "2"]);
    const post = (body: unknown, raw?: string, type?: string) =>
      call(server, "POST", "/v1/streams", { body, raw, type });
    try {
      const cases: Array<[Awaited<ReturnType<typeof post>>, RegExp]> = [
        [await post(undefined, "{}", "text/plain"), /Content-Type: application\/json/],
        [await post(undefined, "{not json"), /not valid JSON/],
        [await post(undefined, "[1]"), /JSON object/],
        [await post({ source: "synthetic:", colour: "red" }), /unknown field "colour"/],
        [await post({}), /"source" is required/],
        [await post({ source: "synthetic:", options: { speed: 3 } }), /unknown option "speed"/],
        [await post({ source: "synthetic:", options: { port: 1 } }), /server-wide option/],
        [await post({ source: "synthetic:", options: { fps: "fast" } }), /fps must be a number/],
        [await post({ source: "synthetic:", options: { fps: 500 } }), /fps must be in/],
        [await post({ source: "synthetic:", options: [] }), /"options" must be an object/],
        [await post({ id: "../etc", source: "synthetic:" }), /stream id .* is invalid/],
        [await post({ source: "ftp://cam/stream" }), /ftp/],
        [await post({ source: "-i /etc/passwd" }), /Source/],
        [await post({ source: "/etc/hostname" }), /outside the media root/],
        [await post(undefined, JSON.stringify({ source: "x".repeat(70_000) })), /larger than/],
        // Sizes an engine cannot work with are refused here, naming the limit, not left to fail.
        [await post({ source: "synthetic:", options: { grid: 100000 } }), /grid .* 1 to 128/],
        [await post({ source: "synthetic:", options: { hidden: 1e9 } }), /hidden .* 1 to 1024/],
        [await post({ source: "synthetic:", options: { depth: 1000 } }), /depth .* 1 to 8/],
        [
          await post({ source: "synthetic:", options: { "steps-per-frame": 100000 } }),
          /stepsPerFrame .* 0 to 100/,
        ],
        [
          await post({ source: "synthetic:", options: { "locations-per-step": 1e6 } }),
          /locationsPerStep .* 1 to 4096/,
        ],
        [
          await post({
            source: "synthetic:",
            options: { hidden: 1024, "locations-per-step": 4096 },
          }),
          /at most 2\^31/,
        ],
        [await post({ source: "synthetic:", options: { grid: 128, patch: 16 } }), /at most 1024/],
      ];
      for (const [r, message] of cases) {
        assert.equal(r.status, 400, r.text);
        assert.equal(r.json?.error, "bad_request");
        assert.match(String(r.json?.message), message);
      }
      const patch = await call(server, "PATCH", "/v1/streams/default", {
        body: { options: { grid: 3.5 } },
      });
      assert.equal(patch.status, 400);
      assert.match(String(patch.json?.message), /grid .*integer/);

      assert.equal((await post({ id: "two", source: "synthetic:" })).status, 201);
      const full = await post({ id: "three", source: "synthetic:" });
      assert.equal(full.status, 409);
      assert.equal(full.json?.error, "too_many_streams");

      const health = await call(server, "GET", "/healthz");
      assert.equal(health.status, 200, "the server shrugs all of that off");
    } finally {
      await server.stop();
      await Deno.remove(root);
    }
  },
});

Deno.test({
  name:
    "snapshot: the latest working frame as PNG with islands or feature colours drawn over it, at its aspect",
  async fn() {
    // A 16:9 scene of 1280x720, worked on at --frame-size 320: 320x180.
    const server = await startServer([
      ...FAST,
      "--source",
      "synthetic:?size=1280x720",
      "--frame-size",
      "320",
    ]);
    try {
      await waitFor(server, "default", (s) => Number(s.framesProcessed) > 1);
      for (
        const [query, w, h] of [
          ["", 320, 180],
          ["?overlay=features", 320, 180],
          ["?width=640", 640, 360],
          ["?height=90", 160, 90],
          ["?overlay=none&width=320&height=240", 320, 240],
        ] as const
      ) {
        const r = await fetch(`${server.url}/v1/streams/default/snapshot.png${query}`);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get("content-type"), "image/png");
        const png = new Uint8Array(await r.arrayBuffer());
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "PNG signature");
        const view = new DataView(png.buffer);
        assert.equal(view.getUint32(16), w);
        assert.equal(view.getUint32(20), h);
      }
      const bad = await call(server, "GET", "/v1/streams/default/snapshot.png?overlay=xray");
      assert.equal(bad.status, 400);
      const big = await call(server, "GET", "/v1/streams/default/snapshot.png?width=5000");
      assert.equal(big.status, 400);
      assert.match(String(big.json?.message), /width must be/);
      const tall = await call(server, "GET", "/v1/streams/default/snapshot.png?height=2000");
      assert.equal(tall.status, 400, "2000 high is 3556 wide at 16:9");
      assert.match(String(tall.json?.message), /3556x2000, over 2048/);
      assert.equal((await call(server, "GET", "/v1/streams/nope/snapshot.png")).status, 404);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "metrics, readiness and CORS",
  async fn() {
    const server = await startServer([...FAST, "--cors-origins", "https://dash.example"]);
    try {
      await waitFor(server, "default", (s) => Number(s.framesProcessed) > 2);
      const ready = await call(server, "GET", "/readyz");
      assert.equal(ready.status, 200);
      assert.equal(ready.json?.ready, true);

      const ws = new WebSocket(`${server.wsUrl}/v1/streams/default/islands`);
      let maps = 0;
      ws.onmessage = () => void maps++;
      while (maps < 2) await new Promise((r) => setTimeout(r, 100));
      const m = await call(server, "GET", "/metrics");
      assert.equal(m.status, 200);
      assert.match(m.headers.get("content-type") ?? "", /^text\/plain; version=0.0.4/);
      for (
        const line of [
          /^islands_stream_up\{stream="default"\} 1$/m,
          /^islands_stream_fps_out\{stream="default"\} [0-9.]+$/m,
          /^islands_stream_frames_processed_total\{stream="default"\} [1-9]\d*$/m,
          /^islands_stream_frames_dropped_total\{stream="default"\} \d+$/m,
          /^islands_stream_source_restarts_total\{stream="default"\} 0$/m,
          /^islands_stream_loss\{stream="default"\} [0-9.e-]+$/m,
          /^islands_stream_islands\{stream="default"\} [1-9]\d*$/m,
          /^islands_stream_subscribers\{stream="default"\} 1$/m,
          /^islands_stream_maps_sent_total\{stream="default"\} [1-9]\d*$/m,
          /^islands_stream_bytes_sent_total\{stream="default"\} [1-9]\d*$/m,
          /^islands_stage_seconds_bucket\{stream="default",stage="train",le="\+Inf"\} [1-9]\d*$/m,
          /^islands_stage_seconds_count\{stream="default",stage="frame_age"\} [1-9]\d*$/m,
          /^process_resident_memory_bytes [1-9]\d*$/m,
          /^islands_js_heap_used_bytes [1-9]\d*$/m,
        ]
      ) assert.match(m.text, line);
      ws.close();

      const preflight = await fetch(`${server.url}/v1/streams`, {
        method: "OPTIONS",
        headers: {
          origin: "https://dash.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
      await preflight.body?.cancel();
      assert.equal(preflight.headers.get("access-control-allow-origin"), "https://dash.example");
      assert.match(preflight.headers.get("access-control-allow-headers") ?? "", /authorization/i);
      const other = await fetch(`${server.url}/v1/streams`, {
        headers: { origin: "https://evil.example" },
      });
      await other.body?.cancel();
      assert.equal(other.headers.get("access-control-allow-origin"), null);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "readiness: a stream waiting for its camera is listed as waiting and holds nothing back; its status says why",
  async fn() {
    const dir = await Deno.makeTempDir();
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closedPort = (probe.addr as Deno.NetAddr).port;
    probe.close(); // nothing listens there: the camera is down
    const path = `${dir}/islands.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        teacher: "none",
        grid: 16,
        streams: [
          { id: "ok", source: "synthetic:" },
          { id: "cam", source: `rtsp://admin:s3cret@127.0.0.1:${closedPort}/live` },
        ],
      }),
    );
    const server = await startServer(["--config", path]);
    try {
      await waitFor(server, "ok", (s) => Number(s.framesProcessed) > 1);
      // Nothing listens there: it is probed, found down, and waited for without ffprobe.
      const cam = await waitFor(server, "cam", (s) => s.sourceState === "unreachable");
      assert.equal(cam.state, "starting");
      assert.equal(cam.geometry, null, "no size before the camera answers");
      assert.ok(Number(cam.sourceRestarts) >= 1);
      assert.match(String(cam.sourceError), /Connection refused/);
      assert.ok(!String(cam.sourceError).includes("s3cret"), "credentials redacted");
      const ready = await call(server, "GET", "/readyz");
      assert.equal(ready.status, 200, ready.text);
      assert.deepEqual(ready.json, { ready: true, starting: [], waiting: ["cam"], failed: [] });
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "streams declared in a config file start at boot with their own options",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/islands.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        teacher: "none",
        grid: 16,
        streams: [
          { id: "north", source: "synthetic:?seed=1" },
          { id: "south", source: "synthetic:?seed=2", options: { fps: 4, "steps-per-frame": 1 } },
        ],
      }),
    );
    const server = await startServer(["--config", path]);
    try {
      const list = await call(server, "GET", "/v1/streams");
      const ids = (list.json?.streams as { id: string }[]).map((s) => s.id);
      assert.deepEqual(ids, ["north", "south"], "no default stream when the file declares some");
      const south = await call(server, "GET", "/v1/streams/south");
      const options = south.json?.options as Record<string, unknown>;
      assert.equal(options.fps, 4);
      assert.equal(options["steps-per-frame"], 1);
      assert.equal(options.teacher, "none", "file-wide options are every stream's defaults");
      await waitFor(server, "north", (s) => s.state === "running");
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the OpenAPI document describes every route of the app", () => {
  const app = createApp(new StreamRegistry(), { streamDefaults: loadConfig([], () => undefined) });
  const documented = OPENAPI_DOCUMENT.paths as Record<string, Record<string, unknown>>;
  const routes = app.routes.filter((r) => r.method !== "ALL");
  assert.ok(routes.length >= 12);
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z]+)/g, "{$1}");
    assert.ok(documented[path], `${path} is not in the OpenAPI document`);
    assert.ok(documented[path][r.method.toLowerCase()], `${r.method} ${path} is not documented`);
  }
  assert.equal(OPENAPI_DOCUMENT.openapi, "3.1.0");
});
