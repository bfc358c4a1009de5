/**
 * Adapted weights survive the server: killed hard (SIGKILL) mid-run, it resumes from the last
 * checkpoint; a damaged checkpoint or one of another model shape is set aside with a clear
 * reason and the stream starts afresh; a stopped server writes a last checkpoint.
 */
import assert from "node:assert/strict";
import { checkpointPath, loadCheckpoint } from "../../src/pipeline/checkpoint_store.ts";
import { type RunningServer, startServer } from "./_server.ts";

const FAST = ["--teacher", "none", "--grid", "16", "--checkpoint-every", "1"];

async function status(server: RunningServer) {
  return await (await fetch(`${server.url}/v1/streams/default`)).json();
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

Deno.test({
  name: "checkpoint: a server killed with SIGKILL resumes from its last checkpoint, intact",
  async fn() {
    const dir = await Deno.makeTempDir();
    const args = [...FAST, "--state-dir", dir];
    let server = await startServer(args);
    try {
      // Two checkpoints at least, so the kill lands between (or during) writes.
      const first = await until(
        "a checkpoint",
        () => loadCheckpoint(dir, "default").catch(() => null),
        (c) => c !== null && c.framesTrained > 5,
      );
      await until(
        "a later checkpoint",
        () => loadCheckpoint(dir, "default").catch(() => null),
        (c) => c !== null && c.framesTrained > first!.framesTrained,
      );
      server.process.kill("SIGKILL");
      await server.stop();
      const saved = await loadCheckpoint(dir, "default");
      assert.ok(saved, "the checkpoint on disk loads: nothing torn");
      assert.ok(saved.tensors.every((t) => t.data.every(Number.isFinite)));

      server = await startServer(args);
      const s = await until(
        "the restarted stream",
        () => status(server),
        (s) => s.state === "running",
      );
      assert.equal(s.checkpoint.restoredFrom, checkpointPath(dir, "default"));
      assert.equal(s.checkpoint.restoredFrames, saved.framesTrained);
      assert.equal(s.checkpoint.error, null);
      assert.ok(s.adaptation.framesTrained >= saved.framesTrained, "progress carries on");
      const names = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.deepEqual(names, ["default.ckpt"], "no temporary or rejected files");
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "checkpoint: a clean stop writes one; another model shape or a damaged file is set aside",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      let server = await startServer([...FAST, "--checkpoint-every", "3600", "--state-dir", dir]);
      await until("frames", () => status(server), (s) => s.adaptation.framesTrained > 3);
      await server.stop(); // SIGTERM: the stream stops and writes its checkpoint
      const saved = await loadCheckpoint(dir, "default");
      assert.ok(saved && saved.framesTrained > 3, "written on shutdown");
      assert.equal(saved.shape.grid, 16);

      server = await startServer(["--teacher", "none", "--grid", "8", "--state-dir", dir]);
      try {
        const s = await until("the stream", () => status(server), (s) => s.state === "running");
        assert.equal(s.checkpoint.restoredFrom, null, "a grid-16 checkpoint does not fit grid 8");
        assert.match(s.checkpoint.error, /does not fit/);
        assert.match(s.checkpoint.error, /grid/);
        assert.match(s.checkpoint.error, /kept as .*default\.ckpt\.rejected-/);
      } finally {
        await server.stop();
      }
      const names = [...Deno.readDirSync(dir)].map((e) => e.name);
      assert.ok(names.some((n) => n.startsWith("default.ckpt.rejected-")), "the old file is kept");

      await Deno.writeTextFile(`${dir}/default.ckpt`, "not a checkpoint at all");
      server = await startServer(["--teacher", "none", "--grid", "8", "--state-dir", dir]);
      try {
        const s = await until("the stream", () => status(server), (s) => s.state === "running");
        assert.match(s.checkpoint.error, /damaged/);
      } finally {
        await server.stop();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "checkpoint: deleting a stream deletes its checkpoint",
  async fn() {
    const dir = await Deno.makeTempDir();
    const server = await startServer([...FAST, "--state-dir", dir]);
    try {
      await until(
        "a checkpoint",
        () => loadCheckpoint(dir, "default").catch(() => null),
        (c) => c !== null,
      );
      const r = await fetch(`${server.url}/v1/streams/default`, { method: "DELETE" });
      assert.equal(r.status, 204);
      assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), []);
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
