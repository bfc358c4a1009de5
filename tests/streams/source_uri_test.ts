import assert from "node:assert/strict";
import { SourceError } from "../../streams/frame.ts";
import {
  type ParseSourceOptions,
  parseSourceUri,
  redactUri,
  SOURCE_FORMS,
  SYNTHETIC_DEFAULTS,
} from "../../streams/source_uri.ts";

const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const clip = `${root}/fixtures/boring.mp4`;

function rejects(uri: string, pattern: RegExp, cwd = root, options: ParseSourceOptions = {}) {
  assert.throws(() => parseSourceUri(uri, cwd, options), (error: unknown) => {
    assert.ok(error instanceof SourceError, `${uri}: ${error}`);
    assert.match(error.message, pattern, uri);
    return true;
  });
}

Deno.test("parseSourceUri accepts synthetic: with defaults and query parameters", () => {
  assert.deepEqual(parseSourceUri("synthetic:"), { kind: "synthetic", ...SYNTHETIC_DEFAULTS });
  assert.deepEqual(SYNTHETIC_DEFAULTS, {
    seed: 1,
    objects: 4,
    scale: 1,
    fps: 10,
    width: 224,
    height: 224,
  });
  assert.deepEqual(parseSourceUri("synthetic:?seed=3&objects=6&scale=0.25&fps=7.5&size=640x360"), {
    kind: "synthetic",
    seed: 3,
    objects: 6,
    scale: 0.25,
    fps: 7.5,
    width: 640,
    height: 360,
  });
  assert.deepEqual(parseSourceUri("SYNTHETIC:?objects=0"), {
    kind: "synthetic",
    ...SYNTHETIC_DEFAULTS,
    objects: 0,
  });
});

Deno.test("parseSourceUri rejects bad synthetic: parameters, naming the problem", () => {
  rejects("synthetic:foo", /only query parameters/);
  rejects("synthetic:?seed=-1", /seed must be an integer/);
  rejects("synthetic:?seed=1.5", /seed must be an integer/);
  rejects("synthetic:?objects=17", /objects must be an integer in \[0, 16\]/);
  rejects("synthetic:?scale=0.05", /scale must be a number in \[0.1, 2\]/);
  rejects("synthetic:?scale=x", /scale must be a number/);
  rejects("synthetic:?fps=0", /fps must be a number/);
  rejects("synthetic:?fps=abc", /fps must be a number/);
  rejects("synthetic:?fps=", /fps must be a number/);
  rejects(
    "synthetic:?colour=red",
    /unknown parameter 'colour'.*known: seed, objects, scale, fps, size/,
  );
  for (
    const size of ["640", "640x", "x360", "640x360x2", "7x100", "100x4097", "-640x360", "64.5x36"]
  ) {
    rejects(`synthetic:?size=${size}`, /size must be WIDTHxHEIGHT, each an integer in \[8, 4096\]/);
  }
});

Deno.test("parseSourceUri accepts existing files: absolute, relative and file: URL", () => {
  assert.deepEqual(parseSourceUri(clip), { kind: "file", path: clip });
  assert.deepEqual(parseSourceUri("fixtures/boring.mp4", root), { kind: "file", path: clip });
  assert.deepEqual(parseSourceUri("./fixtures/../fixtures/boring.mp4", root), {
    kind: "file",
    path: clip,
  });
  assert.deepEqual(parseSourceUri(`file://${clip}`), { kind: "file", path: clip });
});

