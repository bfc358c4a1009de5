/**
 * ffmpeg never outlives its stream: not when the server shuts down, not when it is killed.
 * Checked in the process table, not in our bookkeeping.
 */
import assert from "node:assert/strict";
import { startServer } from "./_server.ts";

/** Pids of ffmpeg processes reading `clip` (pgrep -f; the server's own arguments don't match). */
async function processesWith(clip: string): Promise<number[]> {
  const pattern = `ffmpeg .*-i file:${clip}`;
  const out = await new Deno.Command("pgrep", { args: ["-f", pattern], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).map(Number);
}

/** A copy of the fixture under a unique name, so its ffmpeg can be found by command line. */
async function uniqueClip(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "ffmpeg-lifetime-" });
  const path = `${dir}/clip-${crypto.randomUUID()}.mp4`;
  await Deno.copyFile(new URL("../../fixtures/boring.mp4", import.meta.url), path);
  return path;
}

async function waitFor(cond: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

for (const how of ["SIGTERM", "SIGKILL"] as const) {
  Deno.test(`no ffmpeg is left after the server gets ${how}`, async () => {
    const clip = await uniqueClip();
    const server = await startServer(["--teacher", "none", "--source", `file://${clip}?loop=1`]);
    try {
      await waitFor(async () => (await processesWith(clip)).length > 0, 20_000, "ffmpeg to start");
      server.process.kill(how);
      await server.process.status;
      // After SIGKILL the orphaned ffmpeg dies on its next write to the closed pipe.
      await waitFor(async () => (await processesWith(clip)).length === 0, 5_000, "ffmpeg to exit")
        .catch(() => {});
      assert.deepEqual(await processesWith(clip), [], "no ffmpeg outlives the server");
    } finally {
      await server.stop();
      await Deno.remove(clip.slice(0, clip.lastIndexOf("/")), { recursive: true });
    }
  });
}
