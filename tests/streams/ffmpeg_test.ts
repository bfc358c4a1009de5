import assert from "node:assert/strict";
import { rawVideoArgs, spawnRawVideo } from "../../streams/ffmpeg.ts";
import { ffmpegChildren } from "./_processes.ts";

const clip = new URL("../../fixtures/boring.mp4", import.meta.url).pathname;

Deno.test("rawVideoArgs asks for paced, quiet, file-only rgb24 at the given size and rate", () => {
  const { inputOptions, outputOptions } = rawVideoArgs({
    input: `file:${clip}`,
    width: 64,
    height: 48,
    fps: 5,
  });
  assert.deepEqual(inputOptions, [
    "-nostdin",
    "-hide_banner",
    "-loglevel",
    "error",
    "-protocol_whitelist",
    "file",
    "-re",
  ]);
  assert.deepEqual(outputOptions, [
    ...["-map", "0:v:0", "-an", "-sn", "-dn"],
    ...["-vf", "fps=5,scale=64:48", "-pix_fmt", "rgb24", "-f", "rawvideo"],
  ]);
  assert.ok(
    !rawVideoArgs({ input: "x", width: 8, height: 8, fps: 1, realtime: false })
      .inputOptions.includes("-re"),
  );
  assert.throws(() => rawVideoArgs({ input: "x", width: 0, height: 8, fps: 1 }), RangeError);
  assert.throws(() => rawVideoArgs({ input: "x", width: 8, height: 8, fps: 0 }), RangeError);
});

Deno.test("spawnRawVideo streams every byte of the decoded clip, then reports success", async () => {
  let bytes = 0;
  const proc = spawnRawVideo(
    { input: `file:${clip}`, width: 32, height: 24, fps: 10, realtime: false },
    (chunk) => (bytes += chunk.length),
  );
  const exit = await proc.exited;
  assert.deepEqual(exit, { ok: true, closed: false, reason: "" });
  assert.equal(bytes, 30 * 32 * 24 * 3);
  assert.deepEqual(await proc.close(), exit);
  assert.deepEqual(ffmpegChildren(), []);
});

Deno.test("spawnRawVideo close() kills and reaps ffmpeg, even before it has spawned", async () => {
  const early = spawnRawVideo({ input: `file:${clip}`, width: 32, height: 24, fps: 10 }, () => {});
  const exitEarly = await early.close();
  assert.equal(exitEarly.closed, true);
  assert.deepEqual(ffmpegChildren(), []);

  let resolveFirst!: () => void;
  const first = new Promise<void>((resolve) => (resolveFirst = resolve));
  const running = spawnRawVideo(
    { input: `file:${clip}`, width: 32, height: 24, fps: 10 },
    () => resolveFirst(),
  );
  await first; // paced in real time: 3 s of clip are still to come
  assert.equal(ffmpegChildren().length, 1);
  const exit = await running.close();
  assert.equal(exit.closed, true);
  assert.deepEqual(ffmpegChildren(), []);
});
