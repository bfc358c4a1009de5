/**
 * Binary mask operations for foreground masks: square dilation and erosion (separable running
 * counts, O(pixels) whatever the radius), hole filling, and connected components.
 *
 * @module
 */

/** Count of set pixels in the `(2r+1)^2` window around each pixel (clamped at the edges). */
function windowCounts(mask: Uint8Array, width: number, height: number, r: number): Int32Array {
  const rows = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let sum = 0;
    for (let x = 0; x <= Math.min(r, width - 1); x++) sum += mask[o + x];
    for (let x = 0; x < width; x++) {
      rows[o + x] = sum;
      if (x + r + 1 < width) sum += mask[o + x + r + 1];
      if (x - r >= 0) sum -= mask[o + x - r];
    }
  }
  const out = new Int32Array(width * height);
  const col = new Int32Array(width);
  for (let y = 0; y <= Math.min(r, height - 1); y++) {
    for (let x = 0; x < width; x++) col[x] += rows[y * width + x];
  }
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) out[o + x] = col[x];
    if (y + r + 1 < height) {
      for (let x = 0; x < width; x++) col[x] += rows[(y + r + 1) * width + x];
    }
    if (y - r >= 0) { for (let x = 0; x < width; x++) col[x] -= rows[(y - r) * width + x]; }
  }
  return out;
}

/** Window size (pixels inside the frame) of the `(2r+1)^2` window around each pixel. */
function windowSizes(width: number, height: number, r: number): Int32Array {
  const out = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const h = Math.min(height - 1, y + r) - Math.max(0, y - r) + 1;
    for (let x = 0; x < width; x++) {
      out[y * width + x] = h * (Math.min(width - 1, x + r) - Math.max(0, x - r) + 1);
    }
  }
  return out;
}

/** Square dilation of a 0/1 mask by radius `r` (a new mask). */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const counts = windowCounts(mask, width, height, r);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = counts[i] > 0 ? 1 : 0;
  return out;
}

/** Square erosion of a 0/1 mask by radius `r` (a new mask); outside the frame counts as unset. */
export function erode(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  const counts = windowCounts(mask, width, height, r);
  const sizes = windowSizes(width, height, r);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = counts[i] === sizes[i] ? 1 : 0;
  return out;
}

/**
 * Sets the holes of a mask: unset 4-connected regions that do not touch the frame's border and
 * have at most `maxArea` pixels. Changes `mask` in place.
 */
export function fillHoles(mask: Uint8Array, width: number, height: number, maxArea: number): void {
  const n = width * height;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  const region: number[] = [];
  for (let start = 0; start < n; start++) {
    if (mask[start] || seen[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    region.length = 0;
    let border = false;
    while (top > 0) {
      const i = stack[--top];
      region.push(i);
      const x = i % width, y = (i - x) / width;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1) border = true;
      if (x > 0 && !mask[i - 1] && !seen[i - 1]) (seen[i - 1] = 1, stack[top++] = i - 1);
      if (x < width - 1 && !mask[i + 1] && !seen[i + 1]) (seen[i + 1] = 1, stack[top++] = i + 1);
      if (y > 0 && !mask[i - width] && !seen[i - width]) {
        seen[i - width] = 1;
        stack[top++] = i - width;
      }
      if (y < height - 1 && !mask[i + width] && !seen[i + width]) {
        seen[i + width] = 1;
        stack[top++] = i + width;
      }
    }
    if (!border && region.length <= maxArea) { for (const i of region) mask[i] = 1; }
  }
}

/**
 * 8-connected components of the set pixels: labels `1..K` in raster order of first pixel (0 for
 * unset pixels), with each component's area.
 */
export function components(
  mask: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; count: number; areas: number[] } {
  const n = width * height;
  const labels = new Int32Array(n);
  const stack = new Int32Array(n);
  const areas: number[] = [0];
  let count = 0;
  for (let start = 0; start < n; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = ++count;
    let area = 0;
    let top = 0;
    stack[top++] = start;
    labels[start] = id;
    while (top > 0) {
      const i = stack[--top];
      area++;
      const x = i % width, y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (mask[j] && !labels[j]) {
            labels[j] = id;
            stack[top++] = j;
          }
        }
      }
    }
    areas.push(area);
  }
  return { labels, count, areas };
}
