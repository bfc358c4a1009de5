/**
 * What a WebSocket client may send (docs/protocol.md), checked field by field. Anything else is a
 * ProtocolError whose code and message go back to that client alone.
 *
 * @module
 */

import type { LabelResolution } from "../islands/resample_labels.ts";

/** Largest client message, bytes. Subscriptions are small; anything bigger is a mistake. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024;
/**
 * Largest side of a label map or a frame JPEG sent to a subscriber: asked sizes above it are
 * refused; `"frame"` and `"source"` above it come scaled down to fit (aspect kept).
 */
export const MAX_OUTPUT_SIDE = 2048;

/** A subscription's options, defaults filled in. */
export interface SubscriptionOptions {
  format: "json" | "binary";
  /** At most this many maps a second (null: every map). */
  maxFps: number | null;
  /**
   * Labels at the map's own size ("grid": the engine's lattice), at the working frame the engine
   * saw ("frame"), at the source's own size ("source"), or at this size; see
   * `src/islands/resample_labels.ts`.
   */
  resolution: LabelResolution;
  include: Array<"islands" | "features" | "frame">;
  /** Size of the frame JPEG (null: the frame's own size). */
  frameSize: { width: number; height: number } | null;
  frameQuality: number;
  /** Binary only: run-length encode the labels. */
  rle: boolean;
}

/** A parsed client message. */
export type ClientMessage =
  | { type: "subscribe"; stream: string; options: SubscriptionOptions }
  | { type: "unsubscribe"; stream: string }
  | { type: "ping"; id: string | number | null };

/** Why a client message was refused; the code is the protocol's. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
  constructor(
    readonly code:
      | "bad_json"
      | "bad_message"
      | "message_too_large"
      | "binary_not_accepted"
      | "stream_not_found"
      | "too_many_subscriptions",
    message: string,
    readonly stream?: string,
  ) {
    super(message);
  }
}

/** The options a bare subscription gets (the first-light contract). */
export const DEFAULT_SUBSCRIPTION: Readonly<SubscriptionOptions> = Object.freeze({
  format: "json",
  maxFps: null,
  resolution: "grid",
  include: ["islands"] as SubscriptionOptions["include"],
  frameSize: null,
  frameQuality: 75,
  rle: false,
});

const SUBSCRIBE_FIELDS = new Set([
  "type",
  "stream",
  "format",
  "maxFps",
  "resolution",
  "include",
  "frameSize",
  "frameQuality",
  "rle",
]);
const INCLUDES = new Set(["islands", "features", "frame"]);

/** Parses one text message; throws a ProtocolError that says what is wrong. */
export function parseClientMessage(text: string): ClientMessage {
  if (utf8BytesOver(text, MAX_CLIENT_MESSAGE_BYTES)) {
    throw new ProtocolError(
      "message_too_large",
      `messages are at most ${MAX_CLIENT_MESSAGE_BYTES} bytes of UTF-8; this one has more`,
    );
  }
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    throw new ProtocolError("bad_json", 'a message must be one JSON object, e.g. {"type":"ping"}');
  }
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) {
    throw new ProtocolError("bad_json", 'a message must be a JSON object with a "type"');
  }
  const m = msg as Record<string, unknown>;
  try {
    return parseObject(m);
  } catch (err) {
    // Errors about a subscription name its stream, so a client can match them to its request.
    if (err instanceof ProtocolError && err.stream === undefined && typeof m.stream === "string") {
      throw new ProtocolError(err.code, err.message, m.stream.slice(0, 64));
    }
    throw err;
  }
}

function parseObject(m: Record<string, unknown>): ClientMessage {
  switch (m.type) {
    case "subscribe":
      return { type: "subscribe", stream: streamOf(m), options: subscribeOptions(m) };
    case "unsubscribe":
      onlyFields(m, new Set(["type", "stream"]));
      return { type: "unsubscribe", stream: streamOf(m) };
    case "ping": {
      onlyFields(m, new Set(["type", "id"]));
      const id = m.id ?? null;
      if (
        id !== null && !(typeof id === "number" && Number.isFinite(id)) &&
        !(typeof id === "string" && id.length <= 64)
      ) {
        throw bad('ping "id" must be a number or a string of at most 64 characters');
      }
      return { type: "ping", id: id as string | number | null };
    }
    default:
      throw bad(
        `unknown message type ${
          JSON.stringify(String(m.type)).slice(0, 40)
        }; use subscribe, unsubscribe or ping`,
      );
  }
}

