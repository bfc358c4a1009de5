/**
 * End to end: the real server on `synthetic:`, a real WebSocket client, island maps checked
 * against the contract and against the generator's ground truth.
 */
import assert from "node:assert/strict";
import { adjustedRandIndex, downsampleLabelsMode } from "../../src/islands/adjusted_rand_index.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import { assertContract, type IslandMessageJson as Msg } from "./_contract.ts";
import { startServer } from "./_server.ts";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

/** Collects `count` messages from a WebSocket, or fails after `timeoutMs`. */
function collect(url: string, count: number, timeoutMs: number): Promise<Msg[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const got: Msg[] = [];
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`only ${got.length} of ${count} messages in ${timeoutMs} ms`));
    }, timeoutMs);
    ws.onmessage = (e) => {
      got.push(JSON.parse(e.data));
      if (got.length === count) {
        clearTimeout(timer);
        ws.close();
      }
    };
    ws.onclose = () => {
      clearTimeout(timer);
      if (got.length === count) resolve(got);
      else reject(new Error(`socket closed after ${got.length} of ${count} messages`));
    };
    ws.onerror = () => {}; // onclose follows and reports
  });
}

Deno.test({
  name: "server on synthetic: pushes island maps that obey the contract and match ground truth",
  async fn() {
    const server = await startServer(["--source", "synthetic:?seed=1"]);
    try {
      const health = await fetch(`${server.url}/healthz`);
      assert.deepEqual(await health.json(), { status: "ok" });

      // 40 maps: about 4 s of adaptation at ~10 processed frames per second after the
      // teacher's first key frame; the ARI below is measured on the last 10 of them.
      const msgs = await collect(`${server.wsUrl}/v1/streams/default/islands`, 40, 120_000);
      msgs.forEach((m) => assertContract(m));
      for (let i = 1; i < msgs.length; i++) assert.ok(msgs[i].frame > msgs[i - 1].frame);

      const aris = msgs.slice(-10).map((m) => {
        const { truth } = renderSyntheticFrame({ width: 224, height: 224, seed: 1 }, m.frame);
        const gt = downsampleLabelsMode(truth, 224, 224, m.width, m.height);
        return adjustedRandIndex(gt, m.labels);
      });
      const meanAri = aris.reduce((a, b) => a + b, 0) / aris.length;
      console.log(`mean ARI of the last 10 maps vs ground truth: ${meanAri.toFixed(3)}`);
      assert.ok(meanAri > ARI_THRESHOLD, `mean ARI ${meanAri} <= ${ARI_THRESHOLD}`);

      const list = await (await fetch(`${server.url}/v1/streams`)).json();
      assert.equal(list.streams.length, 1);
      const s = list.streams[0];
      assert.equal(s.id, "default");
      assert.equal(s.source, "synthetic:?seed=1");
      assert.equal(s.state, "running");
      assert.ok(s.fpsOut > 0 && s.fpsIn > 0, "fps in and out are measured");
      assert.ok(s.framesDropped >= 0 && s.framesDecoded >= s.framesProcessed);
    } finally {
      await server.stop();
    }
  },
});

/**
 * Why 0.3: a constant map or random labels score 0 and the untrained APM's islands score about
 * 0; islands cut straight from the teacher's own feature field, the best this APM can learn to
 * reproduce, score 0.62 on these frames (bench of issue #2, seeds 1-3). The APM's islands after
 * 30-40 processed frames measured 0.46 (mean of seeds 1-3, 0.36 the worst) and 0.56 here for
 * seed 1. 0.3 demands clearly object-shaped islands, about half the teacher's score, with room
 * for which source frames a loaded machine happens to drop.
 */
const ARI_THRESHOLD = 0.3;

Deno.test({
  name: "unknown stream id gives 404 over HTTP and refuses the WebSocket",
  async fn() {
    const server = await startServer(["--teacher", "none", "--source", "synthetic:"]);
    try {
      const r = await fetch(`${server.url}/v1/streams/nope`);
      assert.equal(r.status, 404);
      const body = await r.json();
      assert.equal(body.error, "stream_not_found");
      const ws = new WebSocket(`${server.wsUrl}/v1/streams/nope/islands`);
      const outcome = await new Promise<string>((resolve) => {
        ws.onopen = () => resolve("open");
        ws.onerror = () => resolve("error");
      });
      assert.equal(outcome, "error");
      const plain = await fetch(`${server.url}/v1/streams/default/islands`);
      assert.equal(plain.status, 426, "a plain GET on the WebSocket route says to upgrade");
      await plain.body?.cancel();
    } finally {
      await server.stop();
    }
  },
});

/** Polls the single stream's status until `done` says so, or 30 s pass. */
async function waitForStream(url: string, done: (s: Record<string, unknown>) => boolean) {
  const deadline = Date.now() + 30_000;
  let s;
  do {
    await new Promise((r) => setTimeout(r, 200));
    s = (await (await fetch(`${url}/v1/streams`)).json()).streams[0];
  } while (!done(s) && Date.now() < deadline);
  return s;
}

Deno.test({
  name:
    "a configured file outside --media-root stops the server at boot with an error naming the root",
  async fn() {
    const root = await Deno.makeTempDir();
    const clip = new URL("../../fixtures/boring.mp4", import.meta.url).pathname;
    try {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "--port", "0", "--media-root", root, "--source", clip],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 2);
      const err = new TextDecoder().decode(out.stderr);
      assert.match(err, /outside the media root/);
      assert.ok(err.includes(await Deno.realPath(root)), err);
    } finally {
      await Deno.remove(root);
    }
  },
});

Deno.test({
  name: "--realtime false processes every frame of a file and drops none",
  async fn() {
    const clip = new URL("../../fixtures/boring.mp4", import.meta.url).pathname;
    const server = await startServer([
      "--teacher",
      "none",
      "--grid",
      "16",
      "--patch",
      "7",
      "--realtime",
      "false",
      "--source",
      clip,
    ]);
    try {
      const s = await waitForStream(server.url, (s) => s.state === "ended");
      assert.equal(s.state, "ended");
      assert.equal(s.framesDecoded, 30, "3 s at 10 fps");
      assert.equal(s.framesProcessed, 30);
      assert.equal(s.framesDropped, 0);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a source ffmpeg cannot open fails its stream with a clear error; the server stays up",
  async fn() {
    const bad = new URL("../../fixtures/not_a_video.mp4", import.meta.url).pathname;
    const server = await startServer(["--teacher", "none", "--source", bad]);
    try {
      let s;
      const deadline = Date.now() + 30_000;
      do {
        await new Promise((r) => setTimeout(r, 200));
        s = (await (await fetch(`${server.url}/v1/streams`)).json()).streams[0];
      } while (s.state !== "failed" && Date.now() < deadline);
      assert.equal(s.state, "failed");
      assert.match(s.error, /not_a_video\.mp4|Invalid data|could not|cannot/i);
      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      await health.body?.cancel();
    } finally {
      await server.stop();
    }
  },
});
