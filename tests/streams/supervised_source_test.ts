/**
 * Supervision of real sources through the real ffmpeg: an HTTP "camera" that goes down and
 * comes back, one that stalls, an RTSP camera that is not there, and files.
 */
import assert from "node:assert/strict";
import { backoffDelay, type BackoffOptions } from "../../streams/backoff.ts";
import { type Frame, SourceError } from "../../streams/frame.ts";
import { openUnsupervised } from "../../streams/open_source.ts";
import { SupervisedSource, type SupervisedState } from "../../streams/supervised_source.ts";
import { mulberry32 } from "../../src/util/mulberry32.ts";
import { ffmpegChildren } from "./_processes.ts";

const BORING = new URL("../../fixtures/boring.mp4", import.meta.url).pathname;
const NOT_A_VIDEO = new URL("../../fixtures/not_a_video.mp4", import.meta.url).pathname;
const BACKOFF: BackoffOptions = { initialMs: 50, maxMs: 400 };
const SIZE = { width: 64, height: 48, fps: 10 };

/** Polls `condition` every 10 ms; throws after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A state change and when it happened (ms, `performance.now()`). */
interface Transition {
  state: SupervisedState;
  at: number;
}

function recorder(): { transitions: Transition[]; onState: (state: SupervisedState) => void } {
  const transitions: Transition[] = [];
  return { transitions, onState: (state) => transitions.push({ state, at: performance.now() }) };
}

Deno.test("a live http source reconnects when its server comes back, index and pts keep increasing", async () => {
  const bytes = await Deno.readFile(BORING);
  const serve = (port: number) =>
    Deno.serve(
      { hostname: "127.0.0.1", port, onListen() {} },
      () => new Response(bytes, { headers: { "content-type": "video/mp4" } }),
    );
  let server: Deno.HttpServer<Deno.NetAddr> | null = serve(0);
  const port = server.addr.port;
  const { transitions, onState } = recorder();
  const source = new SupervisedSource({
    open: () => openUnsupervised(`http://127.0.0.1:${port}/boring.mp4`, SIZE),
    live: true,
    backoff: BACKOFF,
    random: mulberry32(1),
    onState,
  });
  const frames: Frame[] = [];
  const consuming = (async () => {
    for (let f; (f = await source.next()) !== null;) frames.push(f);
  })();
  let framesWhileDown = 0;
  try {
    await until(() => frames.length >= 3, "first frames");
    await server.shutdown();
    server = null;
    const restartsAtDown = source.stats.restarts;
    await until(
      () =>
        source.stats.restarts >= restartsAtDown + 2 &&
        /Connection refused/.test(source.stats.lastError ?? ""),
      "failed reconnects while the server is down",
    );
    framesWhileDown = frames.length;
    server = serve(port);
    await until(() => frames.length >= framesWhileDown + 3, "frames after the server is back");
  } finally {
    await source.close();
    await consuming;
    await server?.shutdown();
  }
  for (let i = 1; i < frames.length; i++) {
    assert.ok(frames[i].index > frames[i - 1].index, `index increases at frame ${i}`);
    assert.ok(frames[i].pts > frames[i - 1].pts, `pts increases at frame ${i}`);
  }
  assert.ok(frames[framesWhileDown].index >= framesWhileDown, "index counts across restarts");
  const states = transitions.map((t) => t.state);
  const firstBackoff = states.indexOf("backing-off");
  assert.ok(firstBackoff > 0, "it backed off");
  assert.ok(states.lastIndexOf("running") > firstBackoff, "it ran again after backing off");
  assert.equal(source.state, "stopped");
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});

Deno.test("a live source that stalls is closed, its ffmpeg killed, and reopened", async () => {
  const bodies: ReadableStreamDefaultController<Uint8Array>[] = [];
  // Headers of a video, then a body that never sends a byte: ffmpeg waits forever.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response(new ReadableStream<Uint8Array>({ start: (c) => void bodies.push(c) }), {
        headers: { "content-type": "video/mp4" },
      }),
  );
  const { transitions, onState } = recorder();
  const source = new SupervisedSource({
    open: () => openUnsupervised(`http://127.0.0.1:${server.addr.port}/stuck.mp4`, SIZE),
    live: true,
    stallTimeoutMs: 1000,
    backoff: BACKOFF,
    onState,
  });
  const start = performance.now();
  const pending = source.next();
  try {
    await until(() => source.stats.restarts >= 1, "a restart after the stall", 5000);
    assert.ok(ffmpegChildren().length <= 1, "the stalled ffmpeg is gone before the reopen");
    const stalled = transitions.find((t) => t.state === "stalled");
    assert.ok(stalled, "it went through `stalled`");
    assert.ok(stalled.at - start >= 990, `stalled after ${stalled.at - start} ms, not before 1 s`);
    assert.match(source.stats.lastError ?? "", /no frame from .* for 1000 ms/);
    // It says `stalled` while it waits to reopen: what happened, not just that it waits.
    assert.deepEqual(transitions.map((t) => t.state).slice(0, 3), [
      "starting",
      "stalled",
      "starting",
    ]);
  } finally {
    await source.close();
    await source.close(); // idempotent
    for (const body of bodies) {
      try {
        body.close();
      } catch { /* the client already went away */ }
    }
    await server.shutdown();
  }
  assert.equal(await pending, null, "the pending next() resolves null on close()");
  assert.equal(source.state, "stopped");
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});

