/**
 * Keeps a server WebSocket honest: it is pinged every `idleTimeoutS` seconds, and one that has not
 * answered the last ping with a pong by the next is terminated (its connection dropped at once:
 * a peer that answers nothing may read nothing, so a close frame could wait for ever). Browsers
 * and WebSocket libraries answer pings by themselves.
 *
 * @module
 */
import type { WebSocket } from "ws";

/**
 * Starts pinging `socket`; stops when it closes. `idleTimeoutS` 0 turns this off.
 *
 * @example
 * ```ts
 * keepAlive(socket, 30); // a dead peer is dropped 30-60 s after its last pong
 * ```
 */
export function keepAlive(socket: WebSocket, idleTimeoutS: number): void {
  if (!(idleTimeoutS > 0)) return;
  let answered = true;
  socket.on("pong", () => answered = true);
  const timer = setInterval(() => {
    if (!answered) {
      socket.terminate();
      return;
    }
    answered = false;
    try {
      socket.ping();
    } catch {
      // closing; its close event stops the timer
    }
  }, idleTimeoutS * 1000);
  socket.once("close", () => clearInterval(timer));
}
