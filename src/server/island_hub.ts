/**
 * Fans every stream's frames out to the sockets subscribed to it. Each frame gets one
 * FrameEncoder shared by all its subscribers; each socket has its own bounded queue, so a slow
 * one loses maps instead of slowing the engine or anyone else.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { WebSocket } from "ws";
import type { PublishedFrame } from "../pipeline/stream_pipeline.ts";
import type { StreamRegistry } from "../pipeline/stream_registry.ts";
import {
  MAX_CLIENT_MESSAGE_BYTES,
  ProtocolError,
  type SubscriptionOptions,
} from "./client_messages.ts";
import { EncodingBudget } from "./encoding_budget.ts";
import { FrameEncoder } from "./map_encoder.ts";
import { SubscriberSocket } from "./subscriber_socket.ts";

/** Per-stream delivery counters, for /metrics and the API. */
export interface DeliveryStats {
  subscribers: number;
  mapsSent: number;
  mapsDropped: number;
  bytesSent: number;
}

/** How the hub treats its sockets. */
export interface HubOptions {
  /** Maps queued per socket. */
  queueSize: number;
  /** A socket dropping every map this long is closed (4008). */
  slowTimeoutMs: number;
  /** Share of the main thread costly encodings may take (`EncodingBudget`). */
  encodingShare?: number;
}

/** All subscribers of all streams. */
export class IslandHub {
  #sockets = new Set<SubscriberSocket>();
  #stats = new Map<string, { mapsSent: number; mapsDropped: number; bytesSent: number }>();
  #registry: StreamRegistry;
  #opts: HubOptions;
  /** One for every stream: their encodings share the main thread. */
  #budget: EncodingBudget;

  constructor(
    registry: StreamRegistry,
    opts: HubOptions = { queueSize: 4, slowTimeoutMs: 30_000 },
  ) {
    this.#registry = registry;
    this.#opts = opts;
    this.#budget = new EncodingBudget({ share: opts.encodingShare });
    registry.subscribe((frame) => this.#fanOut(frame));
    registry.onRemoved((id) => {
      for (const s of this.#sockets) s.streamRemoved(id);
      this.#stats.delete(id);
    });
  }

  /**
   * Serves an upgraded socket until it closes. With `initial`, the socket starts subscribed to
   * that stream (the per-stream endpoint) and is closed if the stream is deleted.
   */
  attach(socket: WebSocket, initial?: { stream: string; options: SubscriptionOptions }): void {
    const sub = new SubscriberSocket(socket, {
      ...this.#opts,
      closeWhenRemoved: initial?.stream,
    }, {
      sent: (stream, bytes) => {
        const s = this.#statsOf(stream);
        s.mapsSent++;
        s.bytesSent += bytes;
      },
      dropped: (stream) => this.#statsOf(stream).mapsDropped++,
      hasStream: (stream) => this.#registry.get(stream) !== undefined,
    });
    const open = () => {
      this.#sockets.add(sub);
      // The per-stream endpoint keeps the first-light contract: island maps only, no greeting.
      if (!initial) {
        sub.sendControl({ type: "hello", protocol: 1, maxMessageBytes: MAX_CLIENT_MESSAGE_BYTES });
      }
      if (initial) {
        try {
          sub.subscribe(initial.stream, initial.options, true);
        } catch (err) {
          if (!(err instanceof ProtocolError)) throw err;
          sub.close(1008, err.message);
        }
      }
    };
    if (socket.readyState === socket.OPEN) open();
    else socket.once("open", open);
    socket.on("message", (data: Buffer, isBinary: boolean) => {
      try {
        sub.receive(isBinary ? data : data.toString("utf8"));
      } catch (err) {
        // A bug in handling one client's message must not reach anyone else.
        console.error("websocket message failed:", err);
      }
    });
    socket.on("close", () => {
      sub.detach();
      this.#sockets.delete(sub);
    });
    // A broken frame (bad UTF-8, over the size limit): ws starts the close; the peer gets the
    // same grace as any closed socket, then is dropped.
    socket.on("error", () => {
      sub.close();
      this.#sockets.delete(sub);
    });
  }

  /** Delivery counters of a stream. */
  stats(stream: string): DeliveryStats {
    const s = this.#stats.get(stream) ?? { mapsSent: 0, mapsDropped: 0, bytesSent: 0 };
    return { subscribers: this.subscribers(stream), ...s };
  }

  /** Number of subscriptions to a stream. */
  subscribers(stream: string): number {
    let n = 0;
    for (const s of this.#sockets) if (s.streams().includes(stream)) n++;
    return n;
  }

  /** Closes every socket (server shutdown). */
  closeAll(): void {
    for (const s of this.#sockets) s.close(1001, "server shutting down");
    this.#sockets.clear();
  }

  #statsOf(stream: string) {
    let s = this.#stats.get(stream);
    if (!s) {
      s = { mapsSent: 0, mapsDropped: 0, bytesSent: 0 };
      this.#stats.set(stream, s);
    }
    return s;
  }

  #fanOut(frame: PublishedFrame) {
    if (this.#sockets.size === 0) return;
    const encoder = new FrameEncoder(frame, this.#budget);
    for (const s of this.#sockets) {
      try {
        s.offer(encoder);
      } catch (err) {
        console.error(`stream ${frame.stream}: delivery to a subscriber failed:`, err);
      }
    }
  }
}
