/**
 * Is a live source there? A cheap probe, so a camera that is down costs a connection attempt
 * every half second instead of an ffmpeg start, and a camera that comes back is noticed within
 * half a second instead of at the end of a long backoff.
 *
 * - RTSP: an `OPTIONS` request on a TCP connection (TLS for rtsps), answered by any `RTSP/1.0`
 *   status line, 401 included: a camera whose server is frozen accepts the connection (the
 *   kernel does) but answers nothing, and counts as down.
 * - HTTP(S): a TCP (TLS) connection to its port.
 * - Webcam: the device node exists (Linux); other platforms are taken as present.
 *
 * No credentials are ever sent: the probe asks whether the camera answers, not whether it lets
 * us in; ffmpeg finds out the rest.
 *
 * @module
 */

import type { SourceDescriptor } from "./source_uri.ts";

/**
 * How often a source that is waited for is probed, ms: a camera that comes back is noticed within
 * this long, at the cost of one connection (one `OPTIONS` request) per interval.
 */
export const DEFAULT_PROBE_INTERVAL_MS = 500;

/** How long one probe may take before the source counts as down, ms. */
export const DEFAULT_REACHABILITY_TIMEOUT_MS = 1500;

/** A probe of one source: true when it answers. Never rejects. */
export type ReachabilityProbe = () => Promise<boolean>;

/**
 * The probe of a live source, or null for sources that are always there (files, `synthetic:`).
 *
 * @example
 * ```ts
 * import { parseSourceUri } from "./source_uri.ts";
 * const probe = reachabilityProbe(parseSourceUri("rtsp://10.0.0.8/live", "/"));
 * await probe!(); // false when nothing answers at 10.0.0.8:554
 * ```
 */
export function reachabilityProbe(
  descriptor: SourceDescriptor,
  timeoutMs = DEFAULT_REACHABILITY_TIMEOUT_MS,
): ReachabilityProbe | null {
  switch (descriptor.kind) {
    case "rtsp": {
      const url = new URL(descriptor.url);
      const secure = url.protocol === "rtsps:";
      const target = endpoint(url, secure ? 322 : 554);
      // The request line carries the URL without credentials.
      url.username = url.password = "";
      const request = `OPTIONS ${url.href} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: islands\r\n\r\n`;
      return oneAtATime(() => rtspAnswers(target, secure, request, timeoutMs), timeoutMs);
    }
    case "http": {
      const url = new URL(descriptor.url);
      const secure = url.protocol === "https:";
      const target = endpoint(url, secure ? 443 : 80);
      return oneAtATime(() => connects(target, secure), timeoutMs);
    }
    case "webcam":
      if (descriptor.platform !== "linux") return null;
      return async () => {
        try {
          await Deno.stat(descriptor.device);
          return true;
        } catch {
          return false;
        }
      };
    default:
      return null;
  }
}

interface Endpoint {
  hostname: string;
  port: number;
}

function endpoint(url: URL, defaultPort: number): Endpoint {
  // IPv6 literals come bracketed in URLs, not in connect().
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  return { hostname, port: url.port ? Number(url.port) : defaultPort };
}

async function open(target: Endpoint, secure: boolean): Promise<Deno.Conn> {
  return secure ? await Deno.connectTls(target) : await Deno.connect(target);
}

async function connects(target: Endpoint, secure: boolean): Promise<boolean> {
  const conn = await open(target, secure);
  if (secure) await (conn as Deno.TlsConn).handshake();
  conn.close();
  return true;
}

async function rtspAnswers(
  target: Endpoint,
  secure: boolean,
  request: string,
  timeoutMs: number,
): Promise<boolean> {
  const conn = await open(target, secure);
  // A frozen server never answers: the connection is closed at the deadline, ending the read.
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, timeoutMs);
  try {
    await conn.write(new TextEncoder().encode(request));
    const buf = new Uint8Array(64);
    let got = "";
    while (got.length < 9) {
      const n = await conn.read(buf);
      if (n === null) return false;
      got += new TextDecoder().decode(buf.subarray(0, n));
    }
    return got.startsWith("RTSP/");
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed at the deadline */ }
  }
}

/**
 * A probe that runs `run` with at most one attempt in flight: a connection to an address that
 * swallows packets can take minutes to fail, and probing every half second must not pile them up.
 * Each call answers within `timeoutMs` (false when the attempt is still pending).
 */
function oneAtATime(run: () => Promise<boolean>, timeoutMs: number): ReachabilityProbe {
  let pending: Promise<boolean> | null = null;
  return () => {
    pending ??= run().catch(() => false).finally(() => pending = null);
    return withTimeout(pending, timeoutMs);
  };
}

/** `work`'s answer, or false once `ms` pass. */
function withTimeout(work: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Options of {@linkcode waitToRetry}. */
export interface WaitToRetryOptions {
  /** The backoff delay before the retry, ms. */
  delayMs: number;
  /** The source's probe; null: just wait `delayMs`. */
  probe: ReachabilityProbe | null;
  /** Probe this often while waiting, ms. Default {@linkcode DEFAULT_PROBE_INTERVAL_MS}. */
  probeIntervalMs?: number;
  /** Ends the wait at once (the result is then "stopped"). */
  stopped: Promise<void>;
  /** Called each time the probe finds the source down, and when it answers again. */
  onReachable?: (reachable: boolean) => void;
}

/**
 * Waits before retrying a live source that failed: `delayMs` (the backoff), except that the
 * source is probed meanwhile, and
 * - while the probe finds it down, no retry is made, however long that lasts (a retry would
 *   only fail again, at the cost of an ffmpeg start);
 * - once it answers after having been down, the retry is made at once (it came back: frames
 *   within a second or two, not at the end of a 30 s backoff).
 *
 * Resolves "back" (it was down and answers again: the caller may reset its backoff), "retry"
 * (the delay passed and it answers, or there is no probe), or "stopped".
 */
export async function waitToRetry(
  { delayMs, probe, probeIntervalMs = DEFAULT_PROBE_INTERVAL_MS, stopped, onReachable }:
    WaitToRetryOptions,
): Promise<"back" | "retry" | "stopped"> {
  const start = performance.now();
  let stop = false;
  stopped.then(() => stop = true);
  const pause = async (ms: number) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([new Promise((r) => (timer = setTimeout(r, ms))), stopped]);
    clearTimeout(timer);
  };
  if (!probe) {
    await pause(delayMs);
    return stop ? "stopped" : "retry";
  }
  let wasDown = false;
  for (;;) {
    if (stop) return "stopped";
    const up = await Promise.race([probe(), stopped.then(() => false)]);
    if (stop) return "stopped";
    if (!up) {
      if (!wasDown) onReachable?.(false);
      wasDown = true;
    } else if (wasDown) {
      onReachable?.(true);
      return "back";
    } else if (performance.now() - start >= delayMs) {
      return "retry";
    }
    const left = delayMs - (performance.now() - start);
    await pause(up ? Math.min(probeIntervalMs, Math.max(0, left)) : probeIntervalMs);
  }
}
