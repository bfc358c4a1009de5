import assert from "node:assert/strict";
import type { Frame } from "../../streams/frame.ts";
import { FrameQueue } from "../../streams/frame_queue.ts";

const frame = (index: number): Frame => ({
  index,
  pts: index / 10,
  width: 1,
  height: 1,
  data: new Uint8Array(3),
});

Deno.test("FrameQueue delivers every frame in order and never drops", async () => {
  const queue = new FrameQueue();
  for (let i = 0; i < 5; i++) queue.put(frame(i));
  assert.equal(queue.size, 5);
  queue.end();
  const seen = [];
  for (let f; (f = await queue.next()) !== null;) seen.push(f.index);
  assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  assert.equal(queue.dropped, 0);
});

Deno.test("FrameQueue calls onDrain when the consumer takes the last waiting frame", async () => {
  let drains = 0;
  const queue = new FrameQueue({ onDrain: () => drains++ });
  queue.put(frame(0));
  queue.put(frame(1));
  await queue.next();
  assert.equal(drains, 0);
  await queue.next();
  assert.equal(drains, 1);
  const waiting = queue.next();
  queue.put(frame(2)); // handed straight to the waiting consumer: nothing to drain
  assert.equal((await waiting)?.index, 2);
  assert.equal(drains, 1);
});

Deno.test("FrameQueue fail() delivers queued frames first, close() discards them", async () => {
  const error = new Error("broken");
  const queue = new FrameQueue();
  queue.put(frame(0));
  queue.fail(error);
  assert.equal((await queue.next())?.index, 0);
  await assert.rejects(queue.next(), error);
  const other = new FrameQueue();
  other.put(frame(0));
  other.close();
  assert.equal(await other.next(), null);
});
