/**
 * A WebSocket client that completes the handshake, sends what it is told, and then never reads:
 * the subscriber a real network sometimes gives you (a stalled phone, a paused tab). Built on a
 * raw TCP connection because every WebSocket implementation reads for you.
 *
 * @module
 */

/** A connected, non-reading client. */
export interface StalledClient {
  /** Sends one text message (masked, as clients must). */
  send(text: string): Promise<void>;
  /** The client's end of the connection (its local port). */
  localPort: number;
  /** Reads (and discards) everything until the server closes the connection; never answers. */
  untilClosed(): Promise<void>;
  close(): void;
}

/** Connects to `ws://host:port/path` and performs the upgrade; reads only the 101 response. */
export async function connectStalled(url: string): Promise<StalledClient> {
  const u = new URL(url);
  const conn = await Deno.connect({ hostname: u.hostname, port: Number(u.port) });
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const request = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
    `Sec-WebSocket-Version: 13\r\n\r\n`;
  await conn.write(new TextEncoder().encode(request));
  const buf = new Uint8Array(1024);
  const n = await conn.read(buf);
  const head = new TextDecoder().decode(buf.subarray(0, n ?? 0));
  if (!head.startsWith("HTTP/1.1 101")) {
    conn.close();
    throw new Error(`upgrade refused: ${head.split("\r\n")[0]}`);
  }
  return {
    localPort: (conn.localAddr as Deno.NetAddr).port,
    async send(text: string) {
      const payload = new TextEncoder().encode(text);
      if (payload.length > 65535) throw new RangeError("keep stalled-client messages small");
      const mask = crypto.getRandomValues(new Uint8Array(4));
      const header = payload.length < 126
        ? [0x81, 0x80 | payload.length]
        : [0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff];
      const frame = new Uint8Array(header.length + 4 + payload.length);
      frame.set(header, 0);
      frame.set(mask, header.length);
      for (let i = 0; i < payload.length; i++) {
        frame[header.length + 4 + i] = payload[i] ^ mask[i % 4];
      }
      // write() may take only part of it: a frame cut short would corrupt the stream.
      for (let done = 0; done < frame.length;) done += await conn.write(frame.subarray(done));
    },
    async untilClosed() {
      const sink = new Uint8Array(64 * 1024);
      try {
        while ((await conn.read(sink)) !== null) { /* discard, pings included */ }
      } catch { /* reset by the server: closed too */ }
    },
    close() {
      try {
        conn.close();
      } catch { /* already closed */ }
    },
  };
}

/**
 * Whether process `pid` still holds the server end of a TCP connection to the local port
 * `clientPort` (Linux: the connection's inode in /proc/net/tcp{,6} among the process's fds).
 */
export async function holdsConnection(pid: number, clientPort: number): Promise<boolean> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const rows = (await Deno.readTextFile(table)).trim().split("\n").slice(1);
    for (const row of rows) {
      const cols = row.trim().split(/\s+/);
      const remotePort = parseInt(cols[2].split(":")[1], 16);
      if (remotePort === clientPort && cols[9] !== "0") inodes.add(cols[9]);
    }
  }
  for await (const fd of Deno.readDir(`/proc/${pid}/fd`)) {
    const target = await Deno.readLink(`/proc/${pid}/fd/${fd.name}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}
