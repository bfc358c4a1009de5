import assert from "node:assert/strict";
import type { Frame } from "../../streams/frame.ts";
import { LatestFrame } from "../../streams/latest_frame.ts";

const frame = (index: number): Frame => ({
  index,
  pts: index / 10,
  width: 1,
  height: 1,
  data: new Uint8Array(3),
});

Deno.test("LatestFrame gives the newest frame and counts the replaced ones as dropped", async () => {
  const box = new LatestFrame();
  box.put(frame(0));
  box.put(frame(1));
  box.put(frame(2));
  assert.equal((await box.next())?.index, 2);
  assert.equal(box.dropped, 2);
  box.put(frame(3));
  assert.equal((await box.next())?.index, 3);
  assert.equal(box.dropped, 2);
});

Deno.test("LatestFrame wakes a waiting consumer without counting a drop", async () => {
  const box = new LatestFrame();
  const waiting = box.next();
  box.put(frame(7));
  assert.equal((await waiting)?.index, 7);
  assert.equal(box.dropped, 0);
});

Deno.test("LatestFrame end() delivers the waiting frame, then null", async () => {
  const box = new LatestFrame();
  const waiting = box.next();
  box.end();
  assert.equal(await waiting, null);
  const other = new LatestFrame();
  other.put(frame(1));
  other.end();
  other.put(frame(2)); // ignored after end
  assert.equal((await other.next())?.index, 1);
  assert.equal(await other.next(), null);
  assert.equal(await other.next(), null);
});

Deno.test("LatestFrame fail() rejects waiting and later next() calls", async () => {
  const box = new LatestFrame();
  const waiting = box.next();
  const error = new Error("broken");
  box.fail(error);
  await assert.rejects(waiting, error);
  await assert.rejects(box.next(), error);
  const other = new LatestFrame();
  other.put(frame(4));
  other.fail(error);
  assert.equal((await other.next())?.index, 4);
  await assert.rejects(other.next(), error);
});

Deno.test("LatestFrame close() discards the waiting frame and resolves null", async () => {
  const box = new LatestFrame();
  box.put(frame(1));
  box.close();
  assert.equal(await box.next(), null);
  assert.ok(box.ended);
});