Deno.test("a camera that never answers is retried with growing delays and leaves no ffmpeg", async () => {
  const seed = 7;
  const { transitions, onState } = recorder();
  const source = new SupervisedSource({
    open: () => openUnsupervised("rtsp://admin:hunter2@127.0.0.1:1/x", SIZE),
    live: true,
    backoff: BACKOFF,
    random: mulberry32(seed),
    onState,
  });
  const waits = () => {
    const ms: number[] = [];
    for (let i = 1; i < transitions.length; i++) {
      if (transitions[i - 1].state === "backing-off" && transitions[i].state === "starting") {
        ms.push(transitions[i].at - transitions[i - 1].at);
      }
    }
    return ms;
  };
  const pending = source.next();
  try {
    await until(() => waits().length >= 4, "four backoff periods");
  } finally {
    await source.close();
  }
  assert.equal(await pending, null);
  const measured = waits();
  const replay = mulberry32(seed);
  const expected = measured.map((_, attempt) => backoffDelay(attempt, replay, BACKOFF));
  for (let i = 0; i < measured.length; i++) {
    assert.ok(
      measured[i] >= expected[i] - 1 && measured[i] < expected[i] + 250,
      `wait ${i}: ${measured[i]} ms, expected ${expected[i]} ms`,
    );
  }
  assert.ok(measured[3] > measured[0] * 2, `delays grow: ${measured.map(Math.round)}`);
  assert.ok(!transitions.some((t) => t.state === "running"));
  assert.ok(source.stats.restarts >= 4);
  assert.match(source.stats.lastError ?? "", /Connection refused/);
  assert.ok(!source.stats.lastError?.includes("hunter2"), "the password is never shown");
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});

Deno.test("a file ffmpeg cannot decode fails for good, without restarts", async () => {
  const { transitions, onState } = recorder();
  const source = new SupervisedSource({
    open: () => openUnsupervised(NOT_A_VIDEO, { ...SIZE, realtime: false }),
    live: false,
    backoff: BACKOFF,
    onState,
  });
  try {
    const isDecodeError = (err: unknown) => {
      assert.ok(err instanceof SourceError);
      assert.match(err.message, /cannot decode/);
      return true;
    };
    await assert.rejects(source.next(), isDecodeError);
    await assert.rejects(source.next(), isDecodeError, "and keeps failing");
    assert.equal(source.state, "failed");
    assert.equal(source.stats.restarts, 0);
    assert.match(source.stats.lastError ?? "", /cannot decode/);
    assert.deepEqual(transitions.map((t) => t.state), ["starting", "failed"]);
  } finally {
    await source.close();
  }
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});

Deno.test("a file source ends with null, every frame in order, without restarts", async () => {
  const source = new SupervisedSource({
    open: () => openUnsupervised(BORING, { ...SIZE, realtime: false }),
    live: false,
  });
  const frames: Frame[] = [];
  try {
    for (let f; (f = await source.next()) !== null;) frames.push(f);
    assert.equal(await source.next(), null, "stays ended");
  } finally {
    await source.close();
  }
  assert.equal(frames.length, 30, "3 s at 10 fps");
  assert.deepEqual(frames.map((f) => f.index), frames.map((_, i) => i));
  assert.deepEqual(frames.map((f) => f.pts), frames.map((_, i) => i / 10));
  assert.equal(source.stats.restarts, 0);
  assert.equal(source.stats.decoded, 30);
  assert.equal(source.stats.lastError, null);
  assert.equal(source.state, "stopped");
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});

Deno.test("an open() that throws is final: failed, and next() rejects with its error", async () => {
  const states: SupervisedState[] = [];
  const source = new SupervisedSource({
    open: () => openUnsupervised("ftp://example.com/x.mp4", SIZE),
    live: true,
    onState: (s) => states.push(s),
  });
  await assert.rejects(source.next(), SourceError);
  assert.equal(source.state, "failed");
  assert.deepEqual(states, ["starting", "failed"]);
  assert.equal(source.stats.restarts, 0);
  await source.close();
  assert.equal(source.state, "stopped");
});