Deno.test("parseSourceUri takes a file name with ':' or spaces through ./ and file URLs", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/a:b.mp4`, "x");
    Deno.writeTextFileSync(`${dir}/with space.mp4`, "x");
    assert.deepEqual(parseSourceUri("./a:b.mp4", dir), { kind: "file", path: `${dir}/a:b.mp4` });
    rejects("a:b.mp4", /unsupported scheme 'a:'.*write '\.\/name'/, dir);
    assert.deepEqual(parseSourceUri(`file://${dir}/with%20space.mp4`), {
      kind: "file",
      path: `${dir}/with space.mp4`,
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("parseSourceUri rejects option-like strings, naming the accepted forms", () => {
  for (const uri of ["-i", "-f lavfi", "-", "--help"]) {
    rejects(uri, /starts with '-'/);
    rejects(uri, new RegExp(escape(SOURCE_FORMS)));
  }
});

Deno.test("parseSourceUri rejects ffmpeg pseudo-protocols, naming the accepted forms", () => {
  const uris = [
    "concat:a.mp4|b.mp4",
    "concatf:list.txt",
    "subfile:,start,0,end,100,:/etc/passwd",
    "data:video/mp4;base64,AAAA",
    "pipe:0",
    "fd:3",
    "cache:file:/etc/passwd",
    "crypto:file:x",
    "tee:a|b",
    "async:file:x",
    "Concat:a|b",
  ];
  for (const uri of uris) {
    rejects(uri, /pseudo-protocol/);
    rejects(uri, new RegExp(escape(SOURCE_FORMS)));
  }
});

Deno.test("parseSourceUri rejects unknown schemes, naming the accepted forms", () => {
  for (const uri of ["foo:bar", "lavfi:x", "mms://h/x", "rtsp+x://h/x", "smb://h/x"]) {
    rejects(uri, /unsupported scheme/);
    rejects(uri, new RegExp(escape(SOURCE_FORMS)));
  }
});

Deno.test("parseSourceUri rejects missing files, directories and malformed file URLs", () => {
  rejects("fixtures/missing.mp4", /does not exist.*accepted forms/);
  rejects(`${root}/fixtures/missing.mp4`, /does not exist/);
  rejects(`file://${root}/fixtures/missing.mp4`, /does not exist/);
  rejects("fixtures", /not a regular file.*accepted forms/);
  rejects("file:fixtures/boring.mp4", /not a file URL/);
  rejects(`file://otherhost${clip}`, /not a valid local file URL/);
  rejects("", /Empty source.*accepted forms/);
  rejects("a\0b", /NUL/);
});

Deno.test("parseSourceUri redacts credentials in its error messages", () => {
  const bad = [
    "rtsp://admin:hunter2@cam/stream?transport=quic",
    "rtsp://admin:hunter2@/stream",
    "http://admin:hunter2@cam/a b",
    "ftp://admin:hunter2@cam/stream",
    "smb://admin:hunter2@cam/stream",
  ];
  rejects(bad[0], /rtsp:\/\/\*\*\*@cam\/stream/);
  for (const uri of bad) {
    assert.throws(() => parseSourceUri(uri), (e: Error) => {
      assert.ok(e instanceof SourceError, uri);
      assert.doesNotMatch(e.message, /hunter2/, uri);
      return true;
    });
  }
});

Deno.test("redactUri replaces user:password@ in any URL and secret query values", () => {
  assert.equal(redactUri("rtsp://admin:hunter2@10.0.0.5:554/s"), "rtsp://***@10.0.0.5:554/s");
  assert.equal(redactUri("http://user@host/a"), "http://***@host/a");
  assert.equal(redactUri("rtsp://u:p@ss@host/x"), "rtsp://***@host/x");
  assert.equal(
    redactUri("srt://h:1?passphrase=x&token=abc#f"),
    "srt://h:1?passphrase=***&token=***#f",
  );
  assert.equal(redactUri("http://h/v?password=s3cret&x=1"), "http://h/v?password=***&x=1");
  assert.equal(
    redactUri("failed: rtsp://a:b@h1/x and http://c:d@h2/y"),
    "failed: rtsp://***@h1/x and http://***@h2/y",
  );
});

Deno.test("redactUri leaves strings without credentials unchanged", () => {
  for (
    const s of [
      "synthetic:?seed=3",
      "/videos/a@b.mp4",
      "rtsp://cam:554/path/with@sign",
      "http://h/a?x=1",
      "mailto:someone@example.com",
    ]
  ) {
    assert.equal(redactUri(s), s);
  }
});

Deno.test("parseSourceUri accepts rtsp(s) URLs with credentials, defaulting to TCP", () => {
  assert.deepEqual(parseSourceUri("rtsp://cam/live"), {
    kind: "rtsp",
    url: "rtsp://cam/live",
    transport: "tcp",
  });
  assert.deepEqual(parseSourceUri("RTSPS://admin:p%40ss@10.0.0.5:322/s?channel=1"), {
    kind: "rtsp",
    url: "rtsps://admin:p%40ss@10.0.0.5:322/s?channel=1",
    transport: "tcp",
  });
  assert.deepEqual(parseSourceUri("rtsp://[::1]:8554/x"), {
    kind: "rtsp",
    url: "rtsp://[::1]:8554/x",
    transport: "tcp",
  });
});

Deno.test("parseSourceUri reads ?transport= and strips it, keeping the camera's parameters", () => {
  const cases: [string, string, string][] = [
    ["rtsp://cam/live?transport=udp", "rtsp://cam/live", "udp"],
    ["rtsp://cam/live?transport=TCP", "rtsp://cam/live", "tcp"],
    [
      "rtsp://u:p@cam/live?channel=1&transport=udp&subtype=0",
      "rtsp://u:p@cam/live?channel=1&subtype=0",
      "udp",
    ],
    ["rtsp://cam/live?a=x%20y&transport=udp", "rtsp://cam/live?a=x%20y", "udp"],
  ];
  for (const [uri, url, transport] of cases) {
    assert.deepEqual(parseSourceUri(uri), { kind: "rtsp", url, transport }, uri);
  }
});

Deno.test("parseSourceUri rejects rtsp URLs without host or with a bad transport", () => {
  for (const uri of ["rtsp://", "rtsp:///live", "rtsp:cam/live", "rtsps://:554/x"]) {
    rejects(uri, /no host|not a valid URL/);
    rejects(uri, new RegExp(escape(SOURCE_FORMS)));
  }
  rejects("rtsp://cam:99999/x", /not a valid URL/);
  rejects("rtsp://cam/x?transport=http", /transport must be given once, as 'tcp' or 'udp'/);
  rejects("rtsp://cam/x?transport=tcp&transport=udp", /transport must be given once/);
  rejects("rtsp://cam/x?transport=tcp=1", /transport must be given once/);
});

Deno.test("parseSourceUri accepts http(s) URLs as given, credentials included", () => {
  const cases: [string, string][] = [
    ["http://cam.local:8080/video.mjpg", "http://cam.local:8080/video.mjpg"],
    [
      "https://cdn.example/live/index.m3u8?token=abc",
      "https://cdn.example/live/index.m3u8?token=abc",
    ],
    ["HTTP://user:pw@10.0.0.9/clip.mp4", "http://user:pw@10.0.0.9/clip.mp4"],
  ];
  for (const [uri, url] of cases) {
    assert.deepEqual(parseSourceUri(uri), { kind: "http", url }, uri);
  }
});

Deno.test("parseSourceUri rejects network URLs with whitespace or control characters", () => {
  for (
    const uri of [
      "http://cam/a b",
      "http://cam/a\tb",
      "rtsp://cam/live\n-i /etc/passwd",
      "rtsp://cam/live\r",
      "https://cam/\x7f",
    ]
  ) {
    rejects(uri, /whitespace or control characters/);
    rejects(uri, new RegExp(escape(SOURCE_FORMS)));
  }
  rejects("http:///x", /no host/);
  rejects("https:cam/x", /no host/);
  rejects("http://user:pw@:80/x", /no host|not a valid URL/);
  rejects("http://cam\\..\\x", /percent-encode it as %5C/);
});

Deno.test("parseSourceUri rejects ffmpeg's other protocols, naming the accepted forms", () => {
  for (
    const uri of [
      "ftp://h/a.mp4",
      "gopher://h/x",
      "tcp://h:1",
      "udp://0.0.0.0:5000",
      "unix:/tmp/sock",
      "rtmp://h/app",
      "srt://h:1",
      "TLS://h:1",
    ]
  ) {
    rejects(uri, /protocol, which is not accepted as a source/);
    rejects(uri, new RegExp(escape(SOURCE_FORMS)));
  }
  for (const uri of ["hls+http://h/a.m3u8", "crypto+http://h/x", "cache:http://h/x"]) {
    rejects(uri, /pseudo-protocol/);
  }
});

Deno.test("parseSourceUri accepts webcam: in each platform's device form", () => {
  const linux = { platform: "linux" } as const;
  const darwin = { platform: "darwin" } as const;
  const windows = { platform: "windows" } as const;
  assert.deepEqual(parseSourceUri("webcam:/dev/video0", root, linux), {
    kind: "webcam",
    platform: "linux",
    device: "/dev/video0",
  });
  assert.deepEqual(parseSourceUri("webcam:/dev/video12?size=640x480&fps=30", root, linux), {
    kind: "webcam",
    platform: "linux",
    device: "/dev/video12",
    size: { width: 640, height: 480 },
    fps: 30,
  });
  assert.deepEqual(parseSourceUri("webcam:0", root, darwin), {
    kind: "webcam",
    platform: "darwin",
    device: "0",
  });
  assert.deepEqual(parseSourceUri("webcam:FaceTime HD Camera?fps=29.97", root, darwin), {
    kind: "webcam",
    platform: "darwin",
    device: "FaceTime HD Camera",
    fps: 29.97,
  });
  assert.deepEqual(parseSourceUri("webcam:video=Integrated Camera?size=1280x720", root, windows), {
    kind: "webcam",
    platform: "windows",
    device: "Integrated Camera",
    size: { width: 1280, height: 720 },
  });
});

Deno.test("parseSourceUri checks webcam: devices for Deno.build.os by default", () => {
  const device: Partial<Record<typeof Deno.build.os, string>> = {
    linux: "webcam:/dev/video0",
    darwin: "webcam:0",
    windows: "webcam:video=Integrated Camera",
  };
  const uri = device[Deno.build.os] ?? "webcam:/dev/video0";
  if (device[Deno.build.os] === undefined) {
    rejects(uri, /'webcam:' is supported on linux, darwin and windows/);
  } else {
    assert.deepEqual(parseSourceUri(uri), parseSourceUri(uri, root, { platform: Deno.build.os }));
  }
});

Deno.test("parseSourceUri rejects webcam devices not in the platform's form", () => {
  const cases: [string, typeof Deno.build.os][] = [
    ["webcam:/dev/sda", "linux"],
    ["webcam:/dev/video", "linux"],
    ["webcam:/dev/video0/../sda", "linux"],
    ["webcam:video0", "linux"],
    ["webcam:0", "linux"],
    ["webcam:video=Integrated Camera", "linux"],
    ["webcam:", "darwin"],
    ["webcam:cam:1", "darwin"],
    ["webcam: padded", "darwin"],
    ["webcam:none", "darwin"],
    ["webcam:Integrated Camera", "windows"],
    ["webcam:video=", "windows"],
    ["webcam:video=a:audio=b", "windows"],
  ];
  for (const [uri, platform] of cases) {
    assert.throws(() => parseSourceUri(uri, root, { platform }), (error: unknown) => {
      assert.ok(error instanceof SourceError, `${uri}: ${error}`);
      assert.match(error.message, new RegExp(`is not a ${platform} camera`), uri);
      assert.match(error.message, new RegExp(escape(SOURCE_FORMS)), uri);
      return true;
    });
  }
  const linux = { platform: "linux" } as const;
  assert.throws(() => parseSourceUri("webcam:/dev/video0\n", root, linux), /control characters/);
  assert.throws(
    () => parseSourceUri("webcam:/dev/video0", root, { platform: "freebsd" }),
    /not on freebsd/,
  );
  assert.throws(() => parseSourceUri("webcam:/dev/video0?size=640", root, linux), /size must be/);
  assert.throws(() => parseSourceUri("webcam:/dev/video0?size=0x480", root, linux), /size must be/);
  assert.throws(() => parseSourceUri("webcam:/dev/video0?fps=0", root, linux), /fps must be/);
  assert.throws(() => parseSourceUri("webcam:/dev/video0?fps=1e3", root, linux), /fps must be/);
  assert.throws(
    () => parseSourceUri("webcam:/dev/video0?zoom=2", root, linux),
    /unknown parameter 'zoom'/,
  );
});

Deno.test("parseSourceUri reads ?loop= on file URLs only; plain paths keep '?' literally", () => {
  assert.deepEqual(parseSourceUri(`file://${clip}?loop=1`), {
    kind: "file",
    path: clip,
    loop: true,
  });
  assert.deepEqual(parseSourceUri(`file://${clip}?loop=0`), { kind: "file", path: clip });
  rejects(`file://${clip}?loop=yes`, /loop must be 0 or 1/);
  rejects(`file://${clip}?speed=2`, /unknown parameter 'speed'/);
  rejects(`file://${clip}#t=3`, /no '#fragment'/);
  rejects(`${clip}?loop=1`, /does not exist; to give options such as \?loop=1 write a file:/);
});

Deno.test("parseSourceUri with mediaRoot accepts files inside it, as real paths", () => {
  const dir = Deno.realPathSync(Deno.makeTempDirSync());
  try {
    Deno.mkdirSync(`${dir}/media/sub`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/media/sub/a.mp4`, "x");
    Deno.symlinkSync(`${dir}/media/sub/a.mp4`, `${dir}/media/link.mp4`);
    const options = { mediaRoot: `${dir}/media` };
    const inside = { kind: "file", path: `${dir}/media/sub/a.mp4` };
    assert.deepEqual(parseSourceUri("sub/a.mp4", `${dir}/media`, options), inside);
    assert.deepEqual(parseSourceUri("media/sub/../sub/a.mp4", dir, options), inside);
    assert.deepEqual(parseSourceUri(`${dir}/media/link.mp4`, dir, options), inside);
    assert.deepEqual(parseSourceUri(`file://${dir}/media/sub/a.mp4?loop=1`, dir, options), {
      ...inside,
      loop: true,
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("parseSourceUri with mediaRoot refuses '..' escapes and symlinks out of it", () => {
  const dir = Deno.realPathSync(Deno.makeTempDirSync());
  try {
    Deno.mkdirSync(`${dir}/media`);
    Deno.mkdirSync(`${dir}/media-evil`);
    Deno.writeTextFileSync(`${dir}/secret.mp4`, "x");
    Deno.writeTextFileSync(`${dir}/media-evil/a.mp4`, "x");
    Deno.symlinkSync(`${dir}/secret.mp4`, `${dir}/media/escape.mp4`);
    const options = { mediaRoot: `${dir}/media` };
    const outside = new RegExp(`outside the media root "${escape(dir)}/media"`);
    for (
      const uri of [
        "../secret.mp4",
        `${dir}/media/../secret.mp4`,
        "escape.mp4",
        `file://${dir}/media/escape.mp4`,
        "../media-evil/a.mp4",
      ]
    ) {
      rejects(uri, outside, `${dir}/media`, options);
    }
    rejects("secret.mp4", /media root ".*missing" cannot be resolved/, dir, {
      mediaRoot: `${dir}/missing`,
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
