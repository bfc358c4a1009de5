import assert from "node:assert/strict";
import { components, dilate, erode, fillHoles } from "../../src/islands/_mask_ops.ts";
import { boxFilter } from "../../src/islands/_box_filter.ts";
import { mulberry32 } from "../../src/util/mulberry32.ts";

const W = 23, H = 17;

function randomMask(seed: number, density: number): Uint8Array {
  const rand = mulberry32(seed);
  return Uint8Array.from({ length: W * H }, () => rand() < density ? 1 : 0);
}

/** Brute-force square window test: any (dilate) or all-inside-frame (erode) set. */
function bruteMorph(mask: Uint8Array, r: number, all: boolean): Uint8Array {
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let any = false, every = true;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx, yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= W || yy >= H) continue;
          if (mask[yy * W + xx]) any = true;
          else every = false;
        }
      }
      out[y * W + x] = (all ? every : any) ? 1 : 0;
    }
  }
  return out;
}

Deno.test("dilate and erode equal a brute-force square window at radii 1 to 3", () => {
  for (let seed = 1; seed <= 4; seed++) {
    const mask = randomMask(seed, 0.3 + 0.1 * seed);
    for (let r = 1; r <= 3; r++) {
      assert.deepEqual(dilate(mask, W, H, r), bruteMorph(mask, r, false));
      assert.deepEqual(erode(mask, W, H, r), bruteMorph(mask, r, true));
    }
  }
});

Deno.test("components are 8-connected, numbered in raster order, with their areas", () => {
  // Two diagonal pixels touch (8-connectivity); a separate bar is the second component.
  const mask = new Uint8Array(W * H);
  mask[1 * W + 1] = mask[2 * W + 2] = 1;
  for (let x = 10; x < 14; x++) mask[5 * W + x] = 1;
  const { labels, count, areas } = components(mask, W, H);
  assert.equal(count, 2);
  assert.deepEqual(areas, [0, 2, 4]);
  assert.equal(labels[1 * W + 1], 1);
  assert.equal(labels[2 * W + 2], 1);
  assert.equal(labels[5 * W + 12], 2);
  assert.equal(labels[0], 0);
});

Deno.test("fillHoles fills what a component encloses up to the size limit, not what is open", () => {
  const mask = new Uint8Array(W * H);
  // A ring around a 3x3 hole, and a U open to one side.
  for (let y = 2; y <= 6; y++) for (let x = 2; x <= 6; x++) mask[y * W + x] = 1;
  for (let y = 3; y <= 5; y++) for (let x = 3; x <= 5; x++) mask[y * W + x] = 0;
  for (let y = 0; y <= 4; y++) mask[y * W + 15] = mask[y * W + 17] = 1;
  mask[4 * W + 16] = 1;
  const fill = (maxArea: number) => {
    const m = mask.slice();
    const { labels, areas } = components(m, W, H);
    fillHoles(m, labels, areas, W, H, maxArea);
    return { m, labels, areas };
  };
  assert.equal(fill(8).m[4 * W + 4], 0, "a 9-pixel hole stays open under a limit of 8");
  const { m, labels, areas } = fill(9);
  assert.equal(m[4 * W + 4], 1, "the 9-pixel hole is filled at 9");
  assert.equal(labels[4 * W + 4], labels[2 * W + 2], "by the ring's own label");
  assert.equal(areas[labels[2 * W + 2]], 25);
  assert.equal(m[1 * W + 16], 0, "the U is open at the top");
});

Deno.test("boxFilter equals a brute-force clamped window mean at radii 1 and 2", () => {
  const rand = mulberry32(3);
  const src = Float32Array.from({ length: W * H * 2 }, () => rand() * 100);
  for (const r of [1, 2]) {
    const out = new Float32Array(src.length);
    boxFilter(src, out, new Float32Array(src.length), W, H, 2, r);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 2; c++) {
          let sum = 0, count = 0;
          for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r); yy++) {
            for (let xx = Math.max(0, x - r); xx <= Math.min(W - 1, x + r); xx++) {
              sum += src[(yy * W + xx) * 2 + c];
              count++;
            }
          }
          assert.ok(Math.abs(out[(y * W + x) * 2 + c] - sum / count) < 1e-3, `r ${r}`);
        }
      }
    }
  }
});
