/**
 * WebSocket protocol v1 against the real server: subscriptions over one socket in both formats,
 * per-subscription options, bad client messages, stream deletion, and backpressure with a client
 * that never reads.
 */
import assert from "node:assert/strict";
import { type IslandMap, IslandsClient } from "../../src/client/islands_client.js";
import { connectStalled, holdsConnection } from "./_raw_ws.ts";
import { type RunningServer, startServer } from "./_server.ts";

const FAST = ["--teacher", "none", "--grid", "16"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function addStream(server: RunningServer, id: string, source = "synthetic:?seed=5") {
  const r = await fetch(`${server.url}/v1/streams`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id, source }),
  });
  assert.equal(r.status, 201, await r.text());
}

async function status(server: RunningServer, id = "default") {
  return await (await fetch(`${server.url}/v1/streams/${id}`)).json();
}

/** The server still answers /healthz with 200. */
async function assertHealthy(server: RunningServer) {
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  await health.body?.cancel();
}

/** Another client still gets answers, and the server is up. */
async function assertOthersUnaffected(server: RunningServer, healthy: IslandsClient) {
  assert.ok((await healthy.ping()) >= 0, "another client is unaffected");
  await assertHealthy(server);
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

Deno.test({
  name: "protocol: one socket follows two streams in JSON and binary, with the extras asked for",
  async fn() {
    const server = await startServer(FAST);
    const client = await IslandsClient.connect(`${server.url}/v1/ws`);
    try {
      await addStream(server, "second");
      const json: IslandMap[] = [];
      const binary: IslandMap[] = [];
      const a = await client.subscribe("default", { include: ["islands", "features"] }, (m) => {
        json.push(m);
      });
      const b = await client.subscribe("second", {
        format: "binary",
        rle: true,
        resolution: { width: 64, height: 48 },
        include: ["frame"],
        frameSize: { width: 80, height: 60 },
      }, (m) => binary.push(m));
      assert.notEqual(a.sub, b.sub);
      assert.equal(a.options.format, "json");
      assert.equal(b.options.maxFps, null, "defaults are filled in");
      await until("maps of both streams", () => json.length >= 3 && binary.length >= 3);

      const now = Date.now();
      for (const m of json) {
        assert.equal(m.stream, "default");
        assert.equal(m.sub, a.sub);
        assert.equal(m.labels.length, 16 * 16);
        assert.equal(m.dropped, 0);
        assert.ok(m.decodedAt <= now && m.decodedAt > now - 60_000, "decodedAt is Unix ms");
        const ids = new Set(m.labels);
        assert.deepEqual(new Set(m.islands!.map((i) => i.id)), ids, "a summary per island");
        assert.equal(m.features!.rgb.length, 16 * 16 * 3);
        assert.equal(m.frameJpeg, undefined, "only what was asked for");
      }
      for (const m of binary) {
        assert.equal(m.stream, "second");
        assert.equal(m.width, 64);
        assert.equal(m.height, 48);
        assert.equal(m.labels.length, 64 * 48);
        assert.equal(m.islands, undefined);
        assert.equal(m.frameJpeg!.width, 80);
        assert.deepEqual([...m.frameJpeg!.data.subarray(0, 2)], [0xff, 0xd8], "a JPEG");
      }
      assert.ok((await client.ping()) >= 0);

      await client.unsubscribe("second");
      const after = binary.length;
      await sleep(1500);
      assert.ok(binary.length <= after + 1, "no maps after unsubscribing");
      assert.ok(json.length > 3, "the other subscription goes on");
    } finally {
      client.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "protocol: maps on a lattice finer than the grid, and labels at the frame's resolution",
  async fn() {
    // The engine sees the scene's own 224x224 frames; the field is queried on a 32x32 lattice.
    const server = await startServer([...FAST, "--lattice", "32"]);
    const lattice = await IslandsClient.connect(`${server.url}/v1/ws`);
    const frame = await IslandsClient.connect(`${server.url}/v1/ws`);
    try {
      const a: IslandMap[] = [];
      const b: IslandMap[] = [];
      await lattice.subscribe("default", {}, (m) => a.push(m));
      const sub = await frame.subscribe("default", { resolution: "frame" }, (m) => b.push(m));
      assert.equal(sub.options.resolution, "frame");
      await until("maps at both resolutions", () => a.length >= 2 && b.length >= 2);
      for (const m of a) {
        assert.deepEqual([m.width, m.height, m.labels.length], [32, 32, 32 * 32]);
      }
      for (const m of b) {
        assert.deepEqual([m.width, m.height, m.labels.length], [224, 224, 224 * 224]);
        // The same islands, only finer: every id at the frame's resolution is one of the map's.
        const same = a.find((x) => x.frame === m.frame);
        if (same) {
          const ids = new Set(same.labels);
          assert.ok([...new Set(m.labels)].every((id) => ids.has(id)));
        }
      }
      assert.deepEqual((await status(server)).engine.lattice, { width: 32, height: 32 });
    } finally {
      lattice.close();
      frame.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "protocol: maxFps caps a subscription without touching another",
  async fn() {
    const server = await startServer([...FAST, "--fps", "10"]);
    const client = await IslandsClient.connect(`${server.url}/v1/ws`);
    const other = await IslandsClient.connect(`${server.url}/v1/ws`);
    try {
      let capped = 0, full = 0;
      await client.subscribe("default", { maxFps: 2 }, () => void capped++);
      await other.subscribe("default", {}, () => void full++);
      await until("the stream running", () => full > 0);
      capped = full = 0;
      await sleep(5000);
      assert.ok(capped <= 12, `maxFps 2 over 5 s delivered ${capped}`);
      assert.ok(capped >= 6, `maxFps 2 over 5 s delivered only ${capped}`);
      assert.ok(full > capped * 1.5, `the uncapped subscription got ${full}`);
    } finally {
      client.close();
      other.close();
      await server.stop();
    }
  },
});

/** Sends `data` (if any) and waits for the next JSON message of the given type. */
function exchange(ws: WebSocket, data: string | Uint8Array | null, type = "error") {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} message`)), 10_000);
    const onMessage = (e: MessageEvent) => {
      if (typeof e.data !== "string") return;
      const msg = JSON.parse(e.data);
      if (msg.type !== type) return;
      clearTimeout(timer);
      ws.removeEventListener("message", onMessage);
      resolve(msg);
    };
    ws.addEventListener("message", onMessage);
    if (data !== null) ws.send(data);
  });
}

Deno.test({
  name:
    "protocol: bad client messages get an error; that socket, the others and the server stay up",
  async fn() {
    const server = await startServer(FAST);
    const bystander = new WebSocket(`${server.wsUrl}/v1/streams/default/islands`);
    let seen = 0;
    bystander.onmessage = () => void seen++;
    const ws = new WebSocket(`${server.wsUrl}/v1/ws`);
    try {
      await new Promise((r) => ws.onopen = r);
      const cases: Array<[string | Uint8Array, string, RegExp]> = [
        ["{not json", "bad_json", /JSON/],
        ["[1,2]", "bad_json", /object/],
        [JSON.stringify({ type: "dance" }), "bad_message", /unknown message type/],
        [
          JSON.stringify({ type: "subscribe", stream: "default", colour: 1 }),
          "bad_message",
          /colour/,
        ],
        [
          JSON.stringify({ type: "subscribe", stream: "default", maxFps: 0 }),
          "bad_message",
          /maxFps/,
        ],
        [
          JSON.stringify({ type: "subscribe", stream: "default", resolution: { width: 9999 } }),
          "bad_message",
          /resolution/,
        ],
        [JSON.stringify({ type: "subscribe", stream: "nope" }), "stream_not_found", /nope/],
        [
          JSON.stringify({ type: "unsubscribe", stream: "default" }),
          "bad_message",
          /not subscribed/,
        ],
        [JSON.stringify({ type: "ping", pad: "x".repeat(20_000) }), "message_too_large", /16384/],
        // 6,000 characters, 18,000 bytes of UTF-8: the limit is on what the client sent.
        [JSON.stringify({ type: "ping", pad: "€".repeat(6_000) }), "message_too_large", /16384/],
        [new Uint8Array([1, 2, 3]), "binary_not_accepted", /JSON text/],
      ];
      for (const [data, code, message] of cases) {
        const err = await exchange(ws, data);
        assert.equal(err.code, code, String(data).slice(0, 60));
        assert.match(String(err.message), message);
      }
      assert.equal(ws.readyState, WebSocket.OPEN, "the socket survives its own mistakes");
      const pong = await exchange(ws, JSON.stringify({ type: "ping", id: 7 }), "pong");
      assert.equal(pong.id, 7);
      const subscribed = await exchange(
        ws,
        JSON.stringify({ type: "subscribe", stream: "default" }),
        "subscribed",
      );
      assert.equal(subscribed.stream, "default");
      const map = await exchange(ws, null, "islands");
      assert.equal(map.sub, subscribed.sub);
      const before = seen;
      await until("the bystander's maps", () => seen > before + 2);
      await assertHealthy(server);
    } finally {
      ws.close();
      bystander.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "protocol: deleting a stream unsubscribes its followers and closes its own sockets (4404)",
  async fn() {
    const server = await startServer(FAST);
    const client = await IslandsClient.connect(`${server.url}/v1/ws`);
    try {
      await addStream(server, "temp");
      const removed: string[] = [];
      client.onUnsubscribed((e) => removed.push(`${e.stream}:${e.reason}`));
      await client.subscribe("temp", {}, () => {});
      const own = new WebSocket(`${server.wsUrl}/v1/streams/temp/islands`);
      const closed = new Promise<number>((r) => own.onclose = (e) => r(e.code));
      await new Promise((r) => own.onopen = r);
      const del = await fetch(`${server.url}/v1/streams/temp`, { method: "DELETE" });
      assert.equal(del.status, 204);
      assert.equal(await closed, 4404);
      await until("the unsubscribed message", () => removed.length > 0, 5000);
      assert.deepEqual(removed, ["temp:stream_removed"]);
      assert.ok((await client.ping()) >= 0, "the multi-stream socket stays open");
    } finally {
      client.close();
      await server.stop();
    }
  },
});

/** Engine fps and a fast subscriber's fps over `seconds`. */
async function measure(server: RunningServer, fastMaps: () => number, seconds: number) {
  const s0 = await status(server);
  const m0 = fastMaps();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const s1 = await status(server);
  const m1 = fastMaps();
  const dt = (performance.now() - t0) / 1000;
  return {
    engine: (s1.framesProcessed - s0.framesProcessed) / dt,
    fast: (m1 - m0) / dt,
  };
}

Deno.test({
  name:
    "backpressure: a client that never reads leaves the engine and a fast subscriber within 10%, then is closed with 4008 and dropped 10 s later",
  async fn() {
    const server = await startServer([...FAST, "--fps", "5", "--slow-subscriber-timeout", "15"]);
    const fast = new WebSocket(`${server.wsUrl}/v1/streams/default/islands`);
    let maps = 0;
    fast.onmessage = () => void maps++;
    let stalled: Awaited<ReturnType<typeof connectStalled>> | null = null;
    try {
      await until("maps", () => maps > 3);
      await sleep(2000);
      const alone = await measure(server, () => maps, 12);

      stalled = await connectStalled(`${server.wsUrl}/v1/ws`);
      // Big maps (512x512 labels as JSON, ~0.6 MB each) fill the socket's buffers in a second.
      await stalled.send(JSON.stringify({
        type: "subscribe",
        stream: "default",
        resolution: { width: 512, height: 512 },
      }));
      await until("the stalled client's maps being dropped", async () => {
        return (await status(server)).delivery.mapsDropped > 0;
      });
      const withSlow = await measure(server, () => maps, 12);
      const detail = await status(server);
      assert.equal(detail.delivery.subscribers, 2, "the stalled client is still subscribed");

      const within = (a: number, b: number) => Math.abs(b - a) / a <= 0.1;
      const report = JSON.stringify({ alone, withSlow });
      console.log(`backpressure: ${report}`);
      assert.ok(alone.engine > 3 && alone.fast > 3, report);
      assert.ok(within(alone.engine, withSlow.engine), `engine fps: ${report}`);
      assert.ok(within(alone.fast, withSlow.fast), `fast subscriber fps: ${report}`);

      await until("the stalled client being closed", async () => {
        return (await status(server)).delivery.subscribers === 1;
      }, 30_000);
      assert.ok(maps > 0 && fast.readyState === WebSocket.OPEN, "the fast subscriber goes on");
      // It reads nothing, so it never sees the close frame: the server drops its connection.
      const closedAt = performance.now();
      const pid = server.process.pid;
      assert.ok(await holdsConnection(pid, stalled.localPort), "held while the close is pending");
      await until("the stalled client's connection being dropped", async () => {
        return !(await holdsConnection(pid, stalled!.localPort));
      }, 20_000);
      const droppedAfter = (performance.now() - closedAt) / 1000;
      console.log(`stalled connection dropped ${droppedAfter.toFixed(1)} s after its close`);
      assert.ok(droppedAfter <= 12, `dropped ${droppedAfter.toFixed(1)} s after its close`);
    } finally {
      stalled?.close();
      fast.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "a message over 1 MiB closes that socket with 1009; others and the server stay up",
  async fn() {
    const server = await startServer(FAST);
    const healthy = await IslandsClient.connect(`${server.url}/v1/ws`);
    const ws = new WebSocket(`${server.wsUrl}/v1/ws`);
    try {
      await new Promise((r) => ws.onopen = r);
      const closed = new Promise<CloseEvent>((r) => ws.onclose = r);
      ws.send(JSON.stringify({ type: "ping", pad: "x".repeat((1 << 20) + 10) }));
      assert.equal((await closed).code, 1009);
      await assertOthersUnaffected(server, healthy);
    } finally {
      ws.close();
      healthy.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "keepalive: a client that never answers pings is closed after --ws-idle-timeout",
  async fn() {
    const server = await startServer([...FAST, "--ws-idle-timeout", "2"]);
    const silent = await connectStalled(`${server.wsUrl}/v1/ws`);
    const healthy = await IslandsClient.connect(`${server.url}/v1/ws`);
    try {
      const t0 = performance.now();
      await silent.untilClosed();
      const seconds = (performance.now() - t0) / 1000;
      assert.ok(seconds >= 1.5 && seconds < 15, `closed after ${seconds.toFixed(1)} s`);
      await sleep(3000);
      assert.ok((await healthy.ping()) >= 0, "a client that answers pings stays connected");
    } finally {
      silent.close();
      healthy.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "a client that floods messages without reading the answers is disconnected; others are not",
  async fn() {
    const server = await startServer(FAST);
    const flooder = await connectStalled(`${server.wsUrl}/v1/ws`);
    const healthy = await IslandsClient.connect(`${server.url}/v1/ws`);
    try {
      // Each malformed message earns an error answer that the flooder never reads; once the
      // unread answers pass a bound the server drops the connection, and writes start failing.
      const junk = JSON.stringify({ type: "subscribe", stream: "default", junk: "x".repeat(4000) });
      let sent = 0;
      // How many it takes depends on the kernel's socket buffers (megabytes of answers).
      const deadline = Date.now() + 60_000;
      await assert.rejects(async () => {
        for (; Date.now() < deadline; sent++) await flooder.send(junk);
      }, "the flooder is disconnected");
      assert.ok(sent > 10, `disconnected after ${sent} messages`);
      console.log(`flooder disconnected after ${sent} messages`);
      await assertOthersUnaffected(server, healthy);
    } finally {
      flooder.close();
      healthy.close();
      await server.stop();
    }
  },
});
