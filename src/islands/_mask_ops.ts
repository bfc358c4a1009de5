/**
 * Binary mask operations for foreground masks: square dilation and erosion (separable running
 * counts, O(pixels) whatever the radius; radius 1, the common case, by 3-tap passes on bytes),
 * hole filling, and connected components.
 *
 * @module
 */

/**
 * Count of set pixels in the `(2r+1)^2` window around each pixel (clamped at the edges). Rows
 * with nothing set within `r` rows are skipped: foreground masks are mostly empty.
 */
function windowCounts(mask: Uint8Array, width: number, height: number, r: number): Int32Array {
  const rows = new Int32Array(width * height);
  const any = new Uint8Array(height);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    let set = 0;
    for (let x = 0; x < width; x++) set |= mask[o + x];
    if (!set) continue;
    any[y] = 1;
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
  let live = 0; // rows with something set inside the window
  for (let y = 0; y <= Math.min(r, height - 1); y++) {
    if (!any[y]) continue;
    live++;
    for (let x = 0; x < width; x++) col[x] += rows[y * width + x];
  }
  for (let y = 0; y < height; y++) {
    if (live > 0) out.set(col, y * width);
    const add = y + r + 1, drop = y - r;
    if (add < height && any[add]) {
      live++;
      for (let x = 0; x < width; x++) col[x] += rows[add * width + x];
    }
    if (drop >= 0 && any[drop]) {
      live--;
      for (let x = 0; x < width; x++) col[x] -= rows[drop * width + x];
    }
  }
  return out;
}

/**
 * Square dilation (`any`) or erosion (`all`) by radius 1: a 3-tap pass along rows, then along
 * columns, on bytes. Open and close run it several times a frame; the running counts of the
 * general radius cost about three times as much. Outside the frame is ignored, as in
 * {@linkcode erode}.
 */
function morph3(mask: Uint8Array, width: number, height: number, all: boolean): Uint8Array {
  const n = width * height;
  const rows = new Uint8Array(n);
  const out = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    const o = y * width, last = o + width - 1;
    if (all) {
      rows[o] = mask[o] & mask[o + 1];
      for (let i = o + 1; i < last; i++) rows[i] = mask[i - 1] & mask[i] & mask[i + 1];
      rows[last] = mask[last - 1] & mask[last];
    } else {
      rows[o] = mask[o] | mask[o + 1];
      for (let i = o + 1; i < last; i++) rows[i] = mask[i - 1] | mask[i] | mask[i + 1];
      rows[last] = mask[last - 1] | mask[last];
    }
  }
  const end = n - width;
  if (all) {
    for (let i = 0; i < width; i++) out[i] = rows[i] & rows[i + width];
    for (let i = width; i < end; i++) out[i] = rows[i - width] & rows[i] & rows[i + width];
    for (let i = end; i < n; i++) out[i] = rows[i - width] & rows[i];
  } else {
    for (let i = 0; i < width; i++) out[i] = rows[i] | rows[i + width];
    for (let i = width; i < end; i++) out[i] = rows[i - width] | rows[i] | rows[i + width];
    for (let i = end; i < n; i++) out[i] = rows[i - width] | rows[i];
  }
  return out;
}

const sizesCache = new Map<string, Int32Array>();

/** Window size (pixels inside the frame) of the `(2r+1)^2` window around each pixel. */
function windowSizes(width: number, height: number, r: number): Int32Array {
  const key = `${width}x${height}/${r}`;
  const hit = sizesCache.get(key);
  if (hit) return hit;
  if (sizesCache.size >= 8) sizesCache.delete(sizesCache.keys().next().value!);
  const out = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    const h = Math.min(height - 1, y + r) - Math.max(0, y - r) + 1;
    for (let x = 0; x < width; x++) {
      out[y * width + x] = h * (Math.min(width - 1, x + r) - Math.max(0, x - r) + 1);
    }
  }
  sizesCache.set(key, out);
  return out;
}

/** Square dilation of a 0/1 mask by radius `r` (a new mask). */
export function dilate(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  if (r === 1 && width > 1 && height > 1) return morph3(mask, width, height, false);
  const counts = windowCounts(mask, width, height, r);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = counts[i] > 0 ? 1 : 0;
  return out;
}

