import assert from "node:assert/strict";
import { latticeLabels } from "../../src/islands/resample_labels.ts";

Deno.test("latticeLabels keeps every island of the frame, even one smaller than a cell", () => {
  // 40x30 frame on a 4x3 lattice (10x10 cells): background 1, a big island 2, a 3x6 person 5.
  const W = 40, H = 30;
  const frame = new Int32Array(W * H).fill(1);
  for (let y = 0; y < H; y++) for (let x = 20; x < 40; x++) frame[y * W + x] = 2;
  for (let y = 12; y < 18; y++) for (let x = 13; x < 16; x++) frame[y * W + x] = 5;
  const lattice = latticeLabels(frame, W, H, 4, 3);
  assert.deepEqual([...new Set(lattice)].sort(), [1, 2, 5]);
  assert.equal(lattice[1 * 4 + 1], 5, "the person takes the cell it fills most");
  assert.deepEqual([lattice[0], lattice[3]], [1, 2], "elsewhere each cell takes its majority");
});

Deno.test("latticeLabels places larger missing islands first when they want the same cell", () => {
  const W = 10, H = 10;
  const frame = new Int32Array(W * H).fill(0);
  frame[0] = 3; // one pixel
  frame[1] = frame[2] = 4; // two pixels, same cell
  const lattice = latticeLabels(frame, W, H, 1, 1);
  assert.deepEqual([...lattice], [4]);
});
