import assert from "node:assert/strict";
import { SourceError } from "../../streams/frame.ts";
import { DEFAULT_SOCKET_TIMEOUT_MS, ffmpegInputArgs } from "../../streams/ffmpeg_input.ts";
import { parseSourceUri } from "../../streams/source_uri.ts";
import { ffmpegChildren } from "./_processes.ts";

const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const clip = `${root}/fixtures/boring.mp4`;
const LOW_LATENCY = ["-flags", "low_delay", "-analyzeduration", "500000"];
const RECONNECT = ["-reconnect", "1", "-reconnect_streamed", "1", "-reconnect_delay_max", "5"];

Deno.test("ffmpegInputArgs reads files through 'file:' only, looping on request", () => {
  assert.deepEqual(ffmpegInputArgs({ kind: "file", path: clip }), {
    input: `file:${clip}`,
    inputOptions: [],
    protocolWhitelist: "file",
  });
  assert.deepEqual(ffmpegInputArgs(parseSourceUri(`file://${clip}?loop=1`)), {
    input: `file:${clip}`,
    inputOptions: ["-stream_loop", "-1"],
    protocolWhitelist: "file",
  });
});

Deno.test("ffmpegInputArgs sets the rtsp transport, socket timeout and low-latency flags", () => {
  const timeout = ["-timeout", String(DEFAULT_SOCKET_TIMEOUT_MS * 1000)];
  assert.deepEqual(ffmpegInputArgs(parseSourceUri("rtsp://u:p@cam/live")), {
    input: "rtsp://u:p@cam/live",
    inputOptions: ["-rtsp_transport", "tcp", ...timeout, ...LOW_LATENCY],
    protocolWhitelist: "tcp",
  });
  assert.deepEqual(ffmpegInputArgs(parseSourceUri("rtsp://cam/live?transport=udp&ch=1")), {
    input: "rtsp://cam/live?ch=1",
    inputOptions: ["-rtsp_transport", "udp", ...timeout, ...LOW_LATENCY],
    protocolWhitelist: "tcp,udp,rtp",
  });
  assert.deepEqual(
    ffmpegInputArgs(parseSourceUri("rtsps://cam/live"), { socketTimeoutMs: 1500 }),
    {
      input: "rtsps://cam/live",
      inputOptions: ["-rtsp_transport", "tcp", "-timeout", "1500000", ...LOW_LATENCY],
      protocolWhitelist: "tcp,tls",
    },
  );
  assert.equal(
    ffmpegInputArgs(parseSourceUri("rtsps://cam/live?transport=udp")).protocolWhitelist,
    "tcp,tls,udp,rtp,srtp",
  );
});

Deno.test("ffmpegInputArgs makes http sources reconnect, without the file protocol", () => {
  for (const url of ["http://cam:8080/video.mjpg", "https://cdn/live.m3u8?token=x"]) {
    assert.deepEqual(ffmpegInputArgs(parseSourceUri(url)), {
      input: url,
      inputOptions: [...RECONNECT, "-rw_timeout", String(DEFAULT_SOCKET_TIMEOUT_MS * 1000)],
      protocolWhitelist: "http,https,tcp,tls,crypto",
    });
  }
});

Deno.test("ffmpegInputArgs opens webcams with each platform's capture device", () => {
  const linux = parseSourceUri("webcam:/dev/video0?size=640x480&fps=30", root, {
    platform: "linux",
  });
  assert.deepEqual(ffmpegInputArgs(linux, { platform: "linux" }), {
    input: "/dev/video0",
    inputOptions: ["-f", "v4l2", "-framerate", "30", "-video_size", "640x480"],
    protocolWhitelist: "",
  });
  const mac = parseSourceUri("webcam:FaceTime HD Camera?fps=30", root, { platform: "darwin" });
  assert.deepEqual(ffmpegInputArgs(mac, { platform: "darwin" }), {
    input: "FaceTime HD Camera:none",
    inputOptions: ["-f", "avfoundation", "-framerate", "30"],
    protocolWhitelist: "",
  });
  const macIndex = parseSourceUri("webcam:0", root, { platform: "darwin" });
  assert.deepEqual(ffmpegInputArgs(macIndex, { platform: "darwin" }), {
    input: "0:none",
    inputOptions: ["-f", "avfoundation"],
    protocolWhitelist: "",
  });
  const windows = parseSourceUri("webcam:video=Integrated Camera?size=1280x720", root, {
    platform: "windows",
  });
  assert.deepEqual(ffmpegInputArgs(windows, { platform: "windows" }), {
    input: "video=Integrated Camera",
    inputOptions: ["-f", "dshow", "-video_size", "1280x720"],
    protocolWhitelist: "",
  });
});

Deno.test("ffmpegInputArgs refuses synthetic sources and webcams of another platform", () => {
  assert.throws(() => ffmpegInputArgs(parseSourceUri("synthetic:")), SourceError);
  const mac = parseSourceUri("webcam:0", root, { platform: "darwin" });
  assert.throws(
    () => ffmpegInputArgs(mac, { platform: "linux" }),
    /checked for darwin but ffmpeg runs on linux/,
  );
  assert.throws(
    () => ffmpegInputArgs(parseSourceUri(clip), { socketTimeoutMs: 0 }),
    RangeError,
  );
});

