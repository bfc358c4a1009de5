/**
 * {@linkcode IslandsClient} against a tiny in-test server that speaks docs/protocol.md: hello,
 * subscribed, binary and JSON maps, pong, errors, a server-side unsubscribe, and a close.
 *
 * @module
 */
import assert from "node:assert/strict";
import { prepareJsonMap, type WireMap } from "../../src/islands/wire_json.ts";
import { prepareBinaryMap } from "../../src/islands/wire_binary.ts";
import { type IslandMap, IslandsClient, IslandsError } from "../../src/client/islands_client.js";

function mapOf(stream: string, frame: number): WireMap {
  const labels = new Int32Array(12);
  for (let i = 0; i < labels.length; i++) labels[i] = 100 + (i >> 2);
  return {
    stream,
    frame,
    pts: frame / 10,
    decodedAt: Date.now(),
    width: 4,
    height: 3,
    labels,
    islands: [{ id: 100, area: 4, bbox: [0, 0, 3, 0], centroid: [1.5, 0] }],
    loss: 0.5,
    keyFrame: frame % 2 === 0,
  };
}

// deno-lint-ignore no-explicit-any
type Msg = Record<string, any>;

/** A server that answers like the real one, with a few streams that misbehave on purpose. */
function startServer() {
  const seen: { urls: string[]; messages: Msg[] } = { urls: [], messages: [] };
  const sockets: WebSocket[] = [];
  let nextSub = 7;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname !== "/v1/ws") return new Response("no", { status: 401 });
    seen.urls.push(req.url);
    const { socket, response } = Deno.upgradeWebSocket(req);
    sockets.push(socket);
    const send = (m: Msg) => socket.send(JSON.stringify(m));
    socket.onopen = () => send({ type: "hello", protocol: 1, maxMessageBytes: 16384 });
    socket.onmessage = (ev) => {
      const msg = JSON.parse(ev.data) as Msg;
      seen.messages.push(msg);
      switch (msg.type) {
        case "ping":
          return send({ type: "pong", id: msg.id });
        case "unsubscribe":
          return send({ type: "unsubscribed", stream: msg.stream, sub: 7, reason: "client" });
        case "subscribe":
          break;
        default:
          return send({ type: "error", code: "bad_message", message: "unknown type" });
      }
      const stream = msg.stream as string;
      if (stream === "missing") {
        return send({ type: "error", code: "stream_not_found", message: "no such", stream });
      }
      if (stream === "bad") {
        return send({ type: "error", code: "bad_message", message: "maxFps out of range" });
      }
      if (stream === "slow") return socket.close(4008, "subscriber too slow");
      const sub = nextSub++;
      const { type: _, stream: __, ...options } = msg;
      send({ type: "subscribed", stream, sub, options: { format: "json", ...options } });
      if (stream === "remove-me") {
        send({ type: "unsubscribed", stream, sub, reason: "stream_removed" });
        send({ type: "error", code: "stream_not_found", message: "unsolicited", stream: "x" });
        return;
      }
      // A map for a subscription the client does not know is ignored.
      socket.send(prepareBinaryMap(mapOf(stream, 1), false)(999, 0));
      if (msg.format === "binary") {
        socket.send(prepareBinaryMap(mapOf(stream, 2), msg.rle === true)(sub, 3));
      } else {
        socket.send(prepareJsonMap(mapOf(stream, 2))(sub, 0));
      }
    };
    return response;
  });
  const addr = server.addr as Deno.NetAddr;
  return { server, seen, sockets, base: `http://127.0.0.1:${addr.port}` };
}

/** The next map `subscribe` delivers, and the subscription. */
function nextMap() {
  let resolve!: (m: IslandMap) => void;
  const promise = new Promise<IslandMap>((r) => resolve = r);
  return { promise, onMap: (m: IslandMap) => resolve(m) };
}

Deno.test("IslandsClient: connect, subscribe, maps, ping, errors, unsubscribe, close", async () => {
  const { server, seen, base } = startServer();
  try {
    const client = await IslandsClient.connect(`${base}/v1/ws`, { token: "s3cret" });
    assert.equal(client.hello?.protocol, 1);
    const url = new URL(seen.urls[0]);
    assert.equal(url.searchParams.get("access_token"), "s3cret");

    const errors: IslandsError[] = [];
    client.onError((e) => errors.push(e));
    const removed: { stream: string; reason: string }[] = [];
    client.onUnsubscribed((e) => removed.push(e));
    let resolveClosed!: (v: [number, string]) => void;
    const closed = new Promise<[number, string]>((r) => resolveClosed = r);
    client.onClose((code, reason) => resolveClosed([code, reason]));

    // Binary: routed by sub, stream filled in.
    const bin = nextMap();
    const sub1 = await client.subscribe("cam1", { format: "binary", rle: true }, bin.onMap);
    assert.equal(sub1.stream, "cam1");
    assert.equal(sub1.sub, 7);
    assert.deepEqual(sub1.options, { format: "binary", rle: true });
    const m1 = await bin.promise;
    assert.equal(m1.stream, "cam1");
    assert.equal(m1.sub, 7);
    assert.equal(m1.frame, 2);
    assert.equal(m1.dropped, 3);
    assert.equal(m1.keyFrame, true);
    assert.deepEqual(m1.labels, mapOf("cam1", 2).labels);
    assert.deepEqual(seen.messages[0], {
      type: "subscribe",
      stream: "cam1",
      format: "binary",
      rle: true,
    });

    // JSON on a second stream of the same socket.
    const json = nextMap();
    const sub2 = await client.subscribe("cam2", { include: ["islands"] }, json.onMap);
    assert.equal(sub2.sub, 8);
    const m2 = await json.promise;
    assert.equal(m2.stream, "cam2");
    assert.equal(m2.sub, 8);
    assert.deepEqual(m2.islands, mapOf("cam2", 2).islands);

    // Errors reject the request they answer, with the server's code.
    await assert.rejects(
      client.subscribe("missing", {}, () => {}),
      (e: unknown) => e instanceof IslandsError && e.code === "stream_not_found",
    );
    await assert.rejects(
      client.subscribe("bad", { maxFps: 500 }, () => {}),
      (e: unknown) => e instanceof IslandsError && e.code === "bad_message",
    );

    const rtt = await client.ping();
    assert.ok(rtt >= 0 && rtt < 5000, `rtt ${rtt}`);
    const [a, b] = await Promise.all([client.ping(), client.ping()]);
    assert.ok(a >= 0 && b >= 0);

    // A server-side unsubscribe and an error no request waits for go to the callbacks.
    await client.subscribe("remove-me", {}, () => {});
    await client.ping(); // everything sent before the pong has been handled
    assert.deepEqual(removed, [{ stream: "remove-me", sub: 9, reason: "stream_removed" }]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].code, "stream_not_found");
    assert.equal(errors[0].stream, "x");

    await client.unsubscribe("cam1");

    // A close rejects pending requests and reaches onClose.
    await assert.rejects(
      client.subscribe("slow", {}, () => {}),
      (e: unknown) => e instanceof IslandsError && e.code === "closed",
    );
    assert.deepEqual(await closed, [4008, "subscriber too slow"]);
    await assert.rejects(client.ping(), /not open/);
  } finally {
    await server.shutdown();
  }
});

Deno.test("IslandsClient.connect rejects when the upgrade is refused", async () => {
  const { server, base } = startServer();
  try {
    await assert.rejects(IslandsClient.connect(`${base}/denied`), IslandsError);
  } finally {
    await server.shutdown();
  }
});
