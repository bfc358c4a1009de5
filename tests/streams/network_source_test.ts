/**
 * Live network sources through the real ffmpeg: an HTTP stream served by a real local server,
 * and an RTSP camera that is not there.
 */
import assert from "node:assert/strict";
import { SourceError } from "../../streams/frame.ts";
import { openSource } from "../../streams/open_source.ts";
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

Deno.test("an rtsp:// camera that is down fails with a clear, redacted error", async () => {
  const source = openSource("rtsp://admin:hunter2@127.0.0.1:1/stream", {
    width: 64,
    height: 48,
  });
  try {
    await assert.rejects(source.next(), (err) => {
      assert.ok(err instanceof SourceError);
      assert.match(err.message, /Connection refused/);
      assert.match(err.message, /check the address/);
      assert.ok(!err.message.includes("hunter2"), "the password is never shown");
      return true;
    });
  } finally {
    await source.close();
  }
  assert.deepEqual(ffmpegChildren(), [], "no ffmpeg left behind");
});
