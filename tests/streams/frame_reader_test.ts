import assert from "node:assert/strict";
import { FrameReader } from "../../streams/frame_reader.ts";

/** `count` frames of `size` bytes, frame k filled with a pattern unique to k and position. */
function stream(size: number, count: number): Uint8Array {
  const bytes = new Uint8Array(size * count);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + Math.floor(i / size) * 13) & 255;
  return bytes;
}

function cutAt(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (let k = 0; offset < bytes.length; k++) {
    const n = sizes[k % sizes.length];
    chunks.push(bytes.subarray(offset, offset + n));
    offset += n;
  }
  return chunks;
}

Deno.test("FrameReader returns exact frames whatever the chunk boundaries", () => {
  const size = 12;
  const bytes = stream(size, 7);
  const patterns = [[1], [5], [11], [12], [13], [24], [25], [84], [100], [3, 30, 1, 7], [23, 1]];
  for (const sizes of patterns) {
    const reader = new FrameReader(size);
    const frames = cutAt(bytes, sizes).flatMap((chunk) => reader.push(chunk));
    assert.equal(frames.length, 7, `chunk sizes ${sizes}`);
    frames.forEach((frame, k) => {
      assert.deepEqual(frame, bytes.subarray(k * size, (k + 1) * size), `frame ${k}, ${sizes}`);
    });
    assert.equal(reader.pendingBytes, 0);
  }
});

Deno.test("FrameReader splits at every possible position of a random chunking", () => {
  const size = 3 * 5 * 4;
  const bytes = stream(size, 9);
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let trial = 0; trial < 50; trial++) {
    const reader = new FrameReader(size);
    const frames: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.length;) {
      const n = 1 + Math.floor(rand() * 2.5 * size);
      frames.push(...reader.push(bytes.subarray(offset, offset + n)));
      offset += n;
    }
    assert.deepEqual(
      frames,
      Array.from({ length: 9 }, (_, k) => bytes.slice(k * size, (k + 1) * size)),
    );
  }
});

Deno.test("FrameReader keeps an incomplete tail pending and returns copies it owns", () => {
  const reader = new FrameReader(4);
  const chunk = new Uint8Array([1, 2, 3, 4, 5, 6]);
  const [frame] = reader.push(chunk);
  assert.deepEqual(frame, new Uint8Array([1, 2, 3, 4]));
  assert.equal(reader.pendingBytes, 2);
  chunk.fill(0); // the stream may reuse its buffer
  assert.deepEqual(frame, new Uint8Array([1, 2, 3, 4]));
  assert.deepEqual(reader.push(new Uint8Array([7, 8])), [new Uint8Array([5, 6, 7, 8])]);
  assert.deepEqual(reader.push(new Uint8Array(0)), []);
});

Deno.test("FrameReader rejects a frame size that is not a positive integer", () => {
  assert.throws(() => new FrameReader(0), RangeError);
  assert.throws(() => new FrameReader(2.5), RangeError);
});

Deno.test("FrameReader frames own their memory even when chunks are Node Buffers", async () => {
  const { Buffer } = await import("node:buffer");
  const reader = new FrameReader(6);
  // Three whole frames in one pooled Buffer, as a child process's stdout delivers them.
  const chunk = Buffer.from(Array.from({ length: 18 }, (_, i) => i));
  const frames = reader.push(chunk);
  assert.equal(frames.length, 3);
  for (const [k, f] of frames.entries()) {
    assert.equal(f.byteOffset, 0);
    assert.equal(f.buffer.byteLength, 6, "not a view into the chunk's pool");
    assert.deepEqual([...f], [0, 1, 2, 3, 4, 5].map((i) => i + 6 * k));
  }
});
