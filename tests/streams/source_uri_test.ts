import assert from "node:assert/strict";
import { SourceError } from "../../streams/frame.ts";
import {
  parseSourceUri,
  redactUri,
  SOURCE_FORMS,
  SYNTHETIC_DEFAULTS,
} from "../../streams/source_uri.ts";

const root = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const clip = `${root}/fixtures/boring.mp4`;

function rejects(uri: string, pattern: RegExp, cwd = root) {
  assert.throws(() => parseSourceUri(uri, cwd), (error: unknown) => {
    assert.ok(error instanceof SourceError, `${uri}: ${error}`);
    assert.match(error.message, pattern, uri);
    return true;
  });
}

Deno.test("parseSourceUri accepts synthetic: with defaults and query parameters", () => {
  assert.deepEqual(parseSourceUri("synthetic:"), { kind: "synthetic", ...SYNTHETIC_DEFAULTS });
  assert.deepEqual(SYNTHETIC_DEFAULTS, { seed: 1, objects: 4, fps: 10 });
  assert.deepEqual(parseSourceUri("synthetic:?seed=3&objects=6&fps=7.5"), {
    kind: "synthetic",
    seed: 3,
    objects: 6,
    fps: 7.5,
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
  rejects("synthetic:?fps=0", /fps must be a number/);
  rejects("synthetic:?fps=abc", /fps must be a number/);
  rejects("synthetic:?fps=", /fps must be a number/);
  rejects("synthetic:?colour=red", /unknown parameter 'colour'/);
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
  for (const uri of ["http://example.com/a.mp4", "rtsp://cam/stream", "foo:bar", "lavfi:x"]) {
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
  rejects("rtsp://admin:hunter2@cam/stream", /rtsp:\/\/\*\*\*@cam\/stream/);
  assert.throws(() => parseSourceUri("rtsp://admin:hunter2@cam/stream"), (e: Error) => {
    assert.doesNotMatch(e.message, /hunter2/);
    return true;
  });
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

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
