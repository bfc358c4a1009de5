/**
 * One subscriber's WebSocket: its subscriptions, its small bounded queue of maps, and the pump
 * that sends from that queue only while the socket keeps up. A socket that does not read loses
 * its oldest maps (counted, and reported to it in each map) and, if it stays hopeless, is closed
 * with code 4008. Nothing here can slow the engine or another socket. A socket closed here whose
 * peer does not complete the close within {@linkcode CLOSE_GRACE_MS} is dropped: a peer that reads
 * nothing never even sees the close frame, and must not hold a connection for ever.
 *
 * @module
 */
import type { WebSocket } from "ws";
import {
  type ClientMessage,
  parseClientMessage,
  ProtocolError,
  type SubscriptionOptions,
} from "./client_messages.ts";
import type { FrameEncoder } from "./map_encoder.ts";

/** Unsent bytes a socket may hold before the pump waits: a few maps, so latency stays low. */
export const SEND_LOW_WATER_BYTES = 64 * 1024;
/** Unsent bytes past which a socket that keeps sending messages is closed instead of answered. */
const MAX_CONTROL_BACKLOG_BYTES = 1024 * 1024;
/** How often a waiting pump looks at the socket again, ms. */
const PUMP_INTERVAL_MS = 20;
/** How long a closed socket's peer has to complete the close before it is dropped, ms. */
export const CLOSE_GRACE_MS = 10_000;
/** Subscriptions per socket. */
export const MAX_SUBSCRIPTIONS = 16;

/** Close codes of protocol v1. */
export const CLOSE_TOO_SLOW = 4008;
export const CLOSE_STREAM_REMOVED = 4404;

/** One subscription of a socket. */
export interface Subscription {
  stream: string;
  sub: number;
  options: SubscriptionOptions;
  sent: number;
  dropped: number;
  /** performance.now() of the last map accepted under maxFps. */
  lastAcceptedAt: number;
}

/** What a socket reports upwards, for metrics. */
export interface SocketEvents {
  sent(stream: string, bytes: number): void;
  dropped(stream: string): void;
  /** Is there such a stream (to refuse a subscription at once)? */
  hasStream(stream: string): boolean;
}

/** What a socket was opened for. */
export interface SocketOptions {
  queueSize: number;
  slowTimeoutMs: number;
  /** The per-stream endpoint: closed with 4404 when its stream is deleted. */
  closeWhenRemoved?: string;
}

/** A connected subscriber. */
export class SubscriberSocket {
  readonly socket: WebSocket;
  #subs = new Map<string, Subscription>();
  #nextSub = 1;
  #queue: Array<{ sub: Subscription; encoder: FrameEncoder }> = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastDeliveredAt = performance.now();
  #droppedSinceDelivery = 0;
  #opts: SocketOptions;
  #events: SocketEvents;
  #closed = false;

  constructor(socket: WebSocket, opts: SocketOptions, events: SocketEvents) {
    this.socket = socket;
    this.#opts = opts;
    this.#events = events;
  }

  /** Streams this socket follows (none once it is closed). */
  streams(): string[] {
    return this.#closed ? [] : [...this.#subs.keys()];
  }

