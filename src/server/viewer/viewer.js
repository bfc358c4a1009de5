// @ts-check
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The live viewer served at `/`: lists the streams, subscribes to the selected one over
 * `/v1/ws` (binary, RLE labels, with islands, features and the JPEG frame), draws the frame on
 * a base canvas and the island map (or the feature colours) on the `#overlay` canvas above it,
 * and shows live statistics.
 *
 * Geometry: labels and the JPEG are asked at one size, the stream's working frame scaled to
 * {@linkcode displaySize} (its aspect kept), so both canvases hold the same pixels; the stage
 * takes the maps' aspect (a CSS custom property), so a 16:9 camera shows at 16:9 with its
 * islands on the picture. The size comes from the stream's status (`geometry.frame`); the viewer
 * subscribes once it is known and again if it changes (a new source).
 *
 * Plain ES module, no build step. The page's CSP forbids inline scripts and styles, so all
 * styling goes through classes in viewer.css.
 *
 * @module
 */

// Served as /viewer/viewer.js, so "../../client/..." resolves to /client/... in the browser
// (a URL cannot climb above the root), and to src/client/... on disk for `deno check`.
import { IslandsClient } from "../../client/islands_client.js";
import { islandColor } from "../../client/palette.js";

/**
 * @typedef {import("../../client/islands_client.js").IslandMap} IslandMap
 * @typedef {import("../../client/islands_client.js").SubscribeOptions} SubscribeOptions
 * @typedef {{width: number, height: number}} Size
 * @typedef {{source: Size, frame: Size, grid: Size, lattice: Size}} Geometry
 * @typedef {{id: string, state: string, fpsOut?: number, fpsIn?: number, error?: string | null,
 *   engine?: {backend?: unknown, teacher?: string, grid?: Size} | null,
 *   geometry?: Geometry | null, sourceState?: string | null, sourceError?: string | null,
 *   loss?: number | null, islands?: number, [key: string]: unknown}} StreamStatus
 * @typedef {"islands" | "features" | "none"} ViewMode
 */

/** What the viewer asks for, besides the size: binary RLE maps with the JPEG frame. */
/** @type {SubscribeOptions} */
const SUBSCRIBE_OPTIONS = {
  format: "binary",
  rle: true,
  include: ["islands", "features", "frame"],
};
/** Long side of the shown maps, px: at least this (small frames are upsampled edge-aware)... */
const DISPLAY_MIN_LONG = 448;
/** ...and at most this (a 4K camera's labels would be far more than a screen shows). */
const DISPLAY_MAX_LONG = 640;
const TOKEN_KEY = "islands.token";
const REFRESH_MS = 2000;
const RECONNECT_MS = 3000;
/** Alpha of an island's fill; boundaries are opaque. */
const FILL_ALPHA = Math.round(0.45 * 255);
/** Alpha of the feature colours: mostly opaque, with a hint of the frame to orient by. */
const FEATURE_ALPHA = 0.85;
/** Boundary colour (opaque). */
const BOUNDARY = [255, 255, 255];
const LOSS_HISTORY = 200;
const RATE_WINDOW_MS = 2000;

// ---------------------------------------------------------------------------------------------
// DOM

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new (...args: any[]) => T} type
 * @returns {T}
 */
function el(id, type) {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`viewer: #${id} is missing or not a ${type.name}`);
  return node;
}

const ui = {
  streams: el("streams", HTMLUListElement),
  streamsEmpty: el("streams-empty", HTMLElement),
  streamTitle: el("stream-title", HTMLElement),
  conn: el("conn", HTMLElement),
  message: el("message", HTMLElement),
  auth: el("auth", HTMLFormElement),
  authReason: el("auth-reason", HTMLElement),
  token: el("token", HTMLInputElement),
  tokenClear: el("token-clear", HTMLButtonElement),
  stage: el("stage", HTMLElement),
  frame: el("frame", HTMLCanvasElement),
  overlay: el("overlay", HTMLCanvasElement),
  stageNote: el("stage-note", HTMLElement),
  boundaries: el("boundaries", HTMLInputElement),
  smooth: el("smooth", HTMLInputElement),
  lossCurve: el("loss-curve", HTMLCanvasElement),
  stat: {
    rate: el("stat-rate", HTMLElement),
    fps: el("stat-fps", HTMLElement),
    dropped: el("stat-dropped", HTMLElement),
    latency: el("stat-latency", HTMLElement),
    backend: el("stat-backend", HTMLElement),
    size: el("stat-size", HTMLElement),
    islands: el("stat-islands", HTMLElement),
    frame: el("stat-frame", HTMLElement),
    loss: el("stat-loss", HTMLElement),
  },
};

