/**
 * A stream's adapted weights on disk, so a restart resumes where the model was instead of from
 * scratch. Writes are atomic (temporary file, fsync, rename, fsync of the directory): a crash at
 * any moment leaves the previous checkpoint or the new one, never a torn file. Reads check a
 * magic, a version and a SHA-256 of the payload, so a damaged file is refused, not loaded.
 *
 * Layout: `ISLCKPT1`, u32 LE header length, the header as UTF-8 JSON, then the tensors' float32
 * LE data back to back, in header order.
 *
 * @module
 */
import { join } from "node:path";

/** What a checkpoint holds: the model's shape, its tensors and how far it had adapted. */
export interface CheckpointState {
  /** The fields that must match for the weights to fit (grid, widths, dimensions...). */
  shape: Record<string, number>;
  tensors: { name: string; shape: number[]; data: Float32Array }[];
  framesTrained: number;
}

/** A checkpoint as read back, with when it was written. */
export interface LoadedCheckpoint extends CheckpointState {
  savedAt: string;
  path: string;
}

/** A checkpoint that cannot be used; the message says why and what to do. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
}

const MAGIC = new TextEncoder().encode("ISLCKPT1");
const VERSION = 1;

/** Where stream `id`'s checkpoint lives in `dir`. */
export function checkpointPath(dir: string, id: string): string {
  return join(dir, `${id}.ckpt`);
}

/** Writes `state` as stream `id`'s checkpoint in `dir`, atomically. */
export async function saveCheckpoint(dir: string, id: string, state: CheckpointState) {
  await Deno.mkdir(dir, { recursive: true });
  const payload = concat(
    state.tensors.map((t) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  );
  const header = new TextEncoder().encode(JSON.stringify({
    version: VERSION,
    stream: id,
    savedAt: new Date().toISOString(),
    shape: state.shape,
    framesTrained: state.framesTrained,
    tensors: state.tensors.map((t) => ({ name: t.name, shape: t.shape, length: t.data.length })),
    sha256: await sha256Hex(payload),
  }));
  const head = new Uint8Array(MAGIC.length + 4);
  head.set(MAGIC);
  new DataView(head.buffer).setUint32(MAGIC.length, header.length, true);

  const path = checkpointPath(dir, id);
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    for (const part of [head, header, payload]) await writeAll(file, part);
    await file.syncData();
  } catch (err) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
  file.close();
  await Deno.rename(tmp, path);
  await syncDirectory(dir);
}

/** Reads stream `id`'s checkpoint; null when there is none. Throws CheckpointError if damaged. */
export async function loadCheckpoint(dir: string, id: string): Promise<LoadedCheckpoint | null> {
  const path = checkpointPath(dir, id);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  const damaged = (why: string) =>
    new CheckpointError(
      `checkpoint ${path} is damaged (${why}); it was set aside, the stream starts afresh`,
    );
  if (bytes.length < MAGIC.length + 4 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw damaged("not a checkpoint file");
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4 + headerLength;
  if (start > bytes.length) throw damaged("truncated header");
  let header: {
    version: number;
    savedAt: string;
    shape: Record<string, number>;
    framesTrained: number;
    tensors: { name: string; shape: number[]; length: number }[];
    sha256: string;
  };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(MAGIC.length + 4, start)));
  } catch {
    throw damaged("unreadable header");
  }
  if (header.version !== VERSION) {
    throw damaged(`format version ${header.version}, expected ${VERSION}`);
  }
  const payload = bytes.slice(start);
  const expected = header.tensors.reduce((n, t) => n + t.length * 4, 0);
  if (payload.length !== expected) {
    throw damaged(`${payload.length} data bytes, expected ${expected}`);
  }
  if ((await sha256Hex(payload)) !== header.sha256) throw damaged("checksum mismatch");
  let offset = 0;
  const tensors = header.tensors.map((t) => {
    const data = new Float32Array(payload.buffer, offset, t.length);
    offset += t.length * 4;
    return { name: t.name, shape: t.shape, data };
  });
  return {
    shape: header.shape,
    tensors,
    framesTrained: header.framesTrained,
    savedAt: header.savedAt,
    path,
  };
}

/**
 * Moves a checkpoint that could not be used out of the way (kept, never deleted: it may be the
 * only copy of hours of adaptation) and returns where it went.
 */
export async function setAsideCheckpoint(dir: string, id: string): Promise<string> {
  const path = checkpointPath(dir, id);
  const aside = `${path}.rejected-${new Date().toISOString().replaceAll(":", "-")}`;
  await Deno.rename(path, aside);
  return aside;
}

/** Removes stream `id`'s checkpoint and any temporary files a crash left behind. */
export async function removeCheckpoint(dir: string, id: string, keepCheckpoint = false) {
  let names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) names.push(e.name);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  const base = `${id}.ckpt`;
  names = names.filter((n) => n.startsWith(`${base}.tmp-`) || (!keepCheckpoint && n === base));
  await Promise.all(names.map((n) => Deno.remove(join(dir, n)).catch(() => {})));
}

async function writeAll(file: Deno.FsFile, data: Uint8Array) {
  let written = 0;
  while (written < data.length) written += await file.write(data.subarray(written));
}

/** Makes the rename itself durable; not every platform lets a directory be opened. */
async function syncDirectory(dir: string) {
  try {
    const d = await Deno.open(dir, { read: true });
    try {
      await d.syncData();
    } finally {
      d.close();
    }
  } catch {
    // The rename is still atomic; only its durability across a power cut is weaker here.
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
