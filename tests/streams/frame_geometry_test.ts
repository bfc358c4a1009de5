/** The working frame's size from a source's: aspect kept, never upscaled, limits enforced. */
import assert from "node:assert/strict";
import { checkFrameSize, displaySize, workingFrameSize } from "../../streams/frame_geometry.ts";

Deno.test("the working frame keeps the source's aspect at --frame-size and never upscales", () => {
  const w = (width: number, height: number, frameSize = 640) =>
    workingFrameSize({ width, height }, frameSize);
  assert.deepEqual(w(1920, 1080), { width: 640, height: 360 });
  assert.deepEqual(w(1280, 720), { width: 640, height: 360 });
  assert.deepEqual(w(1080, 1920), { width: 360, height: 640 }, "portrait: the long side");
  assert.deepEqual(w(1440, 1080), { width: 640, height: 480 });
  assert.deepEqual(w(384, 288), { width: 384, height: 288 }, "smaller than 640: as is");
  assert.deepEqual(w(224, 224), { width: 224, height: 224 });
  assert.deepEqual(w(1000, 333), { width: 640, height: 213 }, "rounded");
  assert.deepEqual(w(1920, 1080, 0), { width: 1920, height: 1080 }, "0: the source's own size");
  assert.deepEqual(w(7680, 4320, 0), { width: 4096, height: 2304 }, "0 stays within 4096");
  assert.deepEqual(w(1920, 1080, 64), { width: 64, height: 36 });
  assert.deepEqual(w(5000, 2, 640), { width: 640, height: 1 }, "never below 1 pixel");
});

Deno.test("--frame-size is 0 or 64..4096; anything else is refused naming the limits", () => {
  for (const ok of [0, 64, 640, 4096]) checkFrameSize(ok);
  for (const bad of [1, 63, 4097, 640.5, -640, NaN]) {
    assert.throws(
      () => checkFrameSize(bad),
      /frame-size must be 0 \(the source's own size\) or an integer from 64 to 4096/,
      String(bad),
    );
    assert.throws(() => workingFrameSize({ width: 640, height: 360 }, bad), RangeError);
  }
  assert.throws(() => checkFrameSize(10, "--frame-size"), /^RangeError: --frame-size must be/);
  assert.throws(() => workingFrameSize({ width: 0, height: 360 }, 640), /positive integers/);
});

Deno.test("displaySize applies the sample aspect ratio and a quarter-turn rotation", () => {
  const d = (width: number, height: number, sar: [number, number], rotation = 0) =>
    displaySize({ width, height, sampleAspect: sar, rotation });
  assert.deepEqual(d(1920, 1080, [1, 1]), { width: 1920, height: 1080 });
  assert.deepEqual(d(720, 576, [16, 15]), { width: 768, height: 576 }, "PAL 4:3");
  assert.deepEqual(d(720, 480, [32, 27]), { width: 853, height: 480 }, "NTSC 16:9");
  assert.deepEqual(d(1440, 1080, [4, 3]), { width: 1920, height: 1080 }, "HDV");
  assert.deepEqual(d(1920, 1080, [1, 1], 90), { width: 1080, height: 1920 });
  assert.deepEqual(d(1920, 1080, [1, 1], -90), { width: 1080, height: 1920 });
  assert.deepEqual(d(1920, 1080, [1, 1], 180), { width: 1920, height: 1080 });
  assert.deepEqual(d(1920, 1080, [1, 1], 270), { width: 1080, height: 1920 });
});