/** Square erosion of a 0/1 mask by radius `r` (a new mask); outside the frame counts as unset. */
export function erode(mask: Uint8Array, width: number, height: number, r: number): Uint8Array {
  if (r <= 0) return mask.slice();
  if (r === 1 && width > 1 && height > 1) return morph3(mask, width, height, true);
  const counts = windowCounts(mask, width, height, r);
  const sizes = windowSizes(width, height, r);
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < out.length; i++) out[i] = counts[i] === sizes[i] ? 1 : 0;
  return out;
}

/**
 * Fills the holes of each component of `labels` (`1..count`, 0 unset): unset or foreign regions
 * (4-connected) that the component encloses, up to `maxArea` pixels each and at most
 * `maxShare` of the component's own area, join it (a gap under an arm is a hole; a ring of
 * things around a patch of ground is not). Only each component's bounding box is visited, so
 * the cost follows the components, not the frame. Changes `labels`, `mask` and `areas` in
 * place.
 */
export function fillHoles(
  mask: Uint8Array,
  labels: Int32Array,
  areas: number[],
  width: number,
  height: number,
  maxArea: number,
  maxShare = Infinity,
): void {
  const count = areas.length - 1;
  const box = new Int32Array((count + 1) * 4);
  for (let k = 1; k <= count; k++) box.set([width, height, -1, -1], k * 4);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const k = labels[i];
      if (k === 0) continue;
      const b = k * 4;
      if (x < box[b]) box[b] = x;
      if (y < box[b + 1]) box[b + 1] = y;
      if (x > box[b + 2]) box[b + 2] = x;
      if (y > box[b + 3]) box[b + 3] = y;
    }
  }
  for (let k = 1; k <= count; k++) {
    const x0 = box[k * 4], y0 = box[k * 4 + 1], x1 = box[k * 4 + 2], y1 = box[k * 4 + 3];
    if (x1 - x0 < 2 || y1 - y0 < 2) continue;
    const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    // 1: outside (reached from the box's border without crossing the component).
    const seen = new Uint8Array(bw * bh);
    const stack = new Int32Array(bw * bh);
    let top = 0;
    const at = (lx: number, ly: number) => labels[(y0 + ly) * width + x0 + lx];
    for (let ly = 0; ly < bh; ly++) {
      for (let lx = 0; lx < bw; lx++) {
        if (lx !== 0 && ly !== 0 && lx !== bw - 1 && ly !== bh - 1) continue;
        const j = ly * bw + lx;
        if (at(lx, ly) !== k && !seen[j]) (seen[j] = 1, stack[top++] = j);
      }
    }
    const flood = (mark: number, region: number[] | null) => {
      while (top > 0) {
        const j = stack[--top];
        region?.push(j);
        const lx = j % bw, ly = (j - lx) / bw;
        const next = [
          lx > 0 ? j - 1 : -1,
          lx < bw - 1 ? j + 1 : -1,
          ly > 0 ? j - bw : -1,
          ly < bh - 1 ? j + bw : -1,
        ];
        for (const q of next) {
          if (q < 0 || seen[q]) continue;
          const qx = q % bw;
          if (at(qx, (q - qx) / bw) === k) continue;
          seen[q] = mark;
          stack[top++] = q;
        }
      }
    };
    flood(1, null);
    // What is left unreached and not the component is enclosed by it: holes.
    for (let j = 0; j < bw * bh; j++) {
      const lx = j % bw, ly = (j - lx) / bw;
      if (seen[j] || at(lx, ly) === k) continue;
      const region: number[] = [];
      seen[j] = 2;
      stack[top++] = j;
      flood(2, region);
      if (region.length > maxArea || region.length > maxShare * areas[k]) continue;
      for (const q of region) {
        const qx = q % bw, i = (y0 + (q - qx) / bw) * width + x0 + qx;
        if (labels[i] !== 0) areas[labels[i]]--;
        labels[i] = k;
        mask[i] = 1;
      }
      areas[k] += region.length;
    }
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
