/**
 * A stream's engine never outlives it: deleting or replacing a stream whose engine is deep in a
 * long frame gives the CPU back within seconds. Checked in the server process's CPU time, not
 * in our bookkeeping.
 */
import assert from "node:assert/strict";
import { type RunningServer, startServer } from "./_server.ts";

/** The server process's CPU time so far (user + system, all threads), in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (+fields[11] + +fields[12]) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** Share of one core the server used over the next `ms`. */
async function cpuShare(server: RunningServer, ms: number): Promise<number> {
  const t0 = await cpuSeconds(server.process.pid);
  await new Promise((r) => setTimeout(r, ms));
  return (await cpuSeconds(server.process.pid) - t0) / (ms / 1000);
}

/** Options that keep one frame training for about half a minute, each step under a second. */
const HEAVY = {
  "steps-per-frame": 100,
  hidden: 1024,
  "locations-per-step": 512,
  teacher: "none",
  grid: 16,
};

async function busyStream(server: RunningServer, id: string) {
  // Only the busy stream runs: the default one would blur the CPU measurements.
  const gone = await fetch(`${server.url}/v1/streams/default`, { method: "DELETE" });
  assert.equal(gone.status, 204);
  const r = await fetch(`${server.url}/v1/streams`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ id, source: "synthetic:", options: HEAVY }),
  });
  assert.equal(r.status, 201, await r.text());
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await (await fetch(`${server.url}/v1/streams/${id}`)).json();
    if (s.state === "running") break;
    if (Date.now() > deadline) throw new Error(`stream ${id} never ran: ${JSON.stringify(s)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  // Its first frame is in training now: the engine keeps a core busy.
  const busy = await cpuShare(server, 2000);
  assert.ok(busy > 0.6, `the busy engine uses a core (${busy.toFixed(2)})`);
}

/** Waits up to `ms` for the server's CPU use to fall under a fifth of a core over a second. */
async function settles(server: RunningServer, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const share = await cpuShare(server, 1000);
    if (share < 0.2 || Date.now() > deadline) return share;
  }
}

Deno.test({
  name: "deleting a stream mid-frame stops its engine: the CPU is idle within seconds",
  async fn() {
    const server = await startServer(["--teacher", "none", "--grid", "16"]);
    try {
      await busyStream(server, "leak");
      const r = await fetch(`${server.url}/v1/streams/leak`, { method: "DELETE" });
      assert.equal(r.status, 204);
      const share = await settles(server, 5000);
      assert.ok(share < 0.2, `CPU after the delete: ${share.toFixed(2)} of a core`);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "replacing a stream mid-frame stops its old engine: only the new one works",
  async fn() {
    const server = await startServer(["--teacher", "none", "--grid", "16"]);
    try {
      await busyStream(server, "swap");
      // The new settings are light (no training, one frame a second).
      const r = await fetch(`${server.url}/v1/streams/swap`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ options: { "steps-per-frame": 0, fps: 1 } }),
      });
      assert.equal(r.status, 200, await r.text());
      const share = await settles(server, 5000);
      assert.ok(share < 0.3, `CPU after the replacement: ${share.toFixed(2)} of a core`);
    } finally {
      await server.stop();
    }
  },
});
