import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import jpeg from "jpeg-js";
import { islandColor } from "../../src/client/palette.js";
import { encodeJpeg } from "../../src/server/image/jpeg.ts";
import {
  BOUNDARY_COLOR,
  drawColorField,
  drawIslandOverlay,
} from "../../src/server/image/overlay.ts";
import { encodePng } from "../../src/server/image/png.ts";
import { resizeRgb } from "../../src/server/image/resize.ts";

/** A smooth RGB test image with some texture. */
function testImage(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      rgb[o] = Math.round((255 * x) / Math.max(1, width - 1));
      rgb[o + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      rgb[o + 2] = Math.round(127.5 + 100 * Math.sin((x + 2 * y) / 9));
    }
  }
  return rgb;
}

/** Bitwise CRC-32, independent of the encoder's table. */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Decode an 8-bit RGB, non-interlaced PNG, checking its structure and every CRC. */
function decodePng(png: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const types: string[] = [];
  const idat: Uint8Array[] = [];
  let width = 0, height = 0;
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    assert.equal(view.getUint32(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)));
    types.push(type);
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      assert.deepEqual([...data.subarray(8)], [8, 2, 0, 0, 0]);
    } else if (type === "IDAT") idat.push(data);
    at += 12 + length;
  }
  assert.equal(types[0], "IHDR");
  assert.equal(types.at(-1), "IEND");
  const raw = inflateSync(new Uint8Array(idat.flatMap((d) => [...d])));
  const stride = width * 3;
  assert.equal(raw.length, (stride + 1) * height);
  const rgb = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const a = i >= 3 ? rgb[y * stride + i - 3] : 0;
      const b = y > 0 ? rgb[(y - 1) * stride + i] : 0;
      const c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c];
      assert.ok(filter <= 4, `row ${y}: filter type ${filter}`);
      rgb[y * stride + i] = raw[y * (stride + 1) + 1 + i] + predictor[filter];
    }
  }
  return { width, height, rgb };
}

Deno.test("encodePng round-trips exactly through a reference decoder", () => {
  for (const [w, h] of [[224, 224], [37, 5], [1, 1]]) {
    const rgb = testImage(w, h);
    // Noise in one corner, so that rows pick different filters.
    for (let i = 0; i < Math.min(rgb.length, 300); i++) rgb[i] = (i * 7919) % 251;
    const decoded = decodePng(encodePng(rgb, w, h));
    assert.equal(decoded.width, w);
    assert.equal(decoded.height, h);
    assert.deepEqual(decoded.rgb, rgb);
  }
});

Deno.test("encodePng rejects a size mismatch", () => {
  assert.throws(() => encodePng(new Uint8Array(10), 2, 2), RangeError);
  assert.throws(() => encodePng(new Uint8Array(0), 0, 0), RangeError);
});

Deno.test("encodeJpeg decodes back to the image within a tolerance", () => {
  const w = 64, h = 48, rgb = testImage(w, h);
  const decoded = jpeg.decode(encodeJpeg(rgb, w, h, 90), { useTArray: true });
  assert.equal(decoded.width, w);
  assert.equal(decoded.height, h);
  let sum = 0, max = 0;
  for (let p = 0; p < w * h; p++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(decoded.data[p * 4 + c] - rgb[p * 3 + c]);
      sum += d;
      max = Math.max(max, d);
    }
  }
  assert.ok(sum / (w * h * 3) < 3, `mean error ${sum / (w * h * 3)}`);
  assert.ok(max < 40, `max error ${max}`);
  assert.throws(() => encodeJpeg(rgb, w + 1, h), RangeError);
});

Deno.test("resizeRgb: exact identity, constant stays constant, exact 2x block shrink", () => {
  const rgb = testImage(31, 17);
  const same = resizeRgb(rgb, 31, 17, 31, 17);
  assert.deepEqual(same, rgb);
  assert.notEqual(same, rgb);

  const constant = new Uint8Array(20 * 10 * 3);
  for (let i = 0; i < constant.length; i += 3) constant.set([13, 200, 255], i);
  for (const [w, h] of [[64, 64], [7, 3], [640, 6], [5, 33], [1, 1]]) {
    const out = resizeRgb(constant, 20, 10, w, h);
    assert.equal(out.length, w * h * 3);
    for (let i = 0; i < out.length; i += 3) {
      assert.deepEqual([...out.subarray(i, i + 3)], [13, 200, 255]);
    }
  }

  const small = testImage(12, 9), blocks = new Uint8Array(24 * 18 * 3);
  for (let y = 0; y < 18; y++) {
    for (let x = 0; x < 24; x++) {
      blocks.set(
        small.subarray(((y >> 1) * 12 + (x >> 1)) * 3, ((y >> 1) * 12 + (x >> 1)) * 3 + 3),
        (y * 24 + x) * 3,
      );
    }
  }
  assert.deepEqual(resizeRgb(blocks, 24, 18, 12, 9), small);
});

