/**
 * Round trips of the server's map encoders (src/islands/wire_*.ts) through the client's decoders
 * (src/client/islands_client.js), and the binary header layout of docs/protocol.md.
 *
 * @module
 */
import assert from "node:assert/strict";
import { prepareJsonMap, type WireMap } from "../../src/islands/wire_json.ts";
import { prepareBinaryMap } from "../../src/islands/wire_binary.ts";
import {
  decodeBinaryMap,
  decodeJsonMap,
  type IslandMap,
  type JsonMapMessage,
} from "../../src/client/islands_client.js";
import type { IslandSummary } from "../../src/islands/types.ts";

/** A map of `cols x rows` blocks, each block one island, ids starting at `firstId`. */
function blockMap(
  width: number,
  height: number,
  cols: number,
  rows: number,
  firstId: number,
): WireMap {
  const labels = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bx = Math.floor((x * cols) / width), by = Math.floor((y * rows) / height);
      labels[y * width + x] = firstId + by * cols + bx;
    }
  }
  const islands: IslandSummary[] = [];
  for (let i = 0; i < Math.min(cols * rows, 5); i++) {
    islands.push({ id: firstId + i, area: 10 + i, bbox: [i, 0, i + 1, 2], centroid: [i + 0.5, 1] });
  }
  return {
    stream: 'cam "1"',
    frame: 812,
    pts: 81.2,
    decodedAt: 1795000000000.5,
    width,
    height,
    labels,
    islands,
    loss: 0.41,
    keyFrame: true,
  };
}

function bytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function withExtras(m: WireMap): WireMap {
  return {
    ...m,
    features: { width: 4, height: 3, rgb: bytes(36, 7) },
    frameJpeg: { width: 320, height: 240, data: bytes(100_003, 3) },
  };
}

/** Asserts `got` decodes `m` for subscription `sub` with `dropped`. */
function assertSame(got: IslandMap, m: WireMap, sub: number, dropped: number, binary: boolean) {
  assert.equal(got.sub, sub);
  assert.equal(got.dropped, dropped);
  assert.equal(got.frame, m.frame);
  assert.equal(got.pts, m.pts);
  assert.equal(got.decodedAt, m.decodedAt);
  assert.equal(got.width, m.width);
  assert.equal(got.height, m.height);
  assert.deepEqual(got.labels, m.labels);
  assert.deepEqual(got.islands, m.islands);
  const loss = m.loss === null || !Number.isFinite(m.loss) ? null : m.loss;
  // The binary form carries loss as f32.
  assert.equal(got.loss, binary && loss !== null ? Math.fround(loss) : loss);
  assert.equal(got.keyFrame, m.keyFrame);
  assert.deepEqual(got.features, m.features);
  assert.deepEqual(got.frameJpeg, m.frameJpeg);
  if (!binary) assert.equal(got.stream, m.stream);
}

function jsonRoundTrip(m: WireMap, sub: number, dropped: number): IslandMap {
  const text = prepareJsonMap(m)(sub, dropped);
  return decodeJsonMap(JSON.parse(text) as JsonMapMessage);
}

const cases: [string, WireMap][] = [
  ["u8, few islands", blockMap(32, 32, 3, 2, 5)],
  ["u8, extras", withExtras(blockMap(32, 24, 4, 4, 1))],
  ["u16, 320 islands with big ids", withExtras(blockMap(64, 60, 20, 16, 70_000))],
  ["640x480", blockMap(640, 480, 16, 12, 100)],
  // Non-square maps: a 16:9 stream's lattice, its working frame with extras, a portrait one.
  ["16:9 lattice 43x24", blockMap(43, 24, 5, 3, 9)],
  ["16:9 frame 640x360, 43x24 features, 640x360 JPEG", {
    ...blockMap(640, 360, 16, 9, 40),
    features: { width: 43, height: 24, rgb: bytes(43 * 24 * 3, 5) },
    frameJpeg: { width: 640, height: 360, data: bytes(20_011, 4) },
  }],
  ["portrait 36x64", blockMap(36, 64, 3, 5, 2)],
  ["no islands, null loss, not key", {
    ...blockMap(8, 8, 2, 2, 1),
    islands: undefined,
    loss: null,
    keyFrame: false,
  }],
  ["NaN loss, empty islands", { ...blockMap(8, 8, 2, 2, 1), islands: [], loss: NaN }],
  ["empty map", { ...blockMap(0, 0, 1, 1, 1), islands: [] }],
];