/**
 * @param {HTMLCanvasElement} canvas
 * @returns {CanvasRenderingContext2D}
 */
function context2d(canvas) {
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("viewer: no 2D canvas context");
  return ctx;
}

const frameCtx = context2d(ui.frame);
const overlayCtx = context2d(ui.overlay);
const lossCtx = context2d(ui.lossCurve);

// ---------------------------------------------------------------------------------------------
// State

const state = {
  /** @type {string | null} */
  token: null,
  /** @type {StreamStatus[]} */
  streams: [],
  /** @type {string | null} */
  selected: null,
  /** The stream the socket is subscribed to (or subscribing to). @type {string | null} */
  subscribed: null,
  /** The size that subscription asked for, `WxH`. @type {string | null} */
  subscribedSize: null,
  /** @type {IslandsClient | null} */
  client: null,
  connecting: false,
  /** @type {ReturnType<typeof setTimeout> | null} */
  reconnectTimer: null,
  /** Set while the API answers 401/403: no polling or connecting until a token is given. */
  needToken: false,
  /** @type {ViewMode} */
  view: "islands",
  /** Maps drawn on the overlay (mirrored to its `data-maps`). */
  mapsDrawn: 0,
  /** Arrival times of recent maps (performance.now()), for maps/s. @type {number[]} */
  arrivals: [],
  /** @type {number[]} */
  losses: [],
  /** The newest map not drawn yet. @type {IslandMap | null} */
  pending: null,
  drawing: false,
  /** The last map drawn, for redrawing when the view changes. @type {IslandMap | null} */
  shown: null,
  /** @type {ImageBitmap | null} */
  shownBitmap: null,
};

// ---------------------------------------------------------------------------------------------
// Messages and connection badge

/** @type {ReturnType<typeof setTimeout> | null} */
let messageTimer = null;
/** How long an info message stays, ms (errors stay until cleared or replaced). */
const INFO_MS = 8000;

/**
 * @param {string} text
 * @param {"error" | "info"} [kind]
 */
function showMessage(text, kind = "error") {
  ui.message.textContent = text;
  ui.message.classList.remove("hidden", "message-error", "message-info");
  ui.message.classList.add(kind === "error" ? "message-error" : "message-info");
  if (messageTimer !== null) clearTimeout(messageTimer);
  messageTimer = kind === "info" ? setTimeout(() => clearMessage(), INFO_MS) : null;
}

/** Hides the message; with `onlyErrors`, an info message stays. */
function clearMessage(onlyErrors = false) {
  if (onlyErrors && ui.message.classList.contains("message-info")) return;
  if (messageTimer !== null) clearTimeout(messageTimer);
  messageTimer = null;
  ui.message.textContent = "";
  ui.message.classList.add("hidden");
}

/**
 * @param {"idle" | "open" | "closed"} kind
 * @param {string} text
 */
function setConn(kind, text) {
  ui.conn.textContent = text;
  ui.conn.classList.remove("conn-idle", "conn-open", "conn-closed");
  ui.conn.classList.add(`conn-${kind}`);
}

// ---------------------------------------------------------------------------------------------
// Auth and the REST API

/** Takes a `#token=...` from the address (then removes it) or the session's stored token. */
function loadToken() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromHash = hash.get("token");
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    hash.delete("token");
    const rest = hash.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  state.token = sessionStorage.getItem(TOKEN_KEY) || null;
}

/** An API answer that asks for a (different) token. */
class AuthRequired extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * GETs a JSON API path with the token, if any.
 *
 * @param {string} path
 * @returns {Promise<any>}
 * @throws {AuthRequired} on 401 or 403
 */
async function api(path) {
  /** @type {Record<string, string>} */
  const headers = { accept: "application/json" };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  const res = await fetch(path, { headers, cache: "no-store" });
  /** @type {any} */
  let body = null;
  try {
    body = await res.json();
  } catch { /* not JSON */ }
  if (res.status === 401 || res.status === 403) {
    throw new AuthRequired(res.status, body?.message ?? `HTTP ${res.status}`);
  }
  if (!res.ok) {
    const err = new Error(body?.message ?? `${path}: HTTP ${res.status}`);
    /** @type {any} */ (err).status = res.status;
    throw err;
  }
  return body;
}

