/**
 * The first-light contract of one island message, shared by every test that reads them (the
 * WebSocket and the offline NDJSON).
 *
 * @module
 */
import assert from "node:assert/strict";

/** One island's summary as sent. */
export interface Island {
  id: number;
  area: number;
  bbox: [number, number, number, number];
  centroid: [number, number];
}

/** One island message as sent. */
export interface IslandMessageJson {
  type: string;
  stream: string;
  frame: number;
  pts: number;
  width: number;
  height: number;
  labels: number[];
  islands: Island[];
  loss: number | null;
  keyFrame: boolean;
}

/** Fields, labels size, and summaries (ids, areas, boxes, centroids) that match the labels. */
export function assertContract(m: IslandMessageJson, fps = 10, stream = "default") {
  assert.equal(m.type, "islands");
  assert.equal(m.stream, stream);
  assert.ok(Number.isInteger(m.frame) && m.frame >= 0);
  assert.ok(Math.abs(m.pts - m.frame / fps) < 1e-9, "pts = frame / fps");
  assert.ok(m.loss === null || typeof m.loss === "number");
  assert.equal(typeof m.keyFrame, "boolean");
  assert.equal(m.labels.length, m.width * m.height);
  assert.equal(new Set(m.islands.map((i) => i.id)).size, m.islands.length, "unique island ids");
  const area = new Map<number, number>();
  const box = new Map<number, [number, number, number, number]>();
  m.labels.forEach((id, k) => {
    const x = k % m.width, y = Math.floor(k / m.width);
    area.set(id, (area.get(id) ?? 0) + 1);
    const b = box.get(id) ?? [x, y, x, y];
    box.set(id, [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x), Math.max(b[3], y)]);
  });
  assert.equal(area.size, m.islands.length, "every label has a summary and vice versa");
  for (const isl of m.islands) {
    assert.equal(isl.area, area.get(isl.id), `area of island ${isl.id}`);
    assert.deepEqual(isl.bbox, box.get(isl.id), `bbox of island ${isl.id}`);
    const [x0, y0, x1, y1] = isl.bbox;
    assert.ok(
      isl.centroid[0] >= x0 && isl.centroid[0] <= x1 && isl.centroid[1] >= y0 &&
        isl.centroid[1] <= y1,
      `centroid of island ${isl.id} inside its box`,
    );
  }
}
