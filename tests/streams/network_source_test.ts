/**
 * Live network sources through the real ffmpeg: an HTTP stream served by a real local server,
 * and an RTSP camera that is not there (probed, not restarted).
 */
import assert from "node:assert/strict";
import type { SupervisedSource } from "../../streams/supervised_source.ts";
import { openSource, openUnsupervised } from "../../streams/open_source.ts";
import { ffmpegChildren } from "./_processes.ts";

const FIXTURE = new URL("../../fixtures/boring.mp4", import.meta.url);

Deno.test("an http:// source decodes frames of the asked size from a real HTTP server", async () => {
  const bytes = await Deno.readFile(FIXTURE);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(bytes, { headers: { "content-type": "video/mp4" } }),
  );
  const source = openSource(`http://127.0.0.1:${server.addr.port}/boring.mp4`, {
    width: 64,
    height: 48,
    fps: 10,
  });
  try {
    let frames = 0;
    for (let f; frames < 5 && (f = await source.next()) !== null; frames++) {
      assert.equal(f.width, 64);
      assert.equal(f.height, 48);
      assert.equal(f.data.length, 64 * 48 * 3);
    }
    assert.equal(frames, 5);
  } finally {
    await source.close();
    await server.shutdown();
  }
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});

Deno.test("an rtsp:// camera that is down is probed, not restarted, until it answers; its error is clear and redacted", async () => {
  const source = openSource("rtsp://admin:hunter2@127.0.0.1:1/stream", {
    width: 64,
    height: 48,
  });
  const supervised = source as SupervisedSource;
  const pending = source.next(); // keeps waiting while the supervisor probes
  try {
    const deadline = Date.now() + 5000;
    while (supervised.state !== "unreachable" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(supervised.state, "unreachable", "the probe found it down");
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(supervised.stats.restarts, 0, "no ffmpeg start while it does not answer");
    assert.deepEqual(ffmpegChildren(), [], "no ffmpeg while it waits");
    const error = supervised.stats.lastError ?? "";
    assert.match(error, /Connection refused/);
    assert.match(error, /check the address/);
    assert.ok(!error.includes("hunter2"), "the password is never shown");
  } finally {
    await source.close();
  }
  assert.equal(await pending, null, "closing ends the wait");
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});

Deno.test("a live source's --fps is a ceiling: a 10 fps stream capped at 4 gives ~4 frames a second", async () => {
  const bytes = await Deno.readFile(FIXTURE); // 3 s at 10 fps
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(bytes, { headers: { "content-type": "video/mp4" } }),
  );
  const source = openUnsupervised(`http://127.0.0.1:${server.addr.port}/boring.mp4`, {
    width: 32,
    height: 24,
    fps: 4,
  });
  let frames = 0;
  try {
    // Latest frame wins: count what ffmpeg produced, not what this loop happened to take.
    while ((await source.next()) !== null) frames++;
  } finally {
    await source.close();
    await server.shutdown();
  }
  const produced = source.stats.decoded;
  assert.ok(produced >= 10 && produced <= 14, `${produced} frames for 3 s capped at 4 fps`);
  assert.ok(frames >= 1);
});
