/**
 * The binary wire form of an island map (docs/protocol.md, "A map as binary"): a 72-byte
 * little-endian header, then the ids table, labels (as u8/u16 indices into the ids table,
 * optionally run-length encoded), islands JSON, features RGB and the JPEG.
 *
 * @module
 */
import type { WireMap } from "./wire_json.ts";

export type { WireMap } from "./wire_json.ts";

/** Size of the fixed header in bytes. */
export const BINARY_HEADER_BYTES = 72;
/** Binary format version written at offset 4. */
export const BINARY_VERSION = 1;
/** Header flag: labels are run-length encoded. */
export const FLAG_RLE = 1;
/** Header flag: label indices are u16 (else u8). */
export const FLAG_U16 = 2;
/** Header flag: key frame. */
export const FLAG_KEY_FRAME = 4;

const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
const utf8 = new TextEncoder();

/**
 * Encodes `m` once and returns a function that, per subscriber, copies the bytes and writes
 * `sub` (u16 at offset 6) and `dropped` (u32 at offset 12, saturating) into the copy.
 *
 * @throws {RangeError} when a width or height exceeds 65535, the map has more than 65535
 * distinct island ids, or `labels` does not hold `width * height` values.
 */
export function prepareBinaryMap(
  m: WireMap,
  rle: boolean,
): (sub: number, dropped: number) => Uint8Array<ArrayBuffer> {
  const { width, height, labels } = m;
  checkU16("labels width", width);
  checkU16("labels height", height);
  if (labels.length !== width * height) {
    throw new RangeError(`prepareBinaryMap: ${labels.length} labels for a ${width}x${height} map`);
  }
  const fw = m.features?.width ?? 0, fh = m.features?.height ?? 0;
  const jw = m.frameJpeg?.width ?? 0, jh = m.frameJpeg?.height ?? 0;
  checkU16("features width", fw);
  checkU16("features height", fh);
  checkU16("JPEG width", jw);
  checkU16("JPEG height", jh);
  const rgb = m.features?.rgb;
  if (rgb && rgb.length !== fw * fh * 3) {
    throw new RangeError(`prepareBinaryMap: ${rgb.length} feature bytes for ${fw}x${fh} RGB`);
  }

  const { ids, indices } = indexLabels(labels);
  const n = ids.length;
  const wide = n > 256;
  const labelBytes = rle ? encodeRuns(indices, wide) : packIndices(indices, wide);
  const islandBytes = m.islands ? utf8.encode(JSON.stringify(m.islands)) : undefined;
  const jpeg = m.frameJpeg?.data;

  const islandLen = islandBytes?.length ?? 0,
    rgbLen = rgb?.length ?? 0,
    jpegLen = jpeg?.length ?? 0;
  const total = BINARY_HEADER_BYTES + 4 * n + labelBytes.length + islandLen + rgbLen + jpegLen;
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  buf.set([0x49, 0x53, 0x4c, 0x31], 0); // "ISL1"
  dv.setUint8(4, BINARY_VERSION);
  dv.setUint8(5, (rle ? FLAG_RLE : 0) | (wide ? FLAG_U16 : 0) | (m.keyFrame ? FLAG_KEY_FRAME : 0));
  // 6: sub and 12: dropped are written per subscriber.
  dv.setUint32(8, m.frame, true); // wraps modulo 2^32 (years of frames at 30 fps)
  dv.setFloat64(16, m.pts, true);
  dv.setFloat64(24, m.decodedAt, true);
  dv.setFloat32(32, m.loss !== null && Number.isFinite(m.loss) ? m.loss : NaN, true);
  dv.setUint16(36, width, true);
  dv.setUint16(38, height, true);
  dv.setUint16(40, n, true);
  dv.setUint16(42, fw, true);
  dv.setUint16(44, fh, true);
  dv.setUint16(46, jw, true);
  dv.setUint16(48, jh, true);
  dv.setUint32(52, labelBytes.length, true);
  dv.setUint32(56, islandLen, true);
  dv.setUint32(60, rgbLen, true);
  dv.setUint32(64, jpegLen, true);
  let p = BINARY_HEADER_BYTES;
  for (let i = 0; i < n; i++, p += 4) dv.setUint32(p, ids[i] >>> 0, true);
  buf.set(labelBytes, p);
  p += labelBytes.length;
  if (islandBytes) buf.set(islandBytes, p);
  p += islandLen;
  if (rgb) buf.set(rgb, p);
  p += rgbLen;
  if (jpeg) buf.set(jpeg, p);

  return (sub, dropped) => {
    if (!Number.isInteger(sub) || sub < 0 || sub > U16_MAX) {
      throw new RangeError(`prepareBinaryMap: sub ${sub} is not a u16`);
    }
    const d = dropped >= U32_MAX ? U32_MAX : dropped > 0 ? dropped >>> 0 : 0;
    const out = buf.slice();
    out[6] = sub & 0xff;
    out[7] = sub >>> 8;
    out[12] = d & 0xff;
    out[13] = (d >>> 8) & 0xff;
    out[14] = (d >>> 16) & 0xff;
    out[15] = d >>> 24;
    return out;
  };
}

function checkU16(what: string, v: number) {
  if (!Number.isInteger(v) || v < 0 || v > U16_MAX) {
    throw new RangeError(
      `prepareBinaryMap: ${what} ${v} does not fit the binary format (0..65535)`,
    );
  }
}

/**
 * The distinct ids of `labels` in order of first appearance, and each label's index into them.
 * Consecutive equal labels skip the map lookup, which makes blocky maps cheap.
 */
function indexLabels(labels: Int32Array): { ids: number[]; indices: Uint16Array } {
  const ids: number[] = [];
  const indexOf = new Map<number, number>();
  const indices = new Uint16Array(labels.length);
  let prev = 0, prevIndex = -1;
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i];
    if (id !== prev || prevIndex < 0) {
      let k = indexOf.get(id);
      if (k === undefined) {
        k = ids.length;
        if (k === U16_MAX) {
          throw new RangeError(
            `prepareBinaryMap: more than ${U16_MAX} distinct island ids in one map`,
          );
        }
        ids.push(id);
        indexOf.set(id, k);
      }
      prev = id;
      prevIndex = k;
    }
    indices[i] = prevIndex;
  }
  return { ids, indices };
}

/** Indices as raw u8 or little-endian u16. */
function packIndices(indices: Uint16Array, wide: boolean): Uint8Array {
  if (!wide) return new Uint8Array(indices); // indices < 256 here, so no truncation
  const out = new Uint8Array(indices.length * 2);
  for (let i = 0, p = 0; i < indices.length; i++, p += 2) {
    const v = indices[i];
    out[p] = v & 0xff;
    out[p + 1] = v >>> 8;
  }
  return out;
}

/** (u16 run length 1..65535, index as u8 or u16) pairs covering `indices` in order. */
function encodeRuns(indices: Uint16Array, wide: boolean): Uint8Array {
  const pair = wide ? 4 : 3;
  // Worst case: one pair per label.
  const out = new Uint8Array(indices.length * pair);
  let p = 0;
  for (let i = 0; i < indices.length;) {
    const v = indices[i];
    let j = i + 1;
    const end = Math.min(indices.length, i + U16_MAX);
    while (j < end && indices[j] === v) j++;
    const run = j - i;
    out[p] = run & 0xff;
    out[p + 1] = run >>> 8;
    out[p + 2] = v & 0xff;
    if (wide) out[p + 3] = v >>> 8;
    p += pair;
    i = j;
  }
  return out.slice(0, p);
}