for (const [name, m] of cases) {
  Deno.test(`JSON round trip: ${name}`, () => {
    assertSame(jsonRoundTrip(m, 3, 17), m, 3, 17, false);
  });
  for (const rle of [false, true]) {
    Deno.test(`binary round trip (rle ${rle}): ${name}`, () => {
      const render = prepareBinaryMap(m, rle);
      const a = render(65535, 4_000_000_000);
      const b = render(1, 0);
      assertSame(decodeBinaryMap(a), m, 65535, 4_000_000_000, true);
      // Each call gets its own copy: rendering for one subscriber never touches another's bytes.
      assertSame(decodeBinaryMap(b), m, 1, 0, true);
      // An ArrayBuffer decodes too, and so does a Uint8Array that is a window on a bigger buffer.
      assertSame(decodeBinaryMap(b.buffer), m, 1, 0, true);
      const padded = new Uint8Array(b.length + 5);
      padded.set(b, 3);
      assertSame(decodeBinaryMap(padded.subarray(3, 3 + b.length)), m, 1, 0, true);
    });
  }
}

Deno.test("JSON: field order and names as in docs/protocol.md", () => {
  const m = withExtras(blockMap(2, 1, 2, 1, 3));
  const obj = JSON.parse(prepareJsonMap(m)(1, 0));
  assert.deepEqual(Object.keys(obj), [
    "type",
    "stream",
    "sub",
    "frame",
    "pts",
    "decodedAt",
    "width",
    "height",
    "labels",
    "islands",
    "loss",
    "keyFrame",
    "dropped",
    "features",
    "frameJpeg",
  ]);
  assert.equal(obj.type, "islands");
  assert.deepEqual(obj.labels, [3, 4]);
  assert.deepEqual(Object.keys(obj.features), ["width", "height", "rgb"]);
  assert.deepEqual(Object.keys(obj.frameJpeg), ["width", "height", "data"]);
  const bare = JSON.parse(prepareJsonMap({ ...m, islands: undefined, loss: Infinity })(1, 0));
  assert.equal("islands" in bare, false);
  assert.equal(bare.loss, null);
});

