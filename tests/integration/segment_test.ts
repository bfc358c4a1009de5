/**
 * End to end: `src/segment.ts` as a subprocess on the fixture and on `synthetic:`; its NDJSON
 * checked against the first-light contract, its overlay video with the real ffprobe, and its
 * exit status and message on bad arguments and a bad input.
 */
import assert from "node:assert/strict";
import { assertContract, type IslandMessageJson as Msg } from "./_contract.ts";
import { BORING_FIXTURE, writeSyntheticClip } from "../../fixtures/make_fixtures.ts";

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
        // grid 16 shaped like the 4:3 fixture: round(16 * sqrt(4/3)) x round(16 * sqrt(3/4)).
        assert.deepEqual([m.width, m.height], [18, 14]);
        assertContract(m, 10);
      });
      const video = await ffprobe(`${dir}/overlay.mp4`);
      assert.equal(video.codec_name, "h264");
      assert.equal(video.pix_fmt, "yuv420p");
      assert.equal(video.nb_read_frames, "30");
      assert.equal(video.r_frame_rate, "10/1");
      // The working frame: the fixture's own 160x120 (under --frame-size 640, never upscaled).
      assert.deepEqual([video.width, video.height], [160, 120]);
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
        // The engine saw the scene's own 224x224 frames; labels and summaries at that size.
        assert.deepEqual([m.width, m.height], [224, 224]);
        assertContract(m, 10);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "segment on a 16:9 file: --resolution source writes the file's own width and height, frame the working frame's; the overlay is 16:9",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const clip = `${dir}/wide.mp4`;
      await writeSyntheticClip(clip, { ...BORING_FIXTURE, width: 480, height: 270, seconds: 1 });
      const common = ["--frames", "3", "--teacher", "none", "--grid", "8", "--frame-size", "320"];
      const source = await segment([clip, "--out", `${dir}/source.ndjson`, ...common, ...[
        "--resolution",
        "source",
        "--overlay",
        `${dir}/overlay.mp4`,
      ]]);
      assert.equal(source.code, 0, source.stderr);
      const frame = await segment([clip, "--out", `${dir}/frame.ndjson`, ...common, ...[
        "--resolution",
        "frame",
      ]]);
      assert.equal(frame.code, 0, frame.stderr);
      const grid = await segment([clip, "--out", `${dir}/grid.ndjson`, ...common]);
      assert.equal(grid.code, 0, grid.stderr);
      for (
        const [file, size] of [
          ["source", [480, 270]],
          ["frame", [320, 180]],
          ["grid", [11, 6]], // grid 8 at 16:9
        ] as const
      ) {
        const msgs = await readLines(`${dir}/${file}.ndjson`);
        assert.equal(msgs.length, 3);
        for (const m of msgs) {
          assert.deepEqual([m.width, m.height], size, file);
          // Whole contract messages: summaries in the units of these labels.
          assertContract(m, 10);
        }
      }
      const video = await ffprobe(`${dir}/overlay.mp4`);
      assert.deepEqual([video.width, video.height], [320, 180], "the working frame, 16:9");
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
        [
          [clip, "--out", out, "--resolution", "4k"],
          /--resolution must be "grid", "frame" or "source"/,
        ],
        [[clip, "--out", out, "--frame-size", "10"], /--frame-size must be 0 .* from 64 to 4096/],
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
      assert.match(
        stderr,
        /error: ffprobe cannot read .*not_a_video\.mp4: .*Invalid data.*is a video file/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