/** @param {AuthRequired} err */
function askForToken(err) {
  state.needToken = true;
  ui.authReason.textContent = state.token
    ? `The token was refused (${err.status}): ${err.message}`
    : "This server requires an access token.";
  ui.auth.classList.remove("hidden");
  setConn("closed", "token needed");
  dropClient();
}

ui.auth.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const token = ui.token.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  state.token = token;
  ui.token.value = "";
  ui.auth.classList.add("hidden");
  state.needToken = false;
  clearMessage();
  void refresh();
});

ui.tokenClear.addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  ui.token.value = "";
  void refresh();
});

// ---------------------------------------------------------------------------------------------
// Streams list

/** Polls the stream list and the selected stream's details. */
async function refresh() {
  let list;
  try {
    list = await api("/v1/streams");
  } catch (e) {
    if (e instanceof AuthRequired) askForToken(e);
    else if (e instanceof TypeError) {
      // fetch() rejects with a TypeError when the server cannot be reached at all.
      showMessage(`Cannot reach the server (${e.message}); retrying every ${REFRESH_MS / 1000} s`);
    } else showMessage(`Cannot list streams: ${errorText(e)}`);
    ui.streams.classList.add("stale");
    return;
  }
  ui.streams.classList.remove("stale");
  if (state.needToken) {
    state.needToken = false;
    ui.auth.classList.add("hidden");
  }
  /** @type {StreamStatus[]} */
  const streams = Array.isArray(list?.streams) ? list.streams : [];
  state.streams = streams;
  if (!state.selected || !streams.some((s) => s.id === state.selected)) {
    state.selected = streams[0]?.id ?? null;
  }
  renderStreams();
  ensureSubscription();
  if (state.selected) await refreshDetail(state.selected);
}

/** @param {string} id */
async function refreshDetail(id) {
  try {
    const detail = await api(`/v1/streams/${encodeURIComponent(id)}`);
    if (id !== state.selected) return;
    showDetail(detail);
  } catch (e) {
    if (e instanceof AuthRequired) askForToken(e);
    else if (/** @type {any} */ (e)?.status !== 404) {
      showMessage(`Cannot read stream ${id}: ${errorText(e)}`);
    }
  }
}

/** @param {StreamStatus} detail */
function showDetail(detail) {
  const g = detail.geometry;
  ui.stat.size.textContent = g
    ? `${g.frame.width}x${g.frame.height} · ${g.grid.width}x${g.grid.height}`
    : "—";
  ui.stat.size.title = g
    ? `source ${g.source.width}x${g.source.height}, working frame ${g.frame.width}x` +
      `${g.frame.height}, APM grid ${g.grid.width}x${g.grid.height}, island map ` +
      `${g.lattice.width}x${g.lattice.height}`
    : "";
  ui.stat.fps.textContent = typeof detail.fpsOut === "number"
    ? `${detail.fpsOut.toFixed(1)} (in ${(detail.fpsIn ?? 0).toFixed(1)})`
    : "—";
  const backend = describeBackend(detail.engine);
  ui.stat.backend.textContent = backend.text;
  ui.stat.backend.title = backend.title;
  if (detail.state === "failed" && detail.error) {
    showMessage(`Stream ${detail.id} failed: ${detail.error}`);
  }
}

/**
 * A readable backend line from the status's `engine`, whatever shape it has.
 *
 * @param {unknown} engine
 * @returns {{text: string, title: string}}
 */
function describeBackend(engine) {
  if (!engine || typeof engine !== "object") return { text: "— (starting)", title: "" };
  const e = /** @type {Record<string, unknown>} */ (engine);
  const b = e.backend;
  let name = "?";
  let title = "";
  if (typeof b === "string") name = b;
  else if (b && typeof b === "object") {
    const bo = /** @type {Record<string, unknown>} */ (b);
    name = String(bo.name ?? bo.kind ?? "?");
    if (typeof bo.reason === "string") title = bo.reason;
    const adapter = /** @type {Record<string, unknown> | undefined} */ (bo.adapter);
    if (adapter && typeof adapter.description === "string" && name === "webgpu") {
      name += ` · ${adapter.description}`;
    }
  }
  const extra = [];
  if (typeof e.teacher === "string") extra.push(`teacher ${e.teacher}`);
  const grid = /** @type {Partial<Size> | undefined} */ (e.grid);
  if (grid && typeof grid.width === "number") extra.push(`grid ${grid.width}x${grid.height}`);
  return {
    text: name,
    title: [title, extra.join(", ")].filter(Boolean).join("\n"),
  };
}

