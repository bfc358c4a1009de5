/**
 * The files the server hands to browsers: the live viewer and the client modules it imports.
 * Only the files named here are served (no path from a request ever reaches the file system),
 * read once and kept.
 *
 * @module
 */

const FILES: Record<string, { url: URL; type: string }> = {
  "viewer/index.html": {
    url: new URL("./viewer/index.html", import.meta.url),
    type: "text/html; charset=utf-8",
  },
  "viewer/viewer.js": {
    url: new URL("./viewer/viewer.js", import.meta.url),
    type: "text/javascript; charset=utf-8",
  },
  "viewer/viewer.css": {
    url: new URL("./viewer/viewer.css", import.meta.url),
    type: "text/css; charset=utf-8",
  },
  "client/islands_client.js": {
    url: new URL("../client/islands_client.js", import.meta.url),
    type: "text/javascript; charset=utf-8",
  },
  "client/palette.js": {
    url: new URL("../client/palette.js", import.meta.url),
    type: "text/javascript; charset=utf-8",
  },
};

const cache = new Map<string, { body: Uint8Array; type: string }>();

/** A served file's bytes and content type, or null when the path is not one of them. */
export function staticFile(path: string): { body: Uint8Array; type: string } | null {
  const entry = Object.hasOwn(FILES, path) ? FILES[path] : undefined;
  if (!entry) return null;
  let file = cache.get(path);
  if (!file) {
    try {
      file = { body: Deno.readFileSync(entry.url), type: entry.type };
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null; // a broken install: say 404, not 500
      throw err;
    }
    cache.set(path, file);
  }
  return file;
}
