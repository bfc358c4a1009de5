/**
 * Minimal PNG encoder for 8-bit RGB frames: one IHDR, one zlib-deflated IDAT, IEND.
 *
 * @module
 */

import { deflateSync } from "node:zlib";

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** CRC-32 (IEEE, reflected 0xEDB88320) lookup table, as the PNG chunk CRC needs. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes[start..end)`. */
function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Absolute value of a byte difference read as signed, the usual "minimum sum" heuristic. */
function signedAbs(v: number): number {
  v &= 0xff;
  return v < 128 ? v : 256 - v;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** PNG filter types tried per row: None, Sub, Up, Paeth (Average rarely wins on frames). */
const FILTERS = [0, 1, 2, 4];

/**
 * Filter each scanline (into `out`, one filter-type byte per row then the row), choosing per row
 * among {@linkcode FILTERS} by the smallest sum of absolute signed residuals: camera frames
 * deflate far better filtered, and the heuristic is the one libpng uses.
 */
function filterRows(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const stride = width * 3;
  const out = new Uint8Array((stride + 1) * height);
  const candidate = new Uint8Array(stride);
  const best = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = y * stride, prev = row - stride;
    let bestType = 0, bestCost = Infinity;
    for (const type of FILTERS) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const x = rgb[row + i];
        const a = i >= 3 ? rgb[row + i - 3] : 0;
        const b = y > 0 ? rgb[prev + i] : 0;
        const c = i >= 3 && y > 0 ? rgb[prev + i - 3] : 0;
        const predicted = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : paeth(a, b, c);
        const r = (x - predicted) & 0xff;
        candidate[i] = r;
        cost += signedAbs(r);
      }
      if (cost < bestCost) {
        bestCost = cost;
        bestType = type;
        best.set(candidate);
      }
    }
    out[y * (stride + 1)] = bestType;
    out.set(best, y * (stride + 1) + 1);
  }
  return out;
}

/**
 * Encode an 8-bit RGB image (`width * height * 3` bytes, row-major) as a PNG file.
 *
 * @throws {RangeError} if `rgb.length` is not `width * height * 3` or a size is not positive.
 */
export function encodePng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`encodePng: size ${width}x${height} must be positive integers`);
  }
  const need = width * height * 3;
  if (rgb.length !== need) {
    throw new RangeError(
      `encodePng: ${rgb.length} bytes for a ${width}x${height} RGB image; need ${need}`,
    );
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour RGB
  // Bytes 10..12 (compression, filter method, interlace) are all 0.
  const idat = deflateSync(filterRows(rgb, width, height), { level: 6 });
  const chunks: [string, Uint8Array][] = [
    ["IHDR", ihdr],
    ["IDAT", new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength)],
    ["IEND", new Uint8Array(0)],
  ];
  let size = SIGNATURE.length;
  for (const [, data] of chunks) size += 12 + data.length;
  const png = new Uint8Array(size);
  const out = new DataView(png.buffer);
  png.set(SIGNATURE, 0);
  let at = SIGNATURE.length;
  for (const [type, data] of chunks) {
    out.setUint32(at, data.length);
    for (let i = 0; i < 4; i++) png[at + 4 + i] = type.charCodeAt(i);
    png.set(data, at + 8);
    // The CRC covers the chunk type and data, not the length.
    out.setUint32(at + 8 + data.length, crc32(png, at + 4, at + 8 + data.length));
    at += 12 + data.length;
  }
  return png;
}