function renderStreams() {
  ui.streams.replaceChildren(
    ...state.streams.map((s) => {
      const li = document.createElement("li");
      li.dataset.stream = s.id;
      li.classList.toggle("selected", s.id === state.selected);
      li.title = s.error ? `${s.id}: ${s.error}` : `${s.id} (${s.state})`;
      const name = document.createElement("span");
      name.className = "stream-id";
      name.textContent = s.id;
      const badge = document.createElement("span");
      badge.className = `state state-${s.state}`;
      badge.textContent = s.state === "running" && typeof s.fpsOut === "number"
        ? `${s.state} · ${s.fpsOut.toFixed(1)} fps`
        : s.state;
      li.append(name, badge);
      li.addEventListener("click", () => select(s.id));
      return li;
    }),
  );
  ui.streamsEmpty.classList.toggle("hidden", state.streams.length > 0);
  ui.streamTitle.textContent = state.selected ?? "no stream selected";
}

/** @param {string} id */
function select(id) {
  if (id === state.selected) return;
  state.selected = id;
  resetLive();
  renderStreams();
  ensureSubscription();
  void refreshDetail(id);
}

/** Clears what belongs to the previous stream. */
function resetLive() {
  state.losses = [];
  state.arrivals = [];
  state.pending = null;
  state.shown = null;
  state.shownBitmap?.close();
  state.shownBitmap = null;
  frameCtx.clearRect(0, 0, ui.frame.width, ui.frame.height);
  overlayCtx.clearRect(0, 0, ui.overlay.width, ui.overlay.height);
  ui.stageNote.textContent = "waiting for maps…";
  ui.stageNote.classList.remove("hidden");
  for (const key of /** @type {(keyof typeof ui.stat)[]} */ (Object.keys(ui.stat))) {
    if (key !== "backend" && key !== "fps" && key !== "size") ui.stat[key].textContent = "—";
  }
  drawLossCurve();
}

// ---------------------------------------------------------------------------------------------
// WebSocket

/**
 * The size maps of a `width x height` working frame are shown at: its aspect, the long side
 * within [{@linkcode DISPLAY_MIN_LONG}, {@linkcode DISPLAY_MAX_LONG}].
 *
 * @param {number} width
 * @param {number} height
 * @returns {Size}
 */
