// @ts-check
/**
 * Client for the island-map WebSocket protocol (docs/protocol.md): decoders for JSON and binary
 * maps, and {@linkcode IslandsClient}, which multiplexes subscriptions over one socket.
 *
 * Plain JavaScript with JSDoc types so that browsers can load it as-is (no build step) and Deno
 * can import it with types. It uses only web APIs: WebSocket, TextDecoder, atob, DataView.
 *
 * @module
 */

/** The protocol version this client speaks (the server's `hello.protocol`). */
export const PROTOCOL_VERSION = 1;

/** Size of the binary map header in bytes. */
const HEADER_BYTES = 72;
const FLAG_RLE = 1;
const FLAG_U16 = 2;
const FLAG_KEY_FRAME = 4;

/**
 * Summary of one island, in grid cells.
 * @typedef {{id: number, area: number, bbox: [number, number, number, number],
 *   centroid: [number, number]}} IslandSummary
 */

/**
 * One decoded map. `labels` holds island ids (not table indices), `width * height`, row-major;
 * `islands` are summarised in the same units (area in labels, bbox and centroid in their cells).
 * @typedef {{stream?: string, sub: number, frame: number, pts: number, decodedAt: number,
 *   width: number, height: number, labels: Int32Array, islands?: IslandSummary[],
 *   loss: number | null, keyFrame: boolean, dropped: number,
 *   features?: {width: number, height: number, rgb: Uint8Array},
 *   frameJpeg?: {width: number, height: number, data: Uint8Array}}} IslandMap
 */

/**
 * A map as the server sends it in JSON, once parsed.
 * @typedef {{type: "islands", stream: string, sub: number, frame: number, pts: number,
 *   decodedAt: number, width: number, height: number, labels: number[],
 *   islands?: IslandSummary[], loss: number | null, keyFrame: boolean, dropped: number,
 *   features?: {width: number, height: number, rgb: string},
 *   frameJpeg?: {width: number, height: number, data: string}}} JsonMapMessage
 */

/**
 * Options of a subscription; omitted ones take the server's defaults.
 * @typedef {{format?: "json" | "binary", maxFps?: number,
 *   resolution?: "grid" | "frame" | "source" | {width: number, height: number},
 *   include?: ("islands" | "features" | "frame")[], frameSize?: {width: number, height: number},
 *   frameQuality?: number, rle?: boolean}} SubscribeOptions
 */

/**
 * What {@linkcode IslandsClient.subscribe} resolves with: the options in force, defaults filled.
 * @typedef {{stream: string, sub: number, options: SubscribeOptions}} Subscription
 */

/**
 * An "unsubscribed" the client did not ask for (e.g. `reason: "stream_removed"`).
 * @typedef {{stream: string, sub: number, reason: string}} UnsubscribedEvent
 */

/** A protocol error: a server "error" message, a closed socket, or a map that did not decode. */
export class IslandsError extends Error {
  /**
   * @param {string} code the server's error code (e.g. `stream_not_found`), or `closed`,
   *   `bad_map` (a map failed to decode), `protocol` (unexpected server behaviour)
   * @param {string} message
   * @param {string} [stream]
   */
  constructor(code, message, stream) {
    super(message);
    this.name = "IslandsError";
    /** @type {string} */
    this.code = code;
    /** @type {string | undefined} */
    this.stream = stream;
  }
}

/**
 * Decodes a binary map. The result has no `stream` (binary maps carry only `sub`).
 *
 * @param {ArrayBuffer | Uint8Array} buffer
 * @returns {IslandMap}
 * @throws {Error} on a bad magic or version, or a truncated or inconsistent buffer
 */
