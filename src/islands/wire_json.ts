/**
 * The JSON wire form of an island map (docs/protocol.md, "A map as JSON"), and {@linkcode WireMap},
 * the map as the server holds it before any per-subscriber fields are added.
 *
 * @module
 */
import type { IslandSummary } from "./types.ts";

/** One map as it goes on the wire, before the per-subscriber fields `sub` and `dropped`. */
export interface WireMap {
  stream: string;
  /** Source frame index (counts frames the engine skipped). */
  frame: number;
  /** Presentation time, seconds. */
  pts: number;
  /** When the frame left the decoder, Unix ms. */
  decodedAt: number;
  width: number;
  height: number;
  /** `width * height` island ids, row-major. */
  labels: Int32Array;
  /** Island summaries, present when the subscription includes them. */
  islands?: IslandSummary[];
  /** Training loss on this frame; null (or a non-finite number) when there is none. */
  loss: number | null;
  /** The teacher ran on this frame. */
  keyFrame: boolean;
  /** PCA colours of the feature field, `width * height * 3` bytes. */
  features?: { width: number; height: number; rgb: Uint8Array };
  /** The frame as JPEG. */
  frameJpeg?: { width: number; height: number; data: Uint8Array };
}

/**
 * Serialises `m` once and returns a function that renders the final JSON text for one subscriber.
 * The labels, islands and base64 sections are built here; the returned function only splices in
 * `sub` and `dropped`, so one map shared by many subscribers costs one serialisation.
 */
export function prepareJsonMap(m: WireMap): (sub: number, dropped: number) => string {
  if (m.labels.length !== m.width * m.height) {
    throw new RangeError(
      `prepareJsonMap: ${m.labels.length} labels for a ${m.width}x${m.height} map`,
    );
  }
  const head = `{"type":"islands","stream":${JSON.stringify(m.stream)},"sub":`;
  // Int32Array#join is the fastest way to print many integers (about 6 ms for 640x480).
  let middle = `,"frame":${num(m.frame)},"pts":${num(m.pts)},"decodedAt":${num(m.decodedAt)}` +
    `,"width":${num(m.width)},"height":${num(m.height)},"labels":[${m.labels.join(",")}]`;
  if (m.islands) middle += `,"islands":${JSON.stringify(m.islands)}`;
  middle += `,"loss":${num(m.loss)},"keyFrame":${m.keyFrame ? "true" : "false"},"dropped":`;
  let tail = "";
  if (m.features) {
    const f = m.features;
    tail += `,"features":{"width":${num(f.width)},"height":${num(f.height)}` +
      `,"rgb":"${bytesToBase64(f.rgb)}"}`;
  }
  if (m.frameJpeg) {
    const j = m.frameJpeg;
    tail += `,"frameJpeg":{"width":${num(j.width)},"height":${num(j.height)}` +
      `,"data":"${bytesToBase64(j.data)}"}`;
  }
  tail += "}";
  return (sub, dropped) => head + sub + middle + dropped + tail;
}

/** A number as JSON; null for null and non-finite values (JSON has no NaN). */
function num(x: number | null): string {
  return x !== null && Number.isFinite(x) ? String(x) : "null";
}

const CHUNK = 0x8000;

/** Standard base64 of `bytes`, without spreading a large array into one call. */
export function bytesToBase64(bytes: Uint8Array): string {
  // Native where the runtime has it (Deno, recent browsers): several times faster than btoa.
  const native = (bytes as { toBase64?: () => string }).toBase64;
  if (typeof native === "function") return native.call(bytes);
  let bin = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return btoa(bin);
}