function displaySize(width, height) {
  const long = Math.max(width, height);
  const target = Math.min(DISPLAY_MAX_LONG, Math.max(DISPLAY_MIN_LONG, long));
  const scale = target / long;
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** Marks what the socket is subscribed to (null: nothing). */
function setSubscribed(/** @type {string | null} */ stream, /** @type {string | null} */ size) {
  state.subscribed = stream;
  state.subscribedSize = stream ? size : null;
}

/** Connects (if needed) and subscribes to the selected stream (if not already, at its size). */
function ensureSubscription() {
  if (state.needToken) return;
  if (!state.client) {
    // While a reconnect is scheduled, wait for it rather than hammering the server.
    if (state.reconnectTimer === null) void connect();
    return;
  }
  const client = state.client;
  const want = state.selected;
  const frame = state.streams.find((s) => s.id === want)?.geometry?.frame;
  const size = frame ? displaySize(frame.width, frame.height) : null;
  const sizeKey = size ? `${size.width}x${size.height}` : null;
  if (want === state.subscribed && (sizeKey === state.subscribedSize || !sizeKey)) return;
  const previous = state.subscribed;
  if (previous && previous !== want) {
    client.unsubscribe(previous).catch(() => {/* gone already */});
    setSubscribed(null, null);
  }
  if (!want) return;
  if (!size) {
    // Its source has not been probed yet (a camera still down): nothing to size the maps by.
    const waiting = state.streams.find((s) => s.id === want);
    ui.stageNote.textContent = waiting?.sourceError
      ? `waiting for the source: ${waiting.sourceError}`
      : "waiting for the stream's source…";
    ui.stageNote.classList.remove("hidden");
    return;
  }
  // Subscribing again to the same stream replaces the options and keeps the subscription.
  setSubscribed(want, sizeKey);
  /** @type {SubscribeOptions} */
  const options = { ...SUBSCRIBE_OPTIONS, resolution: size, frameSize: size };
  client.subscribe(want, options, (map) => onMap(want, map)).then(
    () => {
      if (state.selected === want) clearMessage(true);
    },
    (e) => {
      if (state.subscribed === want) setSubscribed(null, null);
      if (client !== state.client) return;
      showMessage(`Cannot subscribe to ${want}: ${errorText(e)}`);
    },
  );
}

async function connect() {
  if (state.connecting || state.client || state.needToken) return;
  if (state.reconnectTimer !== null) {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
  }
  state.connecting = true;
  setConn("idle", "connecting…");
  /** @type {IslandsClient} */
  let client;
  try {
    client = await IslandsClient.connect("/v1/ws", { token: state.token ?? undefined });
  } catch (e) {
    state.connecting = false;
    setConn("closed", "disconnected");
    showMessage(`Cannot connect: ${errorText(e)}; retrying in ${RECONNECT_MS / 1000} s`);
    // A refused socket may mean a token is needed: the next refresh of the list finds out.
    scheduleReconnect();
    return;
  }
  state.connecting = false;
  if (state.needToken) {
    client.close(1000, "token needed");
    return;
  }
  state.client = client;
  setSubscribed(null, null);
  setConn("open", "live");
  client.onClose((code, reason) => {
    if (state.client !== client) return;
    state.client = null;
    setSubscribed(null, null);
    setConn("closed", `closed (${code})`);
    const why = code === 4008
      ? "the server closed the socket: this viewer was too slow"
      : code === 1001
      ? "the server is shutting down"
      : `the socket closed (code ${code}${reason ? `: ${reason}` : ""})`;
    showMessage(`Disconnected: ${why}; reconnecting in ${RECONNECT_MS / 1000} s`);
    ui.stageNote.textContent = "disconnected";
    ui.stageNote.classList.remove("hidden");
    scheduleReconnect();
  });
  client.onUnsubscribed((ev) => {
    if (state.client !== client) return;
    if (state.subscribed === ev.stream) setSubscribed(null, null);
    const text = ev.reason === "stream_removed"
      ? `Stream ${ev.stream} was deleted.`
      : `The server ended the subscription to ${ev.stream} (${ev.reason}).`;
    showMessage(text, "info");
    if (state.selected === ev.stream) {
      state.selected = null;
      resetLive();
      ui.stageNote.textContent = text;
      void refresh();
    }
  });
  client.onError((err) => {
    if (state.client !== client) return;
    showMessage(`Server error (${err.code}): ${err.message}`);
  });
  ensureSubscription();
}

function scheduleReconnect() {
  if (state.reconnectTimer !== null) return;
  state.reconnectTimer = setTimeout(() => {
    state.reconnectTimer = null;
    void connect();
  }, RECONNECT_MS);
}

/** Closes the socket without scheduling a reconnect (e.g. while a token is missing). */
function dropClient() {
  const client = state.client;
  state.client = null;
  setSubscribed(null, null);
  if (state.reconnectTimer !== null) {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
  }
  client?.close(1000, "viewer");
}

// ---------------------------------------------------------------------------------------------
// Maps

/**
 * @param {string} stream
 * @param {IslandMap} map
 */
function onMap(stream, map) {
  if (stream !== state.selected) return;
  const now = performance.now();
  state.arrivals.push(now);
  while (state.arrivals.length > 0 && state.arrivals[0] < now - RATE_WINDOW_MS) {
    state.arrivals.shift();
  }
  if (map.loss !== null && Number.isFinite(map.loss)) {
    state.losses.push(map.loss);
    if (state.losses.length > LOSS_HISTORY) state.losses.shift();
  }
  updateStats(map);
  state.pending = map;
  if (!state.drawing) void drawLoop();
}

/** @param {IslandMap} map */
function updateStats(map) {
  const span = state.arrivals.length > 1
    ? state.arrivals[state.arrivals.length - 1] - state.arrivals[0]
    : 0;
  ui.stat.rate.textContent = span > 0
    ? ((state.arrivals.length - 1) * 1000 / span).toFixed(1)
    : "—";
  ui.stat.dropped.textContent = String(map.dropped);
  ui.stat.latency.textContent = `${Math.max(0, Date.now() - map.decodedAt).toFixed(0)} ms`;
  ui.stat.islands.textContent = map.islands ? String(map.islands.length) : "—";
  ui.stat.frame.textContent = `#${map.frame}${map.keyFrame ? " (key)" : ""}`;
  ui.stat.loss.textContent = map.loss === null ? "—" : formatLoss(map.loss);
  drawLossCurve();
}

/** Draws the newest pending map; maps that arrive meanwhile replace each other. */
async function drawLoop() {
  state.drawing = true;
  try {
    while (state.pending) {
      const map = state.pending;
      state.pending = null;
      /** @type {ImageBitmap | null} */
      let bitmap = null;
      if (map.frameJpeg && map.frameJpeg.data.length > 0) {
        try {
          const blob = new Blob([/** @type {BlobPart} */ (map.frameJpeg.data)], {
            type: "image/jpeg",
          });
          bitmap = await createImageBitmap(blob);
        } catch (e) {
          showMessage(`Cannot decode a frame: ${errorText(e)}`);
        }
      }
      if (map.stream !== undefined && map.stream !== state.selected) {
        bitmap?.close();
        continue;
      }
      state.shownBitmap?.close();
      state.shownBitmap = bitmap;
      state.shown = map;
      render();
      state.mapsDrawn++;
      // What is on screen, for scripts (and the browser tests): maps drawn, and the frame shown.
      ui.overlay.dataset.maps = String(state.mapsDrawn);
      ui.overlay.dataset.frame = String(map.frame);
    }
  } finally {
    state.drawing = false;
  }
}

/** Draws the shown frame and map in the current view mode (also on a change of view). */
function render() {
  const map = state.shown;
  if (!map) return;
  const bitmap = state.shownBitmap;
  // The stage takes the map's aspect; both canvases fill it, so their pixels coincide.
  ui.stage.style.setProperty("--aspect", String(map.width / map.height));
  if (bitmap) {
    sizeCanvas(ui.frame, bitmap.width, bitmap.height);
    frameCtx.drawImage(bitmap, 0, 0);
  }
  if (state.view === "islands") drawIslands(map);
  else if (state.view === "features") drawFeatures(map);
  else overlayCtx.clearRect(0, 0, ui.overlay.width, ui.overlay.height);
  ui.stageNote.classList.add("hidden");
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {number} width
 * @param {number} height
 */
function sizeCanvas(canvas, width, height) {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}

/** @type {Map<number, [number, number, number]>} */
const colorCache = new Map();

/** @param {number} id */
function colorOf(id) {
  let c = colorCache.get(id);
  if (!c) {
    c = islandColor(id);
    if (colorCache.size > 4096) colorCache.clear();
    colorCache.set(id, c);
  }
  return c;
}

/**
 * Each island in its colour at {@linkcode FILL_ALPHA}; boundaries (a label differing from its
 * right or bottom neighbour) opaque.
 *
 * @param {IslandMap} map
 */
function drawIslands(map) {
  const { width, height, labels } = map;
  sizeCanvas(ui.overlay, width, height);
  const image = overlayCtx.createImageData(width, height);
  const px = image.data;
  const boundaries = ui.boundaries.checked;
  let prevId = NaN;
  /** @type {[number, number, number]} */
  let rgb = [0, 0, 0];
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const id = labels[i];
      const o = i * 4;
      if (
        boundaries &&
        ((x + 1 < width && labels[i + 1] !== id) || (y + 1 < height && labels[i + width] !== id))
      ) {
        px[o] = BOUNDARY[0];
        px[o + 1] = BOUNDARY[1];
        px[o + 2] = BOUNDARY[2];
        px[o + 3] = 255;
        continue;
      }
      if (id !== prevId) {
        rgb = colorOf(id);
        prevId = id;
      }
      px[o] = rgb[0];
      px[o + 1] = rgb[1];
      px[o + 2] = rgb[2];
      px[o + 3] = FILL_ALPHA;
    }
  }
  overlayCtx.putImageData(image, 0, 0);
}