  /** Handles one message from the client; errors go back to it, never further. */
  receive(data: unknown): void {
    if (typeof data !== "string") {
      this.#sendControl({
        type: "error",
        code: "binary_not_accepted",
        message: "send JSON text messages; binary messages are not part of the protocol",
      });
      return;
    }
    let msg: ClientMessage;
    try {
      msg = parseClientMessage(data);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.#sendError(err);
      return;
    }
    try {
      this.#handle(msg);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.#sendError(err);
    }
  }

  /** Subscribes to a stream (or replaces the options of an existing subscription). */
  subscribe(stream: string, options: SubscriptionOptions, quiet = false): Subscription {
    if (!this.#events.hasStream(stream)) {
      throw new ProtocolError(
        "stream_not_found",
        `no stream "${stream}"; GET /v1/streams lists the streams`,
        stream,
      );
    }
    const existing = this.#subs.get(stream);
    if (!existing && this.#subs.size >= MAX_SUBSCRIPTIONS) {
      throw new ProtocolError(
        "too_many_subscriptions",
        `a socket holds at most ${MAX_SUBSCRIPTIONS} subscriptions; open another socket`,
        stream,
      );
    }
    const sub: Subscription = existing
      ? { ...existing, options }
      : { stream, sub: this.#nextSub++, options, sent: 0, dropped: 0, lastAcceptedAt: -Infinity };
    if (existing) {
      // Queued maps rendered for the old options are dropped silently: they are what was asked.
      this.#queue = this.#queue.filter((q) => q.sub !== existing);
    }
    this.#subs.set(stream, sub);
    if (!quiet) this.#sendControl({ type: "subscribed", stream, sub: sub.sub, options });
    return sub;
  }

  /** Offers a frame of a stream; queued for each matching subscription, oldest dropped if full. */
  offer(encoder: FrameEncoder): void {
    const sub = this.#subs.get(encoder.frame.stream);
    if (!sub || this.#closed) return;
    const now = performance.now();
    const maxFps = sub.options.maxFps;
    // A 10% slack keeps a 5 fps subscription of a 5 fps stream from skipping on timing jitter.
    if (maxFps !== null && now - sub.lastAcceptedAt < 900 / maxFps) return;
    // Heavy option sets share the server's encoding budget: skipped, not queued, when it is
    // spent (fewer maps a second for them; nobody else slows down).
    if (!encoder.admits(sub.options)) return;
    sub.lastAcceptedAt = now;
    if (this.#queue.length >= this.#opts.queueSize) {
      const oldest = this.#queue.shift()!;
      oldest.sub.dropped++;
      this.#droppedSinceDelivery++;
      this.#events.dropped(oldest.sub.stream);
    }
    this.#queue.push({ sub, encoder });
    this.#pump();
    if (
      this.#droppedSinceDelivery > 0 && now - this.#lastDeliveredAt > this.#opts.slowTimeoutMs
    ) {
      this.close(
        CLOSE_TOO_SLOW,
        `subscriber too slow: nothing delivered for ${
          Math.round(this.#opts.slowTimeoutMs / 1000)
        } s`,
      );
    }
  }

  /** The stream is gone: tell the client, and close a per-stream socket. */
  streamRemoved(stream: string): void {
    const sub = this.#subs.get(stream);
    if (!sub) return;
    this.#subs.delete(stream);
    this.#queue = this.#queue.filter((q) => q.sub !== sub);
    this.#sendControl({ type: "unsubscribed", stream, sub: sub.sub, reason: "stream_removed" });
    if (this.#opts.closeWhenRemoved === stream) {
      this.close(CLOSE_STREAM_REMOVED, `stream "${stream}" was deleted`);
    }
  }

  /** Sends a control message (hello and the like). */
  sendControl(msg: Record<string, unknown>): void {
    this.#sendControl(msg);
  }

  /** Closes the socket and stops sending; idempotent. */
  close(code = 1000, reason = ""): void {
    this.detach();
    const socket = this.socket;
    if (socket.readyState === socket.CLOSED) return;
    try {
      socket.close(code, reason);
    } catch {
      // already closing
    }
    const drop = setTimeout(() => socket.terminate(), CLOSE_GRACE_MS);
    socket.once("close", () => clearTimeout(drop));
  }

  /** Forgets everything queued (the socket closed). */
  detach(): void {
    this.#closed = true;
    this.#queue = [];
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #handle(msg: ClientMessage) {
    switch (msg.type) {
      case "subscribe":
        this.subscribe(msg.stream, msg.options);
        return;
      case "unsubscribe": {
        const sub = this.#subs.get(msg.stream);
        if (!sub) {
          throw new ProtocolError(
            "bad_message",
            `not subscribed to "${msg.stream}"`,
            msg.stream,
          );
        }
        this.#subs.delete(msg.stream);
        this.#queue = this.#queue.filter((q) => q.sub !== sub);
        this.#sendControl({
          type: "unsubscribed",
          stream: msg.stream,
          sub: sub.sub,
          reason: "client",
        });
        return;
      }
      case "ping":
        this.#sendControl({ type: "pong", id: msg.id });
        return;
    }
  }

  #pump() {
    if (this.#closed) return;
    const socket = this.socket;
    while (
      this.#queue.length > 0 && socket.readyState === socket.OPEN &&
      socket.bufferedAmount < SEND_LOW_WATER_BYTES
    ) {
      const { sub, encoder } = this.#queue.shift()!;
      const payload = encoder.renderer(sub.options)(sub.sub, sub.dropped);
      try {
        socket.send(payload);
      } catch {
        return; // closing; its close event detaches us
      }
      sub.sent++;
      this.#lastDeliveredAt = performance.now();
      this.#droppedSinceDelivery = 0;
      this.#events.sent(
        sub.stream,
        typeof payload === "string" ? payload.length : payload.byteLength,
      );
    }
    if (this.#queue.length > 0 && this.#timer === null && socket.readyState === socket.OPEN) {
      this.#timer = setTimeout(() => {
        this.#timer = null;
        this.#pump();
      }, PUMP_INTERVAL_MS);
    }
  }

  #sendError(err: ProtocolError) {
    this.#sendControl({
      type: "error",
      code: err.code,
      message: err.message,
      ...(err.stream !== undefined ? { stream: err.stream } : {}),
    });
  }

  #sendControl(msg: Record<string, unknown>) {
    if (this.socket.readyState !== this.socket.OPEN) return;
    if (this.socket.bufferedAmount > MAX_CONTROL_BACKLOG_BYTES) {
      // A client that sends without reading our answers would grow this buffer without bound,
      // and a close frame would wait behind the answers it does not read: it is dropped.
      this.detach();
      this.socket.terminate();
      return;
    }
    try {
      this.socket.send(JSON.stringify(msg));
    } catch {
      // closing
    }
  }
}
