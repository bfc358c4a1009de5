/**
 * Upsampling a coarse island label map (one label per feature-grid cell) to image resolution,
 * with island boundaries snapped to the colour edges of the frame.
 *
 * @module
 */

/** Options of {@linkcode upsampleLabels}. */
export interface UpsampleLabelsOptions {
  /**
   * Weight of the spatial term: the cost of one cell of distance from a label's nearest cell
   * centre, in units of the full RGB range (a colour distance of 255). It makes the nearest
   * label win where the colours do not decide; a colour difference of `spatialWeight * 255`
   * levels outweighs one cell of distance.
   *
   * @default {0.05}
   */
  spatialWeight?: number;
}

/** Default {@linkcode UpsampleLabelsOptions.spatialWeight}. */
export const DEFAULT_SPATIAL_WEIGHT = 0.05;

function checkSizes(fn: string, labels: Int32Array, gridW: number, gridH: number, sizes: number[]) {
  for (const v of [gridW, gridH, ...sizes]) {
    if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`${fn}: sizes must be positive`);
  }
  if (labels.length !== gridW * gridH) {
    throw new RangeError(`${fn}: ${labels.length} labels for a ${gridW}x${gridH} grid`);
  }
}

/** Nearest cell along one axis for each of `n` output samples (centres aligned). */
function nearestIndex(cells: number, n: number): Int32Array {
  const index = new Int32Array(n);
  for (let i = 0; i < n; i++) index[i] = Math.min(cells - 1, Math.floor(((i + 0.5) * cells) / n));
  return index;
}

/**
 * Plain nearest-neighbour upsampling of a `gridW x gridH` label map to `outW x outH`, the
 * baseline that {@linkcode upsampleLabels} refines.
 *
 * @throws {RangeError} if `labels.length` is not `gridW * gridH` or a size is not positive.
 */
export function nearestUpsampleLabels(
  labels: Int32Array,
  gridW: number,
  gridH: number,
  outW: number,
  outH: number,
): Int32Array {
  checkSizes("nearestUpsampleLabels", labels, gridW, gridH, [outW, outH]);
  const xs = nearestIndex(gridW, outW), ys = nearestIndex(gridH, outH);
  const out = new Int32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const row = ys[y] * gridW, o = y * outW;
    for (let x = 0; x < outW; x++) out[o + x] = labels[row + xs[x]];
  }
  return out;
}

/**
 * Edge-aware upsampling of a `gridW x gridH` label map to `outW x outH`, guided by the frame
 * (`guide`: RGB, `guideW x guideH`, sampled at each output pixel's position).
 *
 * Each output pixel lies among the 2x2 grid cells whose centres surround it (the nearest cell
 * is always one of them). Their labels are the candidates; when they agree, the pixel takes
 * that label, exactly as nearest-neighbour upsampling would. Otherwise each candidate label is
 * scored by the RGB distance between the pixel and the label's mean colour over those cells
 * (cell means computed once from the guide), plus {@linkcode UpsampleLabelsOptions.spatialWeight}
 * times the distance, in cells, to the nearest centre of a cell with that label; the lowest
 * score wins. So a boundary moves to the colour edge that runs between cell centres, while
 * where colours do not tell the labels apart it stays where nearest-neighbour puts it.
 * Cost: O(gridW * gridH + guideW * guideH + outW * outH).
 *
 * @throws {RangeError} on a size mismatch.
 */