/** A small scratch canvas holding the feature grid at its own size. */
const featureCanvas = document.createElement("canvas");
const featureCtx = context2d(featureCanvas);

/**
 * The feature field's PCA colours, scaled up to the overlay (nearest or smooth).
 *
 * @param {IslandMap} map
 */
function drawFeatures(map) {
  const f = map.features;
  sizeCanvas(ui.overlay, map.width, map.height);
  overlayCtx.clearRect(0, 0, ui.overlay.width, ui.overlay.height);
  if (!f || f.width === 0 || f.height === 0) return;
  sizeCanvas(featureCanvas, f.width, f.height);
  const image = featureCtx.createImageData(f.width, f.height);
  const px = image.data;
  for (let i = 0, n = f.width * f.height; i < n; i++) {
    px[i * 4] = f.rgb[i * 3];
    px[i * 4 + 1] = f.rgb[i * 3 + 1];
    px[i * 4 + 2] = f.rgb[i * 3 + 2];
    px[i * 4 + 3] = 255;
  }
  featureCtx.putImageData(image, 0, 0);
  overlayCtx.imageSmoothingEnabled = ui.smooth.checked;
  overlayCtx.imageSmoothingQuality = "high";
  overlayCtx.globalAlpha = FEATURE_ALPHA;
  overlayCtx.drawImage(featureCanvas, 0, 0, ui.overlay.width, ui.overlay.height);
  overlayCtx.globalAlpha = 1;
}

