import assert from "node:assert/strict";
import {
  CheckpointError,
  checkpointPath,
  loadCheckpoint,
  removeCheckpoint,
  saveCheckpoint,
  setAsideCheckpoint,
} from "../../src/pipeline/checkpoint_store.ts";

const state = () => ({
  shape: { grid: 16, hidden: 32 },
  framesTrained: 42,
  tensors: [
    { name: "w1", shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    { name: "b1", shape: [3], data: Float32Array.from([0.5, -1, 1e-7]) },
  ],
});

Deno.test("checkpoint: a round trip gives back every tensor, the shape and the progress", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await loadCheckpoint(dir, "cam"), null, "none yet");
    await saveCheckpoint(dir, "cam", state());
    const back = await loadCheckpoint(dir, "cam");
    assert.ok(back);
    assert.deepEqual(back.shape, { grid: 16, hidden: 32 });
    assert.equal(back.framesTrained, 42);
    assert.deepEqual(back.tensors.map((t) => [t.name, t.shape, [...t.data]]), [
      ["w1", [2, 3], [1, 2, 3, 4, 5, 6]],
      ["b1", [3], [0.5, -1, Math.fround(1e-7)]],
    ]);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["cam.ckpt"], "no temporary file is left behind");
    assert.equal((await Deno.stat(checkpointPath(dir, "cam"))).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkpoint: a damaged file is refused with a clear reason, and can be set aside", async () => {
  const dir = await Deno.makeTempDir();
  const path = checkpointPath(dir, "cam");
  try {
    await saveCheckpoint(dir, "cam", state());
    const good = await Deno.readFile(path);
    const cases: Array<[Uint8Array, RegExp]> = [
      [good.slice(0, good.length - 5), /expected/],
      [good.map((b, i) => i === good.length - 3 ? b ^ 0xff : b), /checksum/],
      [new TextEncoder().encode("hello, world"), /not a checkpoint/],
      [good.slice(0, 20), /truncated|unreadable/],
    ];
    for (const [bytes, why] of cases) {
      await Deno.writeFile(path, bytes);
      await assert.rejects(
        loadCheckpoint(dir, "cam"),
        (e) => e instanceof CheckpointError && why.test(e.message) && e.message.includes(path),
      );
    }
    const aside = await setAsideCheckpoint(dir, "cam");
    assert.match(aside, /cam\.ckpt\.rejected-/);
    assert.equal(await loadCheckpoint(dir, "cam"), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkpoint: removal takes the file and stale temporaries, and nothing of other streams", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await saveCheckpoint(dir, "a", state());
    await saveCheckpoint(dir, "b", state());
    await Deno.writeTextFile(`${dir}/a.ckpt.tmp-123-abcd`, "torn");
    await removeCheckpoint(dir, "a", true);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["a.ckpt", "b.ckpt"]);
    await removeCheckpoint(dir, "a");
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["b.ckpt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
