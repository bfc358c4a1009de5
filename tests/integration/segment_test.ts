/**
 * End to end: `src/segment.ts` as a subprocess on the fixture and on `synthetic:`; its NDJSON
 * checked against the first-light contract, its overlay video with the real ffprobe, and its
 * exit status and message on bad arguments and a bad input.
 */
import assert from "node:assert/strict";
import { assertContract, type IslandMessageJson as Msg } from "./_contract.ts";

const SEGMENT = new URL("../../src/segment.ts", import.meta.url).pathname;
const fixture = (name: string) => new URL(`../../fixtures/${name}`, import.meta.url).pathname;

/** Runs the command; returns its exit code and stderr. */
async function segment(args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SEGMENT, ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

async function readLines(path: string): Promise<Msg[]> {
  const text = await Deno.readTextFile(path);
  assert.ok(text.endsWith("\n"), "every line ends with a newline");
  return text.trimEnd().split("\n").map((line) => JSON.parse(line));
}

async function ffprobe(path: string) {
  const out = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-count_frames",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=codec_name,pix_fmt,width,height,r_frame_rate,nb_read_frames",
      "-of",
      "json",
      path,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout)).streams[0];
}

Deno.test({
  name: "segment writes one contract line per fixture frame, none dropped, and an overlay video",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { code, stderr } = await segment([
        fixture("boring.mp4"),
        "--out",
        `${dir}/out.ndjson`,
        "--overlay",
        `${dir}/overlay.mp4`,
        "--teacher",
        "none",
        "--grid",
        "16",
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /segment: 30 frames in [\d.]+ s \([\d.]+ fps/);
      // The fixture is 3 s (ffprobe: 30 frames at 10 fps) and files are read at 10 fps.
      const msgs = await readLines(`${dir}/out.ndjson`);
      assert.equal(msgs.length, 30);
      msgs.forEach((m, i) => {
        assert.equal(m.frame, i, "every frame, in order");
        assert.equal(m.width, 16);
        assertContract(m, 10);
      });
      const video = await ffprobe(`${dir}/overlay.mp4`);
      assert.equal(video.codec_name, "h264");
      assert.equal(video.pix_fmt, "yuv420p");
      assert.equal(video.nb_read_frames, "30");
      assert.equal(video.r_frame_rate, "10/1");
      // grid 16 x the default patch of 7 pixels.
      assert.deepEqual([video.width, video.height], [112, 112]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "segment on synthetic: with --frames, weather, a lattice and --resolution frame writes exactly that many lines at the frame's size",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/synthetic.ndjson`;
      const { code, stderr } = await segment([
        "synthetic:?seed=3",
        "--frames",
        "12",
        "--out",
        out,
        "--weather",
        "fog:3",
        "--teacher",
        "none",
        "--grid",
        "16",
        "--lattice",
        "24",
        "--resolution",
        "frame",
      ]);
      assert.equal(code, 0, stderr);
      const msgs = await readLines(out);
      assert.deepEqual(msgs.map((m) => m.frame), [...Array(12).keys()]);
      msgs.forEach((m) => {
        // grid 16 x patch 7: the engine saw 112x112 frames; labels and summaries at that size.
        assert.deepEqual([m.width, m.height], [112, 112]);
        assertContract(m, 10);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "segment refuses bad arguments with exit status 2 and a message naming the problem",
  async fn() {
    const dir = await Deno.makeTempDir();
    const clip = fixture("boring.mp4");
    const out = `${dir}/x.ndjson`;
    try {
      const cases: [string[], RegExp][] = [
        [[clip], /--out is required/],
        [[clip, "--out", out, "--no-such-flag", "1"], /no-such-flag/],
        [["synthetic:?seed=3", "--out", out], /--frames is required/],
        [[clip, "--out", "-x.ndjson"], /--out must be a file path/],
        [[clip, "--out", out, "--overlay", "rtmp://host/live.mp4"], /--overlay must be a plain/],
        [[clip, "--out", out, "--frames", "0"], /--frames must be a positive integer/],
        [[clip, "--out", out, "--grid", "abc"], /--grid/],
        [[clip, "--out", out, "--resolution", "4k"], /--resolution must be "grid" or "frame"/],
        [[clip, "--out", out, "--lattice", "8"], /lattice must be 0 \(the grid\) or an integer/],
        [["--out", out], /give the input first/],
      ];
      for (const [args, message] of cases) {
        const { code, stderr } = await segment(args);
        assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
        assert.match(stderr, message, args.join(" "));
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "segment on a file that is no video exits 1 with ffmpeg's reason",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { code, stderr } = await segment([
        fixture("not_a_video.mp4"),
        "--out",
        `${dir}/x.ndjson`,
        "--teacher",
        "none",
      ]);
      assert.equal(code, 1, stderr);
      assert.match(stderr, /error: ffmpeg cannot decode .*not_a_video\.mp4/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
