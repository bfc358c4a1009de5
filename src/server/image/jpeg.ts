/**
 * JPEG encoding of RGB frames through `jpeg-js` (pure JS, baseline).
 *
 * @module
 */

import jpeg from "jpeg-js";

/**
 * Encode an 8-bit RGB image (`width * height * 3` bytes, row-major) as a baseline JPEG.
 *
 * @param quality 1..100, as jpeg-js takes it.
 * @throws {RangeError} if `rgb.length` is not `width * height * 3` or a size is not positive.
 */
export function encodeJpeg(
  rgb: Uint8Array,
  width: number,
  height: number,
  quality = 75,
): Uint8Array {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new RangeError(`encodeJpeg: size ${width}x${height} must be positive integers`);
  }
  const n = width * height;
  if (rgb.length !== n * 3) {
    throw new RangeError(
      `encodeJpeg: ${rgb.length} bytes for a ${width}x${height} RGB image; need ${n * 3}`,
    );
  }
  // jpeg-js reads RGBA (and ignores alpha).
  const rgba = new Uint8Array(n * 4);
  for (let i = 0, j = 0; i < n * 3; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
    rgba[j + 3] = 255;
  }
  const { data } = jpeg.encode({ data: rgba, width, height }, quality);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
