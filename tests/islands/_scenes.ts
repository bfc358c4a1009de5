/**
 * Small camera-like scenes for the scene-model tests: a textured static background, a textured
 * object pasted where asked, sensor noise, and the weather corruptions of `streams/weather.ts`.
 *
 * @module
 */

import { mulberry32 } from "../../src/util/mulberry32.ts";
import { gaussian } from "./_fields.ts";

/** A textured background: smooth colour gradients plus fine value noise, rgb24. */
export function texturedBackground(width: number, height: number, seed = 1): Uint8Array {
  const rand = mulberry32(seed);
  const out = new Uint8Array(width * height * 3);
  const phase = [rand() * 6, rand() * 6, rand() * 6];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        const smooth = 110 + 50 * Math.sin(x / 9 + phase[c]) * Math.cos(y / 13 + phase[c]);
        out[p + c] = Math.max(0, Math.min(255, smooth + 30 * (rand() - 0.5)));
      }
    }
  }
  return out;
}

/** A copy of `frame` with a textured `w x h` box at (x0, y0) (clipped); its truth mask too. */
export function withObject(
  frame: Uint8Array,
  width: number,
  height: number,
  box: { x0: number; y0: number; w: number; h: number; color: [number, number, number] },
  seed = 7,
): { rgb: Uint8Array; truth: Uint8Array } {
  const rgb = frame.slice();
  const truth = new Uint8Array(width * height);
  const rand = mulberry32(seed);
  for (let y = box.y0; y < box.y0 + box.h; y++) {
    for (let x = box.x0; x < box.x0 + box.w; x++) {
      if (x < 0 || y < 0 || x >= width || y >= height) continue;
      const i = y * width + x;
      truth[i] = 1;
      for (let c = 0; c < 3; c++) {
        rgb[i * 3 + c] = Math.max(0, Math.min(255, box.color[c] + 20 * (rand() - 0.5)));
      }
    }
  }
  return { rgb, truth };
}

/** `frame` plus gaussian sensor noise of `sigma` grey levels (seeded per call). */
export function noisy(frame: Uint8Array, sigma: number, seed: number): Uint8Array {
  const normal = gaussian(mulberry32(seed));
  return Uint8Array.from(
    frame,
    (v) => Math.max(0, Math.min(255, Math.round(v + sigma * normal()))),
  );
}

/** Intersection over union of two 0/1 masks. */
export function maskIoU(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] !== 0, y = b[i] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
