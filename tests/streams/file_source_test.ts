import assert from "node:assert/strict";
import { BORING_FIXTURE } from "../../fixtures/make_fixtures.ts";
import { type Frame, SourceError } from "../../streams/frame.ts";
import { FileSource } from "../../streams/file_source.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import { ffmpegChildren, pgrep } from "./_processes.ts";

const clip = new URL("../../fixtures/boring.mp4", import.meta.url).pathname;
const notAVideo = new URL("../../fixtures/not_a_video.mp4", import.meta.url).pathname;
const { width, height, fps, seconds } = BORING_FIXTURE;

async function readAll(source: FileSource): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let frame; (frame = await source.next()) !== null;) frames.push(frame);
  return frames;
}

Deno.test("FileSource with realtime:false decodes every frame of the fixture", async () => {
  const source = new FileSource({ path: clip, width, height, fps, realtime: false });
  try {
    const frames = await readAll(source);
    assert.equal(frames.length, fps * seconds);
    frames.forEach((frame, i) => {
      assert.equal(frame.index, i);
      assert.equal(frame.pts, i / fps);
      assert.equal(frame.width, width);
      assert.equal(frame.height, height);
      assert.equal(frame.data.length, width * height * 3);
      assert.equal(frame.truth, undefined);
    });
    assert.deepEqual(source.stats, { decoded: fps * seconds, dropped: 0 });
    assert.equal(await source.next(), null);
  } finally {
    await source.close();
  }
});

Deno.test("FileSource frames match the synthetic scene the fixture was made from", async () => {
  const source = new FileSource({ path: clip, width, height, fps, realtime: false });
  try {
    const frames = await readAll(source);
    for (const index of [0, 15, 29]) {
      const expected = renderSyntheticFrame(BORING_FIXTURE, index).data;
      let error = 0;
      let swapped = 0; // the same frame read as BGR: catches a channel order mix-up
      for (let p = 0; p < expected.length; p += 3) {
        for (let c = 0; c < 3; c++) {
          error += Math.abs(frames[index].data[p + c] - expected[p + c]);
          swapped += Math.abs(frames[index].data[p + 2 - c] - expected[p + c]);
        }
      }
      error /= expected.length;
      swapped /= expected.length;
      assert.ok(error < 8, `frame ${index}: mean abs error ${error.toFixed(1)}`);
      assert.ok(swapped > 2 * error, `frame ${index}: BGR ${swapped} vs RGB ${error}`);
    }
  } finally {
    await source.close();
  }
});

Deno.test("FileSource scales to the asked size and resamples to the asked rate", async () => {
  const source = new FileSource({ path: clip, width: 48, height: 48, fps: 5, realtime: false });
  try {
    const frames = await readAll(source);
    assert.ok(Math.abs(frames.length - 5 * seconds) <= 1, `${frames.length} frames`);
    assert.ok(frames.every((f) => f.data.length === 48 * 48 * 3 && f.width === 48));
    assert.equal(frames[3].pts, 3 / 5);
  } finally {
    await source.close();
  }
});

Deno.test("FileSource plays in real time by default and close() kills and reaps ffmpeg", async () => {
  const source = new FileSource({ path: clip, width, height, fps });
  const first = await source.next();
  assert.equal(first?.index, 0);
  const start = performance.now();
  let frame: Frame | null = first;
  while (frame && frame.index < 5) frame = await source.next();
  // Frames 1..5 of a 10 fps clip cannot arrive before 0.4 s when paced in real time.
  assert.ok(performance.now() - start > 350, `${performance.now() - start} ms`);
  assert.equal(ffmpegChildren().length, 1);
  const waiting = source.next();
  await source.close();
  assert.equal(await waiting, null);
  assert.equal(await source.next(), null);
  assert.deepEqual(ffmpegChildren(), []);
  assert.deepEqual(await pgrep(clip), []);
  await source.close(); // idempotent
});

Deno.test("FileSource drops frames a slow consumer misses and counts them", async () => {
  const source = new FileSource({ path: clip, width, height, fps, realtime: true });
  try {
    await source.next();
    await new Promise((resolve) => setTimeout(resolve, 450));
    const frame = await source.next();
    assert.ok(frame && frame.index >= 3, `got frame ${frame?.index}`);
    assert.equal(source.stats.dropped, frame.index - 1);
  } finally {
    await source.close();
  }
});

Deno.test("FileSource on a file ffmpeg cannot decode rejects with its reason, leaves no ffmpeg", async () => {
  const source = new FileSource({ path: notAVideo, width, height, fps, realtime: false });
  try {
    await assert.rejects(source.next(), (error: unknown) => {
      assert.ok(error instanceof SourceError);
      assert.match(error.message, /not_a_video\.mp4/);
      assert.match(error.message, /Invalid data found when processing input/);
      return true;
    });
    assert.deepEqual(ffmpegChildren(), []);
    assert.deepEqual(await pgrep(notAVideo), []);
  } finally {
    await source.close();
  }
});

Deno.test("FileSource takes file names with ':', '%' and spaces literally", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/concat:clip %d 1.mp4`;
  await Deno.copyFile(clip, path);
  const source = new FileSource({ path, width: 16, height: 16, fps, realtime: false });
  try {
    assert.equal((await readAll(source)).length, fps * seconds);
  } finally {
    await source.close();
    await Deno.remove(dir, { recursive: true });
  }
});
