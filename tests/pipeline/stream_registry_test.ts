import assert from "node:assert/strict";
import { applyStreamOptions, loadConfig } from "../../src/config.ts";
import type { PublishedFrame } from "../../src/pipeline/stream_pipeline.ts";
import { StreamRegistry, StreamRequestError } from "../../src/pipeline/stream_registry.ts";

const settings = (extra: Record<string, unknown> = {}) =>
  // wasm, not auto: one CI run crashed at exit (glibc "double free") after every test passed,
  // and WebGPU adapters probed from this process's own engine Workers are the likeliest cause.
  applyStreamOptions(loadConfig([], () => undefined), {
    teacher: "none",
    grid: 8,
    backend: "wasm",
    ...extra,
  });

const until = async (ok: () => boolean) => {
  const deadline = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

Deno.test("registry: listeners keep a stream's frames across an update; concurrent changes are refused", async () => {
  const registry = new StreamRegistry({ maxStreams: 4, mediaRoot: "" });
  const frames: PublishedFrame[] = [];
  const removed: string[] = [];
  registry.subscribe((f) => frames.push(f));
  registry.onRemoved((id) => removed.push(id));
  try {
    registry.add("a", settings());
    await until(() => frames.length > 0);
    assert.equal(frames[0].stream, "a");
    assert.equal(frames[0].labels.length, 64);
    assert.equal(frames[0].featureColors.length, 64 * 3);
    // The working frame is the scene's own 224x224 (under --frame-size 640), whatever the grid.
    assert.equal(frames[0].image.rgb.length, 224 * 224 * 3, "the frame the engine saw");
    assert.deepEqual(frames[0].source, { width: 224, height: 224 });
    assert.deepEqual(registry.get("a")?.status().geometry, {
      source: { width: 224, height: 224 },
      frame: { width: 224, height: 224 },
      grid: { width: 8, height: 8 },
      lattice: { width: 8, height: 8 },
    });

    const first = registry.update("a", settings({ fps: 5 }));
    await assert.rejects(
      registry.update("a", settings()),
      (e) => e instanceof StreamRequestError && e.code === "busy",
    );
    await assert.rejects(
      registry.remove("a"),
      (e) => e instanceof StreamRequestError && e.code === "busy",
    );
    const updated = await first;
    assert.equal(updated.settings.fps, 5);
    assert.equal(registry.list().length, 1);
    const before = frames.length;
    await until(() => frames.length > before + 1);
    assert.ok(frames.slice(before).every((f) => f.stream === "a"));

    assert.throws(
      () => registry.add("a", settings()),
      (e) => e instanceof StreamRequestError && e.code === "conflict",
    );
    assert.throws(
      () => registry.add("b", settings({ source: "ftp://x" })),
      (e) => e instanceof StreamRequestError && e.code === "bad_request",
    );
    assert.equal(await registry.remove("a"), true);
    assert.equal(await registry.remove("a"), false);
    assert.deepEqual(removed, ["a"]);
    await assert.rejects(
      registry.update("a", settings()),
      (e) => e instanceof StreamRequestError && e.code === "not_found",
    );
  } finally {
    await registry.stopAll();
  }
});
