import assert from "node:assert/strict";
import {
  decodeVideo,
  generateSequence,
  listSemireal,
  readSemirealFrames,
  readTruthFrame,
  renderSemireal,
  SEMIREAL_ALL,
  SEMIREAL_SCORED,
  SEMIREAL_TUNING,
  type SemirealSpec,
  SemirealTruth,
} from "../../bench/quality/semireal.ts";

/** A small street with two walkers and a car: fast to render, every kind of object. */
const SMALL: SemirealSpec = {
  name: "test-street",
  role: "scored",
  scene: "street",
  width: 192,
  height: 144,
  seed: 5,
  pedestrians: 2,
  cars: 1,
  stops: 1,
  jitterPx: 0.5,
  noiseSigma: 3,
  drift: 0.03,
  saturation: 0.9,
  bitrateKbps: 150,
};
const FRAMES = 12;

Deno.test("the catalogue: six scored sequences in three geometries, one tuning scene", () => {
  assert.equal(SEMIREAL_SCORED.length, 6);
  assert.ok(SEMIREAL_SCORED.every((s) => s.role === "scored"));
  assert.equal(SEMIREAL_TUNING.role, "tuning");
  const sizes = new Set(SEMIREAL_SCORED.map((s) => `${s.width}x${s.height}`));
  assert.deepEqual([...sizes].sort(), ["384x288", "640x360", "640x480"]);
  // Peers are tuned on a background that no scored sequence shows.
  assert.ok(SEMIREAL_SCORED.every((s) => s.scene !== SEMIREAL_TUNING.scene));
  assert.equal(new Set(SEMIREAL_ALL.map((s) => s.name)).size, SEMIREAL_ALL.length);
  assert.equal(new Set(SEMIREAL_ALL.map((s) => s.seed)).size, SEMIREAL_ALL.length);
});

Deno.test("generateSequence: video, truth and meta agree, and a seed gives the same bytes", async () => {
  const out = await Deno.makeTempDir({ prefix: "semireal_test_" });
  try {
    const meta = await generateSequence(SMALL, `${out}/a`, { frames: FRAMES });
    const dir = `${out}/a/${SMALL.name}`;
    assert.equal(meta.frames, FRAMES);
    assert.equal(meta.steadyFrom, FRAMES / 2);
    assert.equal(meta.fps, 10);
    assert.deepEqual(meta.objects.map((o) => o.kind).sort(), ["car", "person", "person"]);
    assert.deepEqual(meta.objects.map((o) => o.id), [1, 2, 3]);
    assert.match(meta.rawSha256, /^[0-9a-f]{64}$/);
    assert.ok(meta.background.sources.some((s) => s.endsWith(".png")));

    // The video decodes to exactly the frames the truth has, at the same size.
    let decoded = 0;
    for await (const rgb of decodeVideo(`${dir}/video.mp4`, SMALL.width, SMALL.height)) {
      assert.equal(rgb.length, SMALL.width * SMALL.height * 3);
      decoded++;
    }
    assert.equal(decoded, FRAMES);

    // Truth labels are the objects of the meta; each visible frame range matches the truth.
    const seen = new Map<number, number[]>();
    let count = 0;
    for await (const f of readSemirealFrames(dir)) {
      assert.equal(f.index, count++);
      assert.equal(f.truth.length, SMALL.width * SMALL.height);
      for (const id of new Set(f.truth)) {
        if (id !== 0) seen.set(id, [...(seen.get(id) ?? []), f.index]);
      }
    }
    assert.equal(count, FRAMES);
    for (const o of meta.objects) {
      const frames = seen.get(o.id) ?? [];
      assert.equal(frames.length, o.framesVisible, `object ${o.id}`);
      if (frames.length) assert.deepEqual([o.firstFrame, o.lastFrame], [frames[0], frames.at(-1)]);
    }
    assert.ok([...seen.keys()].every((id) => meta.objects.some((o) => o.id === id)));
    assert.ok(seen.size >= 1, "some object is in view");

    using truth = await SemirealTruth.open(dir);
    assert.deepEqual(await truth.frame(3), await readTruthFrame(dir, 3));
    await assert.rejects(() => truth.frame(FRAMES), RangeError);

    // Same spec, another directory: the same raw frames and the same truth.
    const again = await generateSequence(SMALL, `${out}/b`, { frames: FRAMES });
    assert.equal(again.rawSha256, meta.rawSha256);
    assert.deepEqual(
      await Deno.readFile(`${out}/b/${SMALL.name}/truth.u8`),
      await Deno.readFile(`${dir}/truth.u8`),
    );
    // Another seed: other frames.
    const other = await generateSequence({ ...SMALL, seed: 6 }, `${out}/c`, { frames: 2 });
    assert.notEqual(other.rawSha256, meta.rawSha256);

    const listed = await listSemireal(`${out}/a`);
    assert.deepEqual(listed.map((s) => s.meta.name), [SMALL.name]);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

/** Every raw frame of `spec` with the camera switched off, and its truth. */
async function renderExact(spec: SemirealSpec, dir: string, frames: number) {
  const exact = {
    ...spec,
    jitterPx: 0,
    noiseSigma: 0,
    drift: 0,
    blurSigma: 0,
    shadows: false,
    saturation: 1,
  };
  const truthPath = `${dir}/${spec.name}.u8`;
  const rgb: Uint8Array[] = [];
  for await (const f of renderSemireal(exact, { frames, truthPath, scenePath: `${dir}/s.json` })) {
    rgb.push(f);
  }
  const truth = await Deno.readFile(truthPath);
  return { rgb, truth };
}

Deno.test("the truth is exactly the pixels where objects were painted", async () => {
  const dir = await Deno.makeTempDir({ prefix: "semireal_exact_" });
  try {
    const frames = 8, n = SMALL.width * SMALL.height;
    // The same seed draws the same scene; without objects it is the bare background.
    const scene = await renderExact(SMALL, dir, frames);
    const bare = await renderExact(
      { ...SMALL, name: "bare", pedestrians: 0, cars: 0 },
      dir,
      frames,
    );
    assert.ok(bare.truth.every((t) => t === 0));
    let objectPixels = 0, changed = 0;
    for (let f = 0; f < frames; f++) {
      const a = scene.rgb[f], b = bare.rgb[f];
      for (let i = 0; i < n; i++) {
        const same = a[3 * i] === b[3 * i] && a[3 * i + 1] === b[3 * i + 1] &&
          a[3 * i + 2] === b[3 * i + 2];
        if (scene.truth[f * n + i] === 0) {
          assert.ok(same, `frame ${f} pixel ${i}: background changed, truth says 0`);
        } else {
          objectPixels++;
          if (!same) changed++;
        }
      }
    }
    assert.ok(objectPixels > 200, `${objectPixels} object pixels`);
    // Painted pixels differ from the ground they cover (a few may match it by chance).
    assert.ok(changed > 0.97 * objectPixels, `${changed} of ${objectPixels} changed`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderSemireal: a bad spec is a clear error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "semireal_bad_" });
  try {
    const bad = { ...SMALL, scene: "moon" as SemirealSpec["scene"] };
    await assert.rejects(async () => {
      for await (const _ of renderSemireal(bad, { truthPath: `${dir}/t`, scenePath: `${dir}/s` })) {
        // nothing comes
      }
    }, /unknown scene 'moon'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
