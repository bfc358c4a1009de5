/**
 * Fans a stream's island maps out to its WebSocket subscribers. Each map is encoded once, however
 * many subscribers there are, and a subscriber that does not read fast enough loses maps (counted)
 * instead of slowing the engine or anyone else.
 *
 * @module
 */
import { encodeIslandMessage, type IslandMessage } from "../islands/wire_json.ts";
import type { StreamPipeline } from "../pipeline/stream_pipeline.ts";

/**
 * Bytes a subscriber's socket may hold unsent before new maps are dropped for it: a few maps'
 * worth (a 32x32 JSON map is ~4-6 KB), so a briefly slow reader catches up with current maps and a
 * stalled one costs bounded memory.
 */
export const MAX_BUFFERED_BYTES = 256 * 1024;

interface Subscriber {
  socket: WebSocket;
  sent: number;
  dropped: number;
}

/** All subscribers of all streams. */
export class IslandHub {
  #byStream = new Map<string, { subs: Set<Subscriber>; unsubscribe: () => void }>();

  /** Subscribes `socket` to `stream`'s maps until the socket closes. */
  attach(stream: StreamPipeline, socket: WebSocket): void {
    let entry = this.#byStream.get(stream.id);
    if (!entry) {
      const subs = new Set<Subscriber>();
      const unsubscribe = stream.subscribe((msg) => this.#fanOut(subs, msg));
      entry = { subs, unsubscribe };
      this.#byStream.set(stream.id, entry);
    }
    const sub: Subscriber = { socket, sent: 0, dropped: 0 };
    const { subs } = entry;
    subs.add(sub);
    const detach = () => {
      subs.delete(sub);
      const e = this.#byStream.get(stream.id);
      if (e && e.subs.size === 0) {
        e.unsubscribe();
        this.#byStream.delete(stream.id);
      }
    };
    socket.addEventListener("close", detach);
    socket.addEventListener("error", detach);
  }

  /** Number of subscribers of a stream. */
  subscribers(streamId: string): number {
    return this.#byStream.get(streamId)?.subs.size ?? 0;
  }

  #fanOut(subs: Set<Subscriber>, msg: IslandMessage) {
    let json: string | null = null;
    for (const sub of subs) {
      if (sub.socket.readyState !== WebSocket.OPEN) continue;
      if (sub.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        sub.dropped++;
        continue;
      }
      json ??= encodeIslandMessage(msg);
      try {
        sub.socket.send(json);
        sub.sent++;
      } catch {
        sub.dropped++; // the socket is closing; its close event detaches it
      }
    }
  }
}
