/**
 * A 16:9 file through the real server, end to end: the source probed, worked on at
 * `--frame-size` with its aspect, the grid shaped like it, and subscribers given labels at the
 * lattice, the working frame and the source's own size, each with summaries in its own units.
 */
import assert from "node:assert/strict";
import { type IslandMap, IslandsClient } from "../../src/client/islands_client.js";
import { BORING_FIXTURE, writeSyntheticClip } from "../../fixtures/make_fixtures.ts";
import { assertContract } from "./_contract.ts";
import { startServer } from "./_server.ts";

/** The contract's checks on a decoded map (its summaries against its own labels). */
function assertWhole(m: IslandMap) {
  assertContract({
    type: "islands",
    stream: "default",
    frame: m.frame,
    pts: m.pts,
    width: m.width,
    height: m.height,
    labels: Array.from(m.labels),
    islands: m.islands ?? [],
    loss: m.loss,
    keyFrame: m.keyFrame,
  });
}

Deno.test({
  name:
    "a 1280x720 file: status shows source, frame and grid sizes; maps at grid, frame (640x360) and source (1280x720)",
  async fn() {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/wide.mp4`;
    await writeSyntheticClip(path, { ...BORING_FIXTURE, width: 1280, height: 720, seconds: 2 });
    const server = await startServer([
      ...["--teacher", "none", "--grid", "16"],
      ...["--source", `file://${path}?loop=1`],
    ]);
    const client = await IslandsClient.connect(`${server.url}/v1/ws`);
    try {
      const maps: Record<string, IslandMap[]> = { grid: [], frame: [], source: [] };
      await client.subscribe("default", {}, (m) => maps.grid.push(m));
      const second = await IslandsClient.connect(`${server.url}/v1/ws`);
      const third = await IslandsClient.connect(`${server.url}/v1/ws`);
      try {
        const sub = await second.subscribe(
          "default",
          { resolution: "frame", include: ["islands", "frame"] },
          (m) => maps.frame.push(m),
        );
        assert.equal(sub.options.resolution, "frame");
        await third.subscribe(
          "default",
          { resolution: "source", format: "binary", rle: true },
          (m) => maps.source.push(m),
        );
        const deadline = Date.now() + 60_000;
        while (Object.values(maps).some((l) => l.length < 2) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
        }
      } finally {
        second.close();
        third.close();
      }
      // grid 16 at 16:9: round(16 * 4/3) x round(16 * 3/4).
      for (
        const [name, size] of [
          ["grid", [21, 12]],
          ["frame", [640, 360]],
          ["source", [1280, 720]],
        ] as const
      ) {
        assert.ok(maps[name].length >= 2, `maps at ${name}: ${maps[name].length}`);
        for (const m of maps[name]) {
          assert.deepEqual([m.width, m.height], size, name);
          assertWhole(m);
        }
      }
      const jpeg = maps.frame[0].frameJpeg!;
      assert.deepEqual([jpeg.width, jpeg.height], [640, 360], "the JPEG at the working frame");

      const status = await (await fetch(`${server.url}/v1/streams/default`)).json();
      assert.deepEqual(status.geometry, {
        source: { width: 1280, height: 720 },
        frame: { width: 640, height: 360 },
        grid: { width: 21, height: 12 },
        lattice: { width: 21, height: 12 },
      });
      assert.deepEqual(status.engine.frame, { width: 640, height: 360 });
      assert.deepEqual(status.engine.grid, { width: 21, height: 12 });
      assert.equal(status.options["frame-size"], 640);
    } finally {
      client.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
