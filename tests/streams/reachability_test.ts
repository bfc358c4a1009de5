/**
 * The cheap probe of a live source, against real sockets: a server that answers RTSP, one that
 * accepts connections and says nothing (a frozen camera: the kernel accepts for it), a closed
 * port; and the wait between retries that it drives.
 */
import assert from "node:assert/strict";
import { reachabilityProbe, waitToRetry } from "../../streams/reachability.ts";
import { parseSourceUri } from "../../streams/source_uri.ts";

/** A TCP server on loopback; `answer` null accepts and never writes. */
function tcpServer(answer: string | null) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const requests: string[] = [];
  (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(1024);
        const n = await conn.read(buf).catch(() => null);
        if (n) requests.push(new TextDecoder().decode(buf.subarray(0, n)));
        if (answer !== null) await conn.write(new TextEncoder().encode(answer)).catch(() => {});
      })();
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    requests,
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed by the peer */ }
      }
    },
  };
}

const probeOf = (uri: string, timeoutMs = 300) =>
  reachabilityProbe(parseSourceUri(uri, "/"), timeoutMs)!;

Deno.test("an RTSP camera that answers OPTIONS, even 401, is reachable; no credentials are sent", async () => {
  const server = tcpServer("RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n\r\n");
  try {
    assert.equal(await probeOf(`rtsp://admin:s3cret@127.0.0.1:${server.port}/cam`)(), true);
    assert.match(server.requests[0], /^OPTIONS rtsp:\/\/127\.0\.0\.1:\d+\/cam RTSP\/1\.0\r\n/);
    assert.ok(!server.requests[0].includes("s3cret"), "the password never leaves");
    assert.ok(!server.requests[0].includes("admin"));
  } finally {
    server.close();
  }
});

Deno.test("a frozen RTSP server (accepts, never answers) and a closed port are unreachable", async () => {
  const frozen = tcpServer(null);
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (closed.addr as Deno.NetAddr).port;
  closed.close();
  try {
    const t0 = performance.now();
    assert.equal(await probeOf(`rtsp://127.0.0.1:${frozen.port}/cam`)(), false);
    assert.ok(performance.now() - t0 < 1000, "answered at its timeout");
    assert.equal(await probeOf(`rtsp://127.0.0.1:${closedPort}/cam`)(), false);
    assert.equal(await probeOf(`http://127.0.0.1:${closedPort}/mjpeg`)(), false);
    assert.equal(
      await probeOf(`http://127.0.0.1:${frozen.port}/mjpeg`)(),
      true,
      "http: it connects",
    );
  } finally {
    frozen.close();
  }
});

Deno.test("sources that are always there have no probe; a missing webcam is unreachable", async () => {
  assert.equal(reachabilityProbe(parseSourceUri("synthetic:", "/")), null);
  if (Deno.build.os === "linux") {
    assert.equal(await probeOf("webcam:/dev/video97")(), false);
  }
});

Deno.test("waitToRetry: no retry while down, at once when back, after the delay when up", async () => {
  const never = new Promise<void>(() => {});
  let up = false;
  const seen: boolean[] = [];
  const probe = () => Promise.resolve(up);
  // Up all along: the backoff decides.
  up = true;
  let t0 = performance.now();
  assert.equal(
    await waitToRetry({ delayMs: 300, probe, probeIntervalMs: 50, stopped: never }),
    "retry",
  );
  assert.ok(performance.now() - t0 >= 290, "waited the backoff");
  // Down well past the delay, then up: back as soon as it answers.
  up = false;
  t0 = performance.now();
  setTimeout(() => up = true, 600);
  const outcome = await waitToRetry({
    delayMs: 100,
    probe,
    probeIntervalMs: 50,
    stopped: never,
    onReachable: (r) => seen.push(r),
  });
  const ms = performance.now() - t0;
  assert.equal(outcome, "back");
  assert.ok(ms >= 590 && ms < 800, `back ${ms} ms after the start, 600 ms of it down`);
  assert.deepEqual(seen, [false, true]);
  // Stopped while down.
  up = false;
  let stop!: () => void;
  const stopped = new Promise<void>((r) => stop = r);
  setTimeout(() => stop(), 100);
  assert.equal(await waitToRetry({ delayMs: 50, probe, probeIntervalMs: 20, stopped }), "stopped");
});
