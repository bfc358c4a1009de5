import assert from "node:assert/strict";
import { relative } from "node:path";
import { SourceError } from "../../streams/frame.ts";
import { FileSource } from "../../streams/file_source.ts";
import { openSource } from "../../streams/open_source.ts";
import { renderSyntheticFrame } from "../../streams/synthetic.ts";
import { SyntheticSource } from "../../streams/synthetic_source.ts";

Deno.test("openSource opens synthetic: with its parameters, capped by the asked fps", async () => {
  const source = openSource("synthetic:?seed=3&objects=2&fps=30", {
    width: 40,
    height: 30,
    fps: 5,
  });
  try {
    assert.ok(source instanceof SyntheticSource);
    assert.equal(source.displayUri, "synthetic:?seed=3&objects=2&fps=30");
    const frame = (await source.next())!;
    const expected = renderSyntheticFrame({ width: 40, height: 30, seed: 3, objects: 2 }, 0);
    assert.deepEqual(frame.data, expected.data);
    assert.equal(Math.max(...frame.truth!), 2);
    const second = (await source.next())!;
    assert.equal(second.pts, second.index / 5);
  } finally {
    await source.close();
  }
});

Deno.test("openSource opens a relative file path with a file source", async () => {
  const path = relative(Deno.cwd(), new URL("../../fixtures/boring.mp4", import.meta.url).pathname);
  assert.ok(!path.startsWith("/"));
  const source = openSource(path, {
    width: 32,
    height: 32,
    fps: 10,
    realtime: false,
  });
  try {
    assert.ok(source instanceof FileSource);
    assert.equal(source.displayUri, path);
    const frame = (await source.next())!;
    assert.equal(frame.data.length, 32 * 32 * 3);
  } finally {
    await source.close();
  }
});

Deno.test("openSource throws SourceError for strings that are no accepted form", () => {
  for (const uri of ["-i", "concat:a|b", "gopher://x", "fixtures/nothing.mp4"]) {
    assert.throws(() => openSource(uri, { width: 32, height: 32 }), SourceError);
  }
});
