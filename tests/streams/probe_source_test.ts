/**
 * Probing a source's size before decoding it, through the real ffprobe: files of several shapes
 * (made at test time), a file that is no video, a source that hangs, and a live source that is
 * down and comes up later.
 */
import assert from "node:assert/strict";
import { BORING_FIXTURE, writeSyntheticClip } from "../../fixtures/make_fixtures.ts";
import { SourceError } from "../../streams/frame.ts";
import { workingFrameSize } from "../../streams/frame_geometry.ts";
import { type ProbeProgress, probeSourceSize } from "../../streams/probe_source.ts";
import { ffmpegChildren } from "./_processes.ts";

const notAVideo = new URL("../../fixtures/not_a_video.mp4", import.meta.url).pathname;

/** A 1 s clip of the synthetic scene at `width x height` in a temporary directory. */
async function clip(dir: string, width: number, height: number, sar?: [number, number]) {
  const path = `${dir}/clip-${width}x${height}${sar ? `-sar${sar.join("_")}` : ""}.mp4`;
  await writeSyntheticClip(path, {
    ...BORING_FIXTURE,
    width,
    height,
    seconds: 1,
    sampleAspect: sar,
  });
  return path;
}

Deno.test("probe of a 16:9 file: its own size; the working frame 640x360, never upscaled", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const wide = await probeSourceSize(await clip(dir, 1280, 720));
    assert.deepEqual(wide, { width: 1280, height: 720 });
    assert.deepEqual(workingFrameSize(wide, 640), { width: 640, height: 360 });
    assert.deepEqual(workingFrameSize(wide, 0), { width: 1280, height: 720 }, "0: its own size");
    assert.throws(() => workingFrameSize(wide, 32), /frame-size must be 0 .* from 64 to 4096/);
    const small = await probeSourceSize(await clip(dir, 320, 180));
    assert.deepEqual(workingFrameSize(small, 640), { width: 320, height: 180 }, "not upscaled");
    assert.deepEqual(await probeSourceSize("synthetic:?size=640x360"), { width: 640, height: 360 });
    assert.deepEqual(await probeSourceSize("synthetic:"), { width: 224, height: 224 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.deepEqual(ffmpegChildren("ffprobe"), [], "every ffprobe reaped");
});

Deno.test("probe of an anamorphic and of a rotated file: the picture decoding delivers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // PAL 4:3: 720x576 stored, pixels 16:15 wide, shown 768x576.
    const pal = await clip(dir, 720, 576, [16, 15]);
    assert.deepEqual(await probeSourceSize(pal), { width: 768, height: 576 });
    // A phone clip: stored 320x180 with a quarter-turn display matrix; ffmpeg decodes it upright.
    const flat = await clip(dir, 320, 180);
    const rotated = `${dir}/rotated.mp4`;
    const mux = await new Deno.Command("ffmpeg", {
      args: [
        ...["-v", "error", "-nostdin", "-i", flat, "-c", "copy"],
        ...["-metadata:s:v:0", "rotate=90", "-y", rotated],
      ],
    }).output();
    assert.equal(mux.code, 0, new TextDecoder().decode(mux.stderr));
    assert.deepEqual(await probeSourceSize(rotated), { width: 180, height: 320 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("probe of a file that is no video fails with ffprobe's reason", async () => {
  await assert.rejects(
    () => probeSourceSize(notAVideo),
    (err: Error) => {
      assert.ok(err instanceof SourceError);
      assert.match(err.message, /ffprobe cannot read .*not_a_video\.mp4: .*Invalid data/);
      assert.match(err.message, /check that .* is a video file/);
      return true;
    },
  );
});

Deno.test("a source that never answers is killed at the probe's timeout, not waited on", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    await held; // accepts, then says nothing
    return new Response("");
  });
  try {
    // The message is the probe's own timeout's: ffmpeg's 5 s socket timeout did not get there.
    await assert.rejects(
      () =>
        probeSourceSize(`http://127.0.0.1:${server.addr.port}/live.mjpg`, {
          timeoutMs: 700,
          retryLive: false,
        }),
      /found no video in http:\/\/127\.0\.0\.1:\d+\/live\.mjpg within 700 ms \(killed\)/,
    );
    assert.deepEqual(ffmpegChildren("ffprobe"), [], "the killed ffprobe was reaped");
  } finally {
    release();
    await server.shutdown();
  }
});

Deno.test("a live source that is down is probed again with backoff until it comes up", async () => {
  // A port nothing listens on yet.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const bytes = await Deno.readFile(new URL("../../fixtures/boring.mp4", import.meta.url));
  const seen: ProbeProgress[] = [];
  const pending = probeSourceSize(`http://admin:s3cret@127.0.0.1:${port}/cam.mp4`, {
    backoff: { initialMs: 100, maxMs: 200 },
    onProgress: (p) => seen.push(p),
  });
  const deadline = Date.now() + 10_000;
  while (!seen.some((p) => p.failures >= 2) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const failed = seen.find((p) => p.state === "backing-off");
  assert.ok(failed, "it backs off after a failure");
  assert.match(String(failed.lastError), /Connection refused/);
  assert.ok(!seen.some((p) => String(p.lastError).includes("s3cret")), "credentials redacted");
  // The camera comes up: the next probe answers with its size.
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen() {} },
    () => new Response(bytes, { headers: { "content-type": "video/mp4" } }),
  );
  try {
    assert.deepEqual(await pending, { width: 160, height: 120 });
  } finally {
    await server.shutdown();
  }
});

Deno.test("waiting for a live source stops at once when aborted, leaving no ffprobe", async () => {
  const ac = new AbortController();
  const seen: ProbeProgress[] = [];
  const pending = probeSourceSize("rtsp://127.0.0.1:1/cam", {
    // A backoff of 30-60 s: settling at all shows the abort cut it short.
    backoff: { initialMs: 60_000, maxMs: 60_000 },
    signal: ac.signal,
    onProgress: (p) => seen.push(p),
  });
  while (!seen.some((p) => p.state === "backing-off")) {
    await new Promise((r) => setTimeout(r, 20));
  }
  ac.abort(new Error("stream stopped"));
  let guard: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    pending.then(() => "resolved", (e: Error) => e.message),
    new Promise((r) => guard = setTimeout(() => r("still waiting"), 20_000)),
  ]);
  clearTimeout(guard);
  assert.equal(outcome, "stream stopped");
  assert.deepEqual(ffmpegChildren("ffprobe"), []);
});
