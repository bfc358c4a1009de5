/**
 * The HTTP and WebSocket listener: node:http (Deno's Node compatibility) with `ws`, through
 * `@hono/node-server`, which runs every request, upgrades included, through the hono app (routes,
 * auth, CORS), and answers a refused upgrade with its status.
 *
 * Why not `Deno.serve`: a server WebSocket from `Deno.upgradeWebSocket` cannot be dropped. A
 * client that stops reading kept its connection and descriptor for as long as it liked, since the
 * close frame waits behind the megabytes the kernel holds for it (Deno 2.9). A `ws` socket can be
 * terminated, which releases both at once (`subscriber_socket.ts`, `keep_alive.ts`).
 *
 * @module
 */
import { createAdaptorServer, type Http2Bindings, type HttpBindings } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

/**
 * Largest WebSocket message read from a client, bytes; a larger one closes the socket (1009).
 * Protocol messages are at most 16 KiB and anything up to this gets an error answer instead
 * (`client_messages.ts`); past it, a client is not worth buffering for.
 */
export const MAX_WS_PAYLOAD_BYTES = 1 << 20;

/** Options of {@linkcode listen}. */
export interface ListenOptions {
  hostname: string;
  port: number;
  /** The app (hono's `app.fetch`). */
  fetch: (request: Request, env: HttpBindings | Http2Bindings) => Response | Promise<Response>;
  /** Called once listening, with the address actually bound (port 0 picks a free one). */
  onListen?: (address: { hostname: string; port: number }) => void;
}

/** A listening server. */
export interface HttpServer {
  /** Stops accepting, drops every open connection (WebSockets included) and resolves. */
  shutdown(): Promise<void>;
}

/**
 * Listens on `hostname:port`. Rejects when the address cannot be bound (in use, not permitted).
 *
 * @example
 * ```ts
 * const server = await listen({ hostname: "127.0.0.1", port: 8080, fetch: app.fetch });
 * await server.shutdown();
 * ```
 */
export function listen({ hostname, port, fetch, onListen }: ListenOptions): Promise<HttpServer> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD_BYTES });
  const server = createAdaptorServer({
    fetch,
    hostname,
    // Leave the global Request and Response alone: the rest of the process uses Deno's.
    overrideGlobalObjects: false,
    websocket: { server: wss },
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      onListen?.({ hostname, port: address.port });
      resolve({
        shutdown: () =>
          new Promise<void>((done) => {
            for (const client of wss.clients) client.terminate();
            server.close(() => done());
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
          }),
      });
    });
  });
}