// ---------------------------------------------------------------------------------------------
// Loss curve

/** @param {number} loss */
function formatLoss(loss) {
  if (loss === 0) return "0";
  const a = Math.abs(loss);
  return a >= 0.01 && a < 1000 ? loss.toFixed(4) : loss.toExponential(2);
}

/** The last {@linkcode LOSS_HISTORY} losses, log scale when all are positive. */
function drawLossCurve() {
  const canvas = ui.lossCurve;
  const ratio = globalThis.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || canvas.width;
  const cssH = canvas.clientHeight || canvas.height;
  sizeCanvas(canvas, Math.round(cssW * ratio), Math.round(cssH * ratio));
  const ctx = lossCtx;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  const values = state.losses;
  ctx.font = "10px ui-monospace, monospace";
  ctx.fillStyle = "#8b96a3";
  if (values.length < 2) {
    ctx.fillText("no loss yet", 6, 14);
    return;
  }
  const log = values.every((v) => v > 0);
  const f = log ? Math.log10 : (/** @type {number} */ v) => v;
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    const t = f(v);
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const top = 14, bottom = cssH - 4, left = 4, right = cssW - 4;
  const xOf = (/** @type {number} */ i) => left + (i / (LOSS_HISTORY - 1)) * (right - left);
  const yOf = (/** @type {number} */ v) => bottom - ((f(v) - lo) / (hi - lo)) * (bottom - top);
  ctx.strokeStyle = "#2c333c";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left, top);
  ctx.lineTo(right, top);
  ctx.moveTo(left, bottom);
  ctx.lineTo(right, bottom);
  ctx.stroke();
  ctx.strokeStyle = "#4fb3ff";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  const offset = LOSS_HISTORY - values.length;
  values.forEach((v, i) => {
    const x = xOf(offset + i), y = yOf(v);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  const back = log ? (/** @type {number} */ t) => 10 ** t : (/** @type {number} */ t) => t;
  ctx.fillText(`max ${formatLoss(back(hi))}`, left + 2, 10);
  const minText = `min ${formatLoss(back(lo))}`;
  ctx.fillText(minText, right - ctx.measureText(minText).width - 2, 10);
}

// ---------------------------------------------------------------------------------------------
// Controls

for (const input of document.querySelectorAll('input[name="view"]')) {
  input.addEventListener("change", () => {
    const checked = document.querySelector('input[name="view"]:checked');
    if (checked instanceof HTMLInputElement) {
      state.view = /** @type {ViewMode} */ (checked.value);
      render();
    }
  });
}
ui.boundaries.addEventListener("change", () => render());
ui.smooth.addEventListener("change", () => render());

/** @param {unknown} e */
function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------
// Start

loadToken();
drawLossCurve();
void refresh();
setInterval(() => {
  if (!state.needToken) void refresh();
}, REFRESH_MS);
