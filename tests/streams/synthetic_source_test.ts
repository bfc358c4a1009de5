import assert from "node:assert/strict";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import { SyntheticSource } from "../../streams/synthetic_source.ts";
import { openSource } from "../../streams/open_source.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("SyntheticSource delivers the scene's frames with truth and pts = index / fps", async () => {
  const options = { width: 64, height: 48, seed: 4, objects: 3, fps: 20 };
  const source = new SyntheticSource(options);
  try {
    for (let taken = 0; taken < 3; taken++) {
      const frame = (await source.next())!;
      const expected = renderSyntheticFrame(options, frame.index);
      assert.equal(frame.pts, frame.index / 20);
      assert.equal(frame.width, 64);
      assert.equal(frame.height, 48);
      assert.deepEqual(frame.data, expected.data);
      assert.deepEqual(frame.truth, expected.truth);
    }
    assert.equal(source.displayUri, "synthetic:");
  } finally {
    await source.close();
  }
});

Deno.test("SyntheticSource runs in real time and counts frames a slow consumer misses", async () => {
  const source = new SyntheticSource({ width: 32, height: 32, fps: 50 });
  try {
    assert.equal((await source.next())?.index, 0);
    await sleep(300);
    const frame = (await source.next())!;
    // About 15 frames are due in 300 ms; timers may run late, never early.
    assert.ok(frame.index >= 5 && frame.index <= 17, `frame ${frame.index}`);
    assert.equal(frame.index, source.stats.decoded - 1);
    assert.equal(source.stats.dropped, frame.index - 1);
  } finally {
    await source.close();
  }
});

Deno.test("SyntheticSource close() stops the timer and ends the stream", async () => {
  const source = new SyntheticSource({ width: 32, height: 32, fps: 10 });
  await source.next();
  const waiting = source.next();
  await source.close();
  assert.equal(await waiting, null);
  assert.equal(await source.next(), null);
  const decoded = source.stats.decoded;
  await sleep(150);
  assert.equal(source.stats.decoded, decoded);
});

Deno.test("SyntheticSource rejects invalid options at construction", () => {
  assert.throws(() => new SyntheticSource({ width: 1, height: 32 }), RangeError);
});

Deno.test("SyntheticSource with realtime false renders every frame on demand, none dropped", async () => {
  const options = { width: 32, height: 24, seed: 2, fps: 20 };
  const source = new SyntheticSource({ ...options, realtime: false });
  try {
    // No timer: waiting produces nothing, and the next frame is still the following one.
    await sleep(120);
    assert.equal(source.stats.decoded, 1, "only frame 0, rendered to check the options");
    for (let i = 0; i < 5; i++) {
      const frame = (await source.next())!;
      assert.equal(frame.index, i);
      assert.equal(frame.pts, i / 20);
      assert.deepEqual(frame.data, renderSyntheticFrame(options, i).data);
    }
    assert.deepEqual(source.stats, { decoded: 5, dropped: 0 });
  } finally {
    await source.close();
  }
  assert.equal(await source.next(), null, "null once closed");
  assert.throws(() => new SyntheticSource({ width: 1, height: 32, realtime: false }), RangeError);
});

Deno.test("openSource passes realtime false to synthetic:, pts still index / fps", async () => {
  const source = openSource("synthetic:?seed=3&fps=30", {
    width: 32,
    height: 32,
    fps: 5,
    realtime: false,
  });
  try {
    await sleep(100);
    for (let i = 0; i < 3; i++) assert.equal((await source.next())?.pts, i / 5);
    assert.equal(source.stats.dropped, 0);
  } finally {
    await source.close();
  }
});