Deno.test("resizeRgb enlarges smoothly and stays within the source range", () => {
  const rgb = testImage(224, 224);
  const big = resizeRgb(rgb, 224, 224, 640, 640);
  assert.equal(big.length, 640 * 640 * 3);
  // Red is a ramp across x: monotone along every row after a bilinear enlargement.
  for (let x = 1; x < 640; x++) assert.ok(big[(100 * 640 + x) * 3] >= big[(100 * 640 + x - 1) * 3]);
  assert.equal(big[0], 0);
  assert.equal(big[(640 - 1) * 3], 255);
  assert.throws(() => resizeRgb(rgb, 224, 223, 640, 640), RangeError);
});

Deno.test("islandColor: deterministic, 1000 distinct colours, adjacent ids far apart", () => {
  assert.deepEqual(islandColor(42), islandColor(42));
  const seen = new Set<string>();
  for (let id = 0; id < 1000; id++) {
    const c = islandColor(id);
    assert.ok(c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
    seen.add(c.join());
    if (id > 0) {
      const p = islandColor(id - 1);
      const d = Math.hypot(c[0] - p[0], c[1] - p[1], c[2] - p[2]);
      // Measured minimum: 232.
      assert.ok(d > 150, `ids ${id - 1} and ${id}: colours ${d.toFixed(1)} apart`);
    }
  }
  assert.equal(seen.size, 1000);
});

Deno.test("drawIslandOverlay with alpha 0 and no boundaries leaves the frame unchanged", () => {
  const rgb = testImage(50, 40);
  const labels = new Int32Array(10 * 8).map((_, i) => i % 3);
  const out = drawIslandOverlay(rgb, 50, 40, labels, 10, 8, { alpha: 0, boundaries: false });
  assert.deepEqual(out, rgb);
  assert.notEqual(out, rgb);
});

Deno.test("drawIslandOverlay blends colours and draws boundaries where labels change", () => {
  const w = 40, h = 30;
  const rgb = new Uint8Array(w * h * 3).fill(60);
  // Labels at a quarter of the image size: 1 in a block, 0 elsewhere.
  const labels = new Int32Array(10 * 8);
  for (let y = 2; y < 5; y++) for (let x = 3; x < 7; x++) labels[y * 10 + x] = 1;
  const labelAt = (x: number, y: number) =>
    labels[Math.floor(((y + 0.5) * 8) / h) * 10 + Math.floor(((x + 0.5) * 10) / w)];

  const edges = drawIslandOverlay(rgb, w, h, labels, 10, 8, { alpha: 0 });
  const blended = drawIslandOverlay(rgb, w, h, labels, 10, 8, { boundaries: false });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = labelAt(x, y), o = (y * w + x) * 3;
      const boundary = (x + 1 < w && labelAt(x + 1, y) !== l) ||
        (y + 1 < h && labelAt(x, y + 1) !== l);
      assert.deepEqual(
        [...edges.subarray(o, o + 3)],
        boundary ? [...BOUNDARY_COLOR] : [60, 60, 60],
      );
      const expected = islandColor(l).map((c) => Math.round(0.55 * 60 + 0.45 * c));
      assert.deepEqual(
        [...blended.subarray(o, o + 3)].map((v, c) => Math.abs(v - expected[c]) <= 1),
        [true, true, true],
      );
    }
  }
  assert.throws(() => drawIslandOverlay(rgb, w, h, labels, 10, 7), RangeError);
});

Deno.test("drawColorField paints a small field nearest-upscaled over the frame", () => {
  const colors = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]); // 2x2
  const rgb = testImage(6, 4);
  const out = drawColorField(rgb, 6, 4, colors, 2, 2);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 6; x++) {
      const cell = (y >> 1) * 2 + Math.floor(x / 3);
      assert.deepEqual([...out.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)], [
        ...colors.subarray(cell * 3, cell * 3 + 3),
      ]);
    }
  }
  assert.deepEqual(drawColorField(rgb, 6, 4, colors, 2, 2, { alpha: 0 }), rgb);
  assert.throws(() => drawColorField(rgb, 6, 4, colors, 3, 2), RangeError);
});