function subscribeOptions(m: Record<string, unknown>): SubscriptionOptions {
  onlyFields(m, SUBSCRIBE_FIELDS);
  const o: SubscriptionOptions = {
    ...DEFAULT_SUBSCRIPTION,
    include: [...DEFAULT_SUBSCRIPTION.include],
  };
  if (m.format !== undefined) {
    if (m.format !== "json" && m.format !== "binary") {
      throw bad('"format" must be "json" or "binary"');
    }
    o.format = m.format;
  }
  if (m.maxFps !== undefined && m.maxFps !== null) {
    if (typeof m.maxFps !== "number" || !(m.maxFps > 0 && m.maxFps <= 120)) {
      throw bad('"maxFps" must be a number in (0, 120]');
    }
    o.maxFps = m.maxFps;
  }
  if (m.resolution === "grid" || m.resolution === "frame" || m.resolution === "source") {
    o.resolution = m.resolution;
  } else if (m.resolution !== undefined) {
    o.resolution = size(m.resolution, "resolution", '"grid", "frame", "source" or ');
  }
  if (m.include !== undefined) {
    if (!Array.isArray(m.include) || !m.include.every((x) => INCLUDES.has(x))) {
      throw bad('"include" must be a list of "islands", "features", "frame"');
    }
    o.include = [...new Set(m.include as SubscriptionOptions["include"])];
  }
  if (m.frameSize !== undefined && m.frameSize !== null) {
    o.frameSize = size(m.frameSize, "frameSize", "");
  }
  if (m.frameQuality !== undefined) {
    const q = m.frameQuality;
    if (typeof q !== "number" || !Number.isInteger(q) || q < 1 || q > 100) {
      throw bad('"frameQuality" must be an integer from 1 to 100');
    }
    o.frameQuality = q;
  }
  if (m.rle !== undefined) {
    if (typeof m.rle !== "boolean") throw bad('"rle" must be true or false');
    o.rle = m.rle;
  }
  return o;
}

function size(v: unknown, name: string, alt: string): { width: number; height: number } {
  const ok = (x: unknown) =>
    typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= MAX_OUTPUT_SIDE;
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const r = v as Record<string, unknown>;
    if (
      Object.keys(r).every((k) => k === "width" || k === "height") && ok(r.width) && ok(r.height)
    ) {
      return { width: r.width as number, height: r.height as number };
    }
  }
  throw bad(
    `"${name}" must be ${alt}{"width": W, "height": H} with integers 1..${MAX_OUTPUT_SIDE}`,
  );
}

function streamOf(m: Record<string, unknown>): string {
  if (typeof m.stream !== "string" || m.stream === "" || m.stream.length > 64) {
    throw bad('"stream" must be a stream id (GET /v1/streams lists them)');
  }
  return m.stream;
}

function onlyFields(m: Record<string, unknown>, allowed: Set<string>) {
  for (const key of Object.keys(m)) {
    if (!allowed.has(key)) {
      throw bad(
        `unknown field ${JSON.stringify(key.slice(0, 40))} in a ${m.type} message; allowed: ${
          [...allowed].join(", ")
        }`,
      );
    }
  }
}

function bad(message: string): ProtocolError {
  return new ProtocolError("bad_message", message);
}

/**
 * Whether `text` takes more than `limit` bytes as UTF-8 (what the client sent), counted without
 * encoding it and stopping past the limit: `text.length` counts UTF-16 units, so "€" (3 bytes)
 * would count one.
 */
function utf8BytesOver(text: string, limit: number): boolean {
  if (text.length > limit) return true; // every UTF-16 unit is at least one byte
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one code point of 4 bytes
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