/** Runs ffmpeg on `args`, killed after 3 s; returns its exit code, stderr and stdout size. */
async function runFfmpeg(
  args: string[],
): Promise<{ code: number; stderr: string; stdout: number }> {
  const { code, stderr, stdout } = await new Deno.Command("ffmpeg", {
    args: ["-nostdin", "-hide_banner", "-loglevel", "error", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(3000),
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr), stdout: stdout.length };
}

async function ffmpegOn(uri: string, options = {}) {
  const { input, inputOptions, protocolWhitelist } = ffmpegInputArgs(
    parseSourceUri(uri),
    options,
  );
  return await runFfmpeg([
    "-protocol_whitelist",
    protocolWhitelist,
    ...inputOptions,
    "-i",
    input,
    "-t",
    "0",
    "-f",
    "null",
    "-",
  ]);
}

/** A local TCP port nothing listens on (it was free a moment ago). */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

const REFUSED = /Connection refused/;
const BAD_ARGS = /Unrecognized option|Option not found|not on whitelist|Invalid argument/;

Deno.test("ffmpeg accepts the built rtsp and http input options, failing only to connect", async () => {
  const port = closedPort();
  for (
    const uri of [
      `rtsp://u:p@127.0.0.1:${port}/x`,
      `rtsp://127.0.0.1:${port}/x?transport=udp`,
      `rtsps://127.0.0.1:${port}/x`,
      `rtsps://127.0.0.1:${port}/x?transport=udp`,
      `http://127.0.0.1:${port}/x.mjpg`,
      `https://127.0.0.1:${port}/x.m3u8`,
    ]
  ) {
    const { code, stderr } = await ffmpegOn(uri, { socketTimeoutMs: 1000 });
    assert.notEqual(code, 0, uri);
    assert.match(stderr, REFUSED, `${uri}: ${stderr}`);
    assert.doesNotMatch(stderr, BAD_ARGS, `${uri}: ${stderr}`);
  }
  assert.deepEqual(ffmpegChildren(), []);
});

Deno.test("ffmpeg rejects a misspelt option, so the check above can fail", async () => {
  const { stderr } = await runFfmpeg(["-rtsp_transprot", "tcp", "-i", "rtsp://127.0.0.1:1/x"]);
  assert.match(stderr, /Unrecognized option|Option not found/);
});

Deno.test("ffmpeg accepts the built v4l2 capture options, failing only on the device", async () => {
  const uri = "webcam:/dev/video97?size=640x480&fps=30";
  const descriptor = parseSourceUri(uri, root, { platform: "linux" });
  const { input, inputOptions, protocolWhitelist } = ffmpegInputArgs(descriptor, {
    platform: "linux",
  });
  const { code, stderr } = await runFfmpeg([
    "-protocol_whitelist",
    protocolWhitelist,
    ...inputOptions,
    "-i",
    input,
    "-t",
    "0",
    "-f",
    "null",
    "-",
  ]);
  assert.notEqual(code, 0);
  assert.match(stderr, /Cannot open video device \/dev\/video97/, stderr);
  assert.doesNotMatch(stderr, /Unrecognized option|Option not found|Unknown input format/);
});

Deno.test("ffmpeg plays a file past its end only when looping is asked for", async () => {
  // The clip lasts 3 s; 4 s of output at 10 fps holds 40 frames only if the input loops.
  const frames = async (uri: string) => {
    const { input, inputOptions, protocolWhitelist } = ffmpegInputArgs(parseSourceUri(uri));
    const { code, stderr, stdout } = await runFfmpeg([
      ...["-protocol_whitelist", protocolWhitelist, ...inputOptions, "-i", input, "-t", "4"],
      ...["-vf", "fps=10,scale=8:8", "-pix_fmt", "gray", "-f", "rawvideo", "pipe:1"],
    ]);
    assert.equal(code, 0, stderr);
    return stdout / 64;
  };
  assert.equal(await frames(`file://${clip}?loop=1`), 40);
  assert.equal(await frames(`file://${clip}`), 30);
});

Deno.test("ffmpeg plays an HLS playlist over http with the http whitelist, file excluded", async () => {
  const dir = Deno.makeTempDirSync();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const name = new URL(request.url).pathname.slice(1);
    try {
      return new Response(Deno.readFileSync(`${dir}/${name}`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    const made = await runFfmpeg([
      ...["-i", clip, "-t", "1", "-an", "-c:v", "copy"],
      ...["-f", "hls", "-hls_time", "0.5", "-hls_list_size", "0", `${dir}/index.m3u8`],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const { code, stderr } = await ffmpegOn(
      `http://127.0.0.1:${server.addr.port}/index.m3u8`,
    );
    assert.equal(code, 0, stderr);
  } finally {
    await server.shutdown();
    Deno.removeSync(dir, { recursive: true });
  }
});