Deno.test("binary: header layout at the documented offsets", () => {
  const m = withExtras(blockMap(32, 24, 4, 4, 1));
  const buf = prepareBinaryMap(m, false)(0x1234, 0x0a0b0c0d);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  assert.equal(new TextDecoder().decode(buf.subarray(0, 4)), "ISL1");
  assert.equal(buf[4], 1);
  assert.equal(buf[5], 4); // key frame, u8, raw
  assert.equal(dv.getUint16(6, true), 0x1234);
  assert.equal(dv.getUint32(8, true), 812);
  assert.equal(dv.getUint32(12, true), 0x0a0b0c0d);
  assert.equal(dv.getFloat64(16, true), 81.2);
  assert.equal(dv.getFloat64(24, true), 1795000000000.5);
  assert.equal(dv.getFloat32(32, true), Math.fround(0.41));
  assert.equal(dv.getUint16(36, true), 32);
  assert.equal(dv.getUint16(38, true), 24);
  assert.equal(dv.getUint16(40, true), 16);
  assert.deepEqual([42, 44, 46, 48].map((o) => dv.getUint16(o, true)), [4, 3, 320, 240]);
  assert.equal(dv.getUint16(50, true), 0);
  const islandsJson = new TextEncoder().encode(JSON.stringify(m.islands));
  assert.deepEqual([52, 56, 60, 64].map((o) => dv.getUint32(o, true)), [
    32 * 24,
    islandsJson.length,
    36,
    100_003,
  ]);
  assert.equal(dv.getUint32(68, true), 0);
  // ids in order of first appearance, then labels as indices.
  assert.deepEqual([0, 1, 2, 3].map((i) => dv.getUint32(72 + 4 * i, true)), [1, 2, 3, 4]);
  assert.deepEqual([...buf.subarray(72 + 64, 72 + 64 + 10)], [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  assert.equal(buf.length, 72 + 64 + 768 + islandsJson.length + 36 + 100_003);

  const wide = prepareBinaryMap(blockMap(64, 60, 20, 16, 70_000), true)(1, 0);
  assert.equal(wide[5], 1 | 2 | 4);
  assert.equal(new DataView(wide.buffer).getUint16(40, true), 320);
  assert.equal(new DataView(wide.buffer).getUint32(72, true), 70_000);
});

Deno.test("binary: RLE runs are capped at 65535 and NaN loss / no extras read as absent", () => {
  const m: WireMap = {
    stream: "s",
    frame: 1,
    pts: 0,
    decodedAt: 0,
    width: 400,
    height: 400,
    labels: new Int32Array(160_000).fill(9),
    loss: null,
    keyFrame: false,
  };
  const buf = prepareBinaryMap(m, true)(2, 0);
  const dv = new DataView(buf.buffer);
  assert.equal(dv.getUint32(52, true), 3 * 3); // 65535 + 65535 + 28930
  assert.equal(dv.getUint16(76, true), 65535);
  assert.equal(dv.getUint16(82, true), 160_000 - 2 * 65535);
  assert.ok(Number.isNaN(dv.getFloat32(32, true)));
  const got = decodeBinaryMap(buf);
  assert.equal(got.loss, null);
  assert.equal(got.islands, undefined);
  assert.equal(got.features, undefined);
  assert.equal(got.frameJpeg, undefined);
  assert.deepEqual(got.labels, m.labels);
});

Deno.test("binary: RLE is much smaller than raw on a blocky map", () => {
  const m = blockMap(640, 480, 8, 6, 1);
  const raw = prepareBinaryMap(m, false)(1, 0).length;
  const rle = prepareBinaryMap(m, true)(1, 0).length;
  assert.ok(rle * 10 < raw, `rle ${rle} bytes, raw ${raw}`);
});

Deno.test("binary: truncated or corrupt buffers throw clear errors", () => {
  const good = prepareBinaryMap(withExtras(blockMap(32, 24, 4, 4, 1)), true)(1, 0);
  assert.throws(() => decodeBinaryMap(good.subarray(0, 40)), /truncated.*header/);
  assert.throws(() => decodeBinaryMap(good.subarray(0, good.length - 1)), /truncated/);
  const magic = good.slice();
  magic[0] = 0x58;
  assert.throws(() => decodeBinaryMap(magic), /bad magic/);
  const version = good.slice();
  version[4] = 2;
  assert.throws(() => decodeBinaryMap(version), /unsupported version 2/);
  const index = good.slice();
  index[72 + 16 * 4 + 2] = 200; // first run's index, beyond the 16 ids
  assert.throws(() => decodeBinaryMap(index), /label index 200 outside the ids table of 16/);
  const run = good.slice();
  run[72 + 16 * 4] = 0;
  run[72 + 16 * 4 + 1] = 0;
  assert.throws(() => decodeBinaryMap(run), /RLE run of 0/);
  const rawFlag = good.slice();
  rawFlag[5] &= ~1; // claims raw labels, but the section has the RLE's size
  assert.throws(() => decodeBinaryMap(rawFlag), /labels section is \d+ bytes, expected 768/);
});

Deno.test("binary: sizes beyond the format throw RangeError", () => {
  const base: WireMap = {
    stream: "s",
    frame: 0,
    pts: 0,
    decodedAt: 0,
    width: 70_000,
    height: 1,
    labels: new Int32Array(70_000),
    loss: null,
    keyFrame: false,
  };
  assert.throws(() => prepareBinaryMap(base, false), RangeError);
  assert.throws(() => prepareBinaryMap(base, false), /labels width 70000/);
  const many = new Int32Array(70_000);
  for (let i = 0; i < many.length; i++) many[i] = i;
  assert.throws(
    () => prepareBinaryMap({ ...base, width: 700, height: 100, labels: many }, false),
    /more than 65535 distinct island ids/,
  );
  // 65535 distinct ids still fit.
  const max = many.subarray(0, 65535);
  const got = decodeBinaryMap(
    prepareBinaryMap({ ...base, width: 65535, height: 1, labels: max }, true)(1, 0),
  );
  assert.deepEqual(got.labels, max);
  assert.throws(() => prepareBinaryMap({ ...base, width: 3 }, false), /70000 labels for a 3x1/);
  assert.throws(
    () =>
      prepareBinaryMap({ ...base, width: 1, height: 1, labels: max.subarray(0, 1) }, false)(
        70_000,
        0,
      ),
    /sub/,
  );
});

Deno.test("base64 of large sections does not overflow the stack", () => {
  const big = bytes(3_000_000, 1);
  const m = { ...blockMap(4, 4, 2, 2, 1), frameJpeg: { width: 1, height: 1, data: big } };
  const got = jsonRoundTrip(m, 1, 0);
  assert.deepEqual(got.frameJpeg?.data, big);
});