export function upsampleLabels(
  labels: Int32Array,
  gridW: number,
  gridH: number,
  guide: Uint8Array,
  guideW: number,
  guideH: number,
  outW: number,
  outH: number,
  opts: UpsampleLabelsOptions = {},
): Int32Array {
  const { spatialWeight = DEFAULT_SPATIAL_WEIGHT } = opts;
  checkSizes("upsampleLabels", labels, gridW, gridH, [guideW, guideH, outW, outH]);
  if (guide.length !== guideW * guideH * 3) {
    throw new RangeError(`upsampleLabels: ${guide.length} bytes for a ${guideW}x${guideH} guide`);
  }
  const cellMean = cellMeans(guide, guideW, guideH, gridW, gridH);

  // Quads: quad (qx, qy) holds cells qx..qx+1 by qy..qy+1, clamped to the grid, for
  // qx in -1..gridW-1 (index qx + 1). Per quad: its distinct labels, their mean colours,
  // and for each of its four cells which distinct label it has.
  const qw = gridW + 1, qh = gridH + 1;
  const quadCount = new Uint8Array(qw * qh);
  const quadLabel = new Int32Array(qw * qh * 4);
  const quadMean = new Float32Array(qw * qh * 12);
  const quadSlot = new Uint8Array(qw * qh * 4);
  const weight = new Float32Array(4);
  for (let qy = 0; qy < qh; qy++) {
    for (let qx = 0; qx < qw; qx++) {
      const q = qy * qw + qx;
      let count = 0;
      weight.fill(0);
      for (let c = 0; c < 4; c++) {
        const cx = clamp(qx - 1 + (c & 1), gridW), cy = clamp(qy - 1 + (c >> 1), gridH);
        const cell = cy * gridW + cx, label = labels[cell];
        let slot = 0;
        while (slot < count && quadLabel[q * 4 + slot] !== label) slot++;
        if (slot === count) quadLabel[q * 4 + count++] = label;
        quadSlot[q * 4 + c] = slot;
        weight[slot]++;
        for (let ch = 0; ch < 3; ch++) quadMean[q * 12 + slot * 3 + ch] += cellMean[cell * 3 + ch];
      }
      quadCount[q] = count;
      for (let s = 0; s < count; s++) {
        for (let ch = 0; ch < 3; ch++) quadMean[q * 12 + s * 3 + ch] /= weight[s];
      }
    }
  }

  // Per output column / row: position in cell units (centres at integers), quad index, and
  // the guide pixel under the output pixel.
  const posX = new Float64Array(outW), quadX = new Int32Array(outW), guideX = new Int32Array(outW);
  for (let x = 0; x < outW; x++) {
    posX[x] = ((x + 0.5) * gridW) / outW - 0.5;
    quadX[x] = Math.floor(posX[x]) + 1;
    guideX[x] = Math.min(guideW - 1, Math.floor(((x + 0.5) * guideW) / outW));
  }
  const out = new Int32Array(outW * outH);
  const cost = new Float64Array(4), nearest = new Float64Array(4);
  const scale = 1 / 255;
  for (let y = 0; y < outH; y++) {
    const v = ((y + 0.5) * gridH) / outH - 0.5;
    const qy = Math.floor(v) + 1;
    const guideRow = Math.min(guideH - 1, Math.floor(((y + 0.5) * guideH) / outH)) * guideW;
    // Vertical distances to the quad's top and bottom cell centres (clamped cells included).
    const dyTop = Math.abs(v - clamp(qy - 1, gridH)), dyBottom = Math.abs(v - clamp(qy, gridH));
    for (let x = 0; x < outW; x++) {
      const q = qy * qw + quadX[x];
      const count = quadCount[q];
      if (count === 1) {
        out[y * outW + x] = quadLabel[q * 4];
        continue;
      }
      const g = (guideRow + guideX[x]) * 3;
      const r = guide[g], gr = guide[g + 1], b = guide[g + 2];
      for (let s = 0; s < count; s++) {
        const m = q * 12 + s * 3;
        const dr = r - quadMean[m], dg = gr - quadMean[m + 1], db = b - quadMean[m + 2];
        cost[s] = scale * Math.sqrt(dr * dr + dg * dg + db * db);
      }
      // Spatial term: each candidate's cost rises by the distance to its nearest cell centre.
      const u = posX[x];
      const dxLeft = Math.abs(u - clamp(quadX[x] - 1, gridW));
      const dxRight = Math.abs(u - clamp(quadX[x], gridW));
      nearest.fill(Infinity);
      for (let c = 0; c < 4; c++) {
        const dx = c & 1 ? dxRight : dxLeft, dy = c >> 1 ? dyBottom : dyTop;
        const d = Math.sqrt(dx * dx + dy * dy);
        const slot = quadSlot[q * 4 + c];
        if (d < nearest[slot]) nearest[slot] = d;
      }
      let best = 0;
      for (let s = 0; s < count; s++) {
        cost[s] += spatialWeight * nearest[s];
        if (cost[s] < cost[best]) best = s;
      }
      out[y * outW + x] = quadLabel[q * 4 + best];
    }
  }
  return out;
}

function clamp(i: number, n: number): number {
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/** Mean guide colour over each grid cell's footprint (`gridW * gridH * 3` values). */
function cellMeans(
  guide: Uint8Array,
  guideW: number,
  guideH: number,
  gridW: number,
  gridH: number,
): Float32Array {
  const sum = new Float64Array(gridW * gridH * 3);
  const count = new Float64Array(gridW * gridH);
  const cellX = new Int32Array(guideW);
  for (let x = 0; x < guideW; x++) {
    cellX[x] = Math.min(gridW - 1, Math.floor(((x + 0.5) * gridW) / guideW));
  }
  for (let y = 0; y < guideH; y++) {
    const row = Math.min(gridH - 1, Math.floor(((y + 0.5) * gridH) / guideH)) * gridW;
    for (let x = 0; x < guideW; x++) {
      const cell = row + cellX[x], g = (y * guideW + x) * 3;
      sum[cell * 3] += guide[g];
      sum[cell * 3 + 1] += guide[g + 1];
      sum[cell * 3 + 2] += guide[g + 2];
      count[cell]++;
    }
  }
  const mean = new Float32Array(gridW * gridH * 3);
  for (let cell = 0; cell < gridW * gridH; cell++) {
    // A guide smaller than the grid leaves cells without pixels: give them the nearest pixel.
    if (count[cell] === 0) {
      const cx = cell % gridW, cy = Math.floor(cell / gridW);
      const gx = Math.min(guideW - 1, Math.floor(((cx + 0.5) * guideW) / gridW));
      const gy = Math.min(guideH - 1, Math.floor(((cy + 0.5) * guideH) / gridH));
      for (let ch = 0; ch < 3; ch++) mean[cell * 3 + ch] = guide[(gy * guideW + gx) * 3 + ch];
    } else {
      for (let ch = 0; ch < 3; ch++) mean[cell * 3 + ch] = sum[cell * 3 + ch] / count[cell];
    }
  }
  return mean;
}