export function decodeBinaryMap(buffer) {
  const bytes = buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
  const len = bytes.length;
  if (len < HEADER_BYTES) {
    throw new Error(`binary map truncated: ${len} bytes, the header alone is ${HEADER_BYTES}`);
  }
  if (bytes[0] !== 0x49 || bytes[1] !== 0x53 || bytes[2] !== 0x4c || bytes[3] !== 0x31) {
    throw new Error("binary map: bad magic (expected ISL1)");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint8(4);
  if (version !== 1) throw new Error(`binary map: unsupported version ${version} (expected 1)`);
  const flags = dv.getUint8(5);
  const rle = (flags & FLAG_RLE) !== 0, wide = (flags & FLAG_U16) !== 0;
  const width = dv.getUint16(36, true), height = dv.getUint16(38, true);
  const n = dv.getUint16(40, true);
  const fw = dv.getUint16(42, true), fh = dv.getUint16(44, true);
  const jw = dv.getUint16(46, true), jh = dv.getUint16(48, true);
  const labelLen = dv.getUint32(52, true), islandLen = dv.getUint32(56, true);
  const rgbLen = dv.getUint32(60, true), jpegLen = dv.getUint32(64, true);
  const labelsAt = HEADER_BYTES + 4 * n;
  const islandsAt = labelsAt + labelLen;
  const rgbAt = islandsAt + islandLen;
  const jpegAt = rgbAt + rgbLen;
  const end = jpegAt + jpegLen;
  if (end > len) throw new Error(`binary map truncated: ${len} bytes, the header announces ${end}`);

  // Ids as Int32 like the server's labels (a u32 id above 2^31 - 1 reads back as negative).
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = dv.getUint32(HEADER_BYTES + 4 * i, true);
  const count = width * height;
  const labels = new Int32Array(count);
  const badIndex = (/** @type {number} */ k) =>
    new Error(`binary map: label index ${k} outside the ids table of ${n}`);
  if (rle) {
    const pair = wide ? 4 : 3;
    if (labelLen % pair !== 0) {
      throw new Error(
        `binary map: RLE labels of ${labelLen} bytes are not whole ${pair}-byte pairs`,
      );
    }
    let o = 0;
    for (let p = labelsAt; p < islandsAt; p += pair) {
      const run = bytes[p] | (bytes[p + 1] << 8);
      const k = wide ? bytes[p + 2] | (bytes[p + 3] << 8) : bytes[p + 2];
      if (k >= n) throw badIndex(k);
      if (run === 0 || o + run > count) {
        throw new Error(`binary map: RLE run of ${run} at label ${o} of ${count}`);
      }
      labels.fill(ids[k], o, o + run);
      o += run;
    }
    if (o !== count) throw new Error(`binary map: RLE labels cover ${o} of ${count} labels`);
  } else {
    const expected = count * (wide ? 2 : 1);
    if (labelLen !== expected) {
      throw new Error(`binary map: labels section is ${labelLen} bytes, expected ${expected}`);
    }
    for (let i = 0, p = labelsAt; i < count; i++) {
      let k;
      if (wide) {
        k = bytes[p] | (bytes[p + 1] << 8);
        p += 2;
      } else {
        k = bytes[p++];
      }
      if (k >= n) throw badIndex(k);
      labels[i] = ids[k];
    }
  }

  const loss = dv.getFloat32(32, true);
  /** @type {IslandMap} */
  const map = {
    sub: dv.getUint16(6, true),
    frame: dv.getUint32(8, true),
    pts: dv.getFloat64(16, true),
    decodedAt: dv.getFloat64(24, true),
    width,
    height,
    labels,
    loss: Number.isNaN(loss) ? null : loss,
    keyFrame: (flags & FLAG_KEY_FRAME) !== 0,
    dropped: dv.getUint32(12, true),
  };
  if (islandLen > 0) {
    const text = new TextDecoder().decode(bytes.subarray(islandsAt, rgbAt));
    map.islands = /** @type {IslandSummary[]} */ (JSON.parse(text));
  }
  if (fw !== 0 || fh !== 0 || rgbLen !== 0) {
    if (rgbLen !== fw * fh * 3) {
      throw new Error(`binary map: features section is ${rgbLen} bytes for ${fw}x${fh} RGB`);
    }
    map.features = { width: fw, height: fh, rgb: bytes.slice(rgbAt, jpegAt) };
  }
  if (jw !== 0 || jh !== 0 || jpegLen !== 0) {
    map.frameJpeg = { width: jw, height: jh, data: bytes.slice(jpegAt, end) };
  }
  return map;
}

/**
 * Decodes a parsed JSON map: labels become an Int32Array, base64 sections Uint8Arrays.
 *
 * @param {JsonMapMessage} message
 * @returns {IslandMap}
 */
export function decodeJsonMap(message) {
  if (message.type !== "islands") {
    throw new Error(`decodeJsonMap: message type ${JSON.stringify(message.type)} is not "islands"`);
  }
  const labels = Int32Array.from(message.labels);
  if (labels.length !== message.width * message.height) {
    throw new Error(
      `decodeJsonMap: ${labels.length} labels for a ${message.width}x${message.height} map`,
    );
  }
  /** @type {IslandMap} */
  const map = {
    stream: message.stream,
    sub: message.sub,
    frame: message.frame,
    pts: message.pts,
    decodedAt: message.decodedAt,
    width: message.width,
    height: message.height,
    labels,
    loss: message.loss ?? null,
    keyFrame: message.keyFrame,
    dropped: message.dropped,
  };
  if (message.islands) map.islands = message.islands;
  if (message.features) {
    const f = message.features;
    map.features = { width: f.width, height: f.height, rgb: base64ToBytes(f.rgb) };
  }
  if (message.frameJpeg) {
    const j = message.frameJpeg;
    map.frameJpeg = { width: j.width, height: j.height, data: base64ToBytes(j.data) };
  }
  return map;
}

/**
 * Decodes standard base64.
 *
 * @param {string} text
 * @returns {Uint8Array}
 */
function base64ToBytes(text) {
  // Native where available (Deno, recent browsers); atob otherwise.
  const native = /** @type {{fromBase64?: (s: string) => Uint8Array}} */ (
    /** @type {unknown} */ (Uint8Array)
  ).fromBase64;
  if (typeof native === "function") return native.call(Uint8Array, text);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * @typedef {{stream: string, sub: number, onMap: (map: IslandMap) => void}} ActiveSub
 * @typedef {{[key: string]: any}} ServerMessage
 * @typedef {{kind: "subscribe" | "unsubscribe" | "ping", stream?: string, id?: number,
 *   settle: (msg: ServerMessage) => void, reject: (err: Error) => void}} Pending
 */

/**
 * A socket to a `/v1/ws` endpoint carrying any number of subscriptions (the server allows 16).
 *
 * Requests are answered in order; a request's promise settles with the server's answer to it.
 * An "error" naming a stream rejects the oldest pending request for that stream; one naming no
 * stream rejects the oldest pending request, if any (the protocol has no request ids, and the
 * server answers in order); anything else goes to {@linkcode IslandsClient.onError}.
 */
export class IslandsClient {
  /** @type {WebSocket} */
  #ws;
  /** @type {Map<string, ActiveSub>} */
  #byStream = new Map();
  /** @type {Map<number, ActiveSub>} */
  #bySub = new Map();
  /** @type {Pending[]} */
  #pending = [];
  #nextPingId = 1;
  /** @type {Set<(err: IslandsError) => void>} */
  #errorCbs = new Set();
  /** @type {Set<(ev: UnsubscribedEvent) => void>} */
  #unsubscribedCbs = new Set();
  /** @type {Set<(code: number, reason: string) => void>} */
  #closeCbs = new Set();
  /** @type {{resolve: (c: IslandsClient) => void, reject: (e: Error) => void} | null} */
  #opening = null;
  /** @type {ServerMessage | null} */
  #hello = null;

  /**
   * Use {@linkcode IslandsClient.connect}.
   *
   * @param {WebSocket} ws
   */
  constructor(ws) {
    this.#ws = ws;
    ws.binaryType = "arraybuffer";
    ws.addEventListener("message", (ev) => this.#onMessage(ev));
    ws.addEventListener("error", (ev) => {
      // A "close" event follows. Browsers give no detail; Deno's ErrorEvent has a message.
      const detail = /** @type {{message?: unknown}} */ (ev).message;
      const text = `cannot connect to ${ws.url}` + (detail ? `: ${detail}` : "");
      this.#opening?.reject(new IslandsError("closed", text));
      this.#opening = null;
    });
    ws.addEventListener("close", (ev) => this.#onClose(ev.code, ev.reason));
  }

  /**
   * Opens a socket to a `/v1/ws` URL (`http(s)://` becomes `ws(s)://`) and resolves after the
   * server's "hello". A token goes in the `access_token` query parameter.
   *
   * @param {string | URL} url
   * @param {{token?: string, protocols?: string | string[]}} [opts]
   * @returns {Promise<IslandsClient>}
   */
  static connect(url, { token, protocols } = {}) {
    const base = typeof location === "undefined" ? undefined : location.href;
    const u = new URL(url, base);
    if (u.protocol === "http:") u.protocol = "ws:";
    else if (u.protocol === "https:") u.protocol = "wss:";
    if (token !== undefined) u.searchParams.set("access_token", token);
    return new Promise((resolve, reject) => {
      const client = new IslandsClient(new WebSocket(u.href, protocols));
      client.#opening = { resolve, reject };
    });
  }

  /** The server's "hello" message (`protocol`, `maxMessageBytes`), once connected. */
  get hello() {
    return this.#hello;
  }

  /**
   * Subscribes to `stream` (or replaces that subscription's options). Resolves with the server's
   * "subscribed" answer; rejects with an {@linkcode IslandsError} carrying the server's `code`
   * (e.g. `stream_not_found`). `onMap` then gets every map of the stream, JSON or binary.
   *
   * @param {string} stream
   * @param {SubscribeOptions} options
   * @param {(map: IslandMap) => void} onMap
   * @returns {Promise<Subscription>}
   */
  subscribe(stream, options, onMap) {
    return this.#request({ type: "subscribe", stream, ...options }, "subscribe", stream, (msg) => {
      const old = this.#byStream.get(stream);
      if (old) this.#bySub.delete(old.sub);
      const active = { stream, sub: /** @type {number} */ (msg.sub), onMap };
      this.#byStream.set(stream, active);
      this.#bySub.set(active.sub, active);
      return { stream, sub: active.sub, options: msg.options };
    });
  }

  /**
   * Ends the subscription to `stream`; resolves on the server's "unsubscribed".
   *
   * @param {string} stream
   * @returns {Promise<void>}
   */
  unsubscribe(stream) {
    return this.#request({ type: "unsubscribe", stream }, "unsubscribe", stream, () => {});
  }

  /**
   * An application-level round trip.
   *
   * @returns {Promise<number>} milliseconds from sending "ping" to receiving "pong"
   */
  ping() {
    const id = this.#nextPingId++;
    const start = performance.now();
    return this.#request(
      { type: "ping", id },
      "ping",
      undefined,
      () => performance.now() - start,
      id,
    );
  }

  /**
   * Calls `cb` with server "error" messages not tied to a pending request, and with maps that
   * failed to decode (code `bad_map`).
   *
   * @param {(err: IslandsError) => void} cb
   * @returns {() => void} removes the callback
   */
  onError(cb) {
    this.#errorCbs.add(cb);
    return () => this.#errorCbs.delete(cb);
  }

  /**
   * Calls `cb` when the server ends a subscription by itself (reason `stream_removed`).
   *
   * @param {(ev: UnsubscribedEvent) => void} cb
   * @returns {() => void} removes the callback
   */
  onUnsubscribed(cb) {
    this.#unsubscribedCbs.add(cb);
    return () => this.#unsubscribedCbs.delete(cb);
  }

  /**
   * Calls `cb` once the socket has closed (4008: too slow; 1001: server shutting down).
   *
   * @param {(code: number, reason: string) => void} cb
   * @returns {() => void} removes the callback
   */
  onClose(cb) {
    this.#closeCbs.add(cb);
    return () => this.#closeCbs.delete(cb);
  }

  /**
   * Closes the socket. Pending requests reject with code `closed`.
   *
   * @param {number} [code]
   * @param {string} [reason]
   */
  close(code, reason) {
    this.#ws.close(code, reason);
  }

  /**
   * Sends `msg` and queues a pending request that `answer` settles.
   *
   * @template T
   * @param {ServerMessage} msg
   * @param {Pending["kind"]} kind
   * @param {string | undefined} stream
   * @param {(answer: ServerMessage) => T} answer
   * @param {number} [id]
   * @returns {Promise<T>}
   */
  #request(msg, kind, stream, answer, id) {
    return new Promise((resolve, reject) => {
      if (this.#ws.readyState !== WebSocket.OPEN) {
        reject(new IslandsError("closed", `cannot ${kind}: the socket is not open`, stream));
        return;
      }
      this.#pending.push({ kind, stream, id, settle: (m) => resolve(answer(m)), reject });
      this.#ws.send(JSON.stringify(msg));
    });
  }

  /**
   * Removes and returns the oldest pending request that `pred` accepts.
   *
   * @param {(p: Pending) => boolean} pred
   * @returns {Pending | undefined}
   */
  #take(pred) {
    const i = this.#pending.findIndex(pred);
    return i < 0 ? undefined : this.#pending.splice(i, 1)[0];
  }

  /** @param {MessageEvent} ev */
  #onMessage(ev) {
    if (typeof ev.data !== "string") {
      /** @type {IslandMap} */
      let map;
      try {
        map = decodeBinaryMap(/** @type {ArrayBuffer} */ (ev.data));
      } catch (e) {
        this.#emitError(new IslandsError("bad_map", /** @type {Error} */ (e).message));
        return;
      }
      const active = this.#bySub.get(map.sub);
      if (!active) return; // a map still in flight when its subscription ended
      map.stream = active.stream;
      active.onMap(map);
      return;
    }
    /** @type {ServerMessage} */
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      this.#emitError(
        new IslandsError("protocol", "the server sent a text frame that is not JSON"),
      );
      return;
    }
    switch (msg.type) {
      case "islands": {
        const active = this.#byStream.get(msg.stream);
        if (!active) return;
        /** @type {IslandMap} */
        let map;
        try {
          map = decodeJsonMap(/** @type {JsonMapMessage} */ (msg));
        } catch (e) {
          this.#emitError(
            new IslandsError("bad_map", /** @type {Error} */ (e).message, msg.stream),
          );
          return;
        }
        active.onMap(map);
        return;
      }
      case "hello": {
        this.#hello = msg;
        const opening = this.#opening;
        this.#opening = null;
        if (!opening) return;
        if (msg.protocol !== PROTOCOL_VERSION) {
          opening.reject(
            new IslandsError(
              "protocol",
              `server speaks protocol ${msg.protocol}, this client ${PROTOCOL_VERSION}`,
            ),
          );
          this.#ws.close(1000, "unsupported protocol");
          return;
        }
        opening.resolve(this);
        return;
      }
      case "subscribed":
        this.#take((p) => p.kind === "subscribe" && p.stream === msg.stream)?.settle(msg);
        return;
      case "unsubscribed": {
        const active = this.#byStream.get(msg.stream);
        if (active && (msg.sub === undefined || msg.sub === active.sub)) {
          this.#byStream.delete(active.stream);
          this.#bySub.delete(active.sub);
        }
        this.#take((p) => p.kind === "unsubscribe" && p.stream === msg.stream)?.settle(msg);
        if (msg.reason !== "client") {
          const ev = { stream: msg.stream, sub: msg.sub, reason: msg.reason };
          for (const cb of this.#unsubscribedCbs) cb(ev);
        }
        return;
      }
      case "pong": {
        const p = this.#take((p) => p.kind === "ping" && (msg.id === undefined || p.id === msg.id));
        p?.settle(msg);
        return;
      }
      case "error": {
        const err = new IslandsError(String(msg.code), String(msg.message ?? msg.code), msg.stream);
        const p = msg.stream === undefined
          ? this.#take(() => true)
          : this.#take((p) => p.kind !== "ping" && p.stream === msg.stream);
        if (p) p.reject(err);
        else this.#emitError(err);
        return;
      }
      default:
        // Newer servers may add message types; ignoring them keeps old clients working.
        return;
    }
  }

  /** @param {IslandsError} err */
  #emitError(err) {
    for (const cb of this.#errorCbs) cb(err);
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  #onClose(code, reason) {
    const text = `socket closed (${code}${reason ? `: ${reason}` : ""})`;
    this.#opening?.reject(new IslandsError("closed", `${text} before hello`));
    this.#opening = null;
    const pending = this.#pending;
    this.#pending = [];
    for (const p of pending) p.reject(new IslandsError("closed", text, p.stream));
    this.#byStream.clear();
    this.#bySub.clear();
    for (const cb of this.#closeCbs) cb(code, reason);
  }
}
