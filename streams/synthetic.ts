/**
 * A procedural, seeded "boring video" with ground truth: a static textured background and a
 * few textured objects drifting slowly across it, bouncing off the edges.
 *
 * It exists so that the perception stages can be tested and demonstrated without a camera:
 * every frame comes with `truth`, the id of the object each pixel shows. The scene is defined
 * in units of the frame size, so it looks the same at any resolution; lengths use one unit for
 * both axes (the long side for the background, `sqrt(width * height)` for the objects), so a
 * 16:9 frame shows a wider scene, not a square one stretched: textures stay isotropic and
 * objects cover the same share of the frame as on a square one. The background is
 * desaturated (grey-brown value noise with faint stripes and a faint checker); objects are
 * saturated two-colour patterns (stripes, checker, dots, rings, plaid, zigzag), so they differ
 * from the background by texture and colour, and from each other by both too.
 *
 * @module
 */

import { mulberry32 } from "../src/util/mulberry32.ts";

/** Options for {@linkcode renderSyntheticFrame}. */
export interface SyntheticOptions {
  /** Frame width in pixels. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** Seed of the scene: the same seed gives the same bytes. Default 1. */
  seed?: number;
  /** Number of objects, 0 to 16. Default 4. */
  objects?: number;
  /**
   * Object size relative to the default, 0.1 to 2: at 1 objects are 15-25% of the frame's
   * width; at 0.25 they are 4-6%, a pedestrian in street footage. Default 1.
   */
  scale?: number;
  /** Frame rate: frame `index` shows the scene at `index / fps` seconds. Default 10. */
  fps?: number;
}

/** One rendered frame: pixels and their ground truth. */
export interface SyntheticFrame {
  /** `width * height * 3` bytes, rgb24. */
  data: Uint8Array;
  /** `width * height` object ids: 1..objects, 0 = background; the top-most where they overlap. */
  truth: Uint8Array;
}

/** Largest number of objects a scene may have. */
export const MAX_OBJECTS = 16;

/**
 * Renders frame `index` of the scene `opts` describes. Pure: the result depends only on the
 * arguments (scenes are cached internally, so consecutive frames only cost the drawing).
 *
 * @example
 * ```ts
 * const { data, truth } = renderSyntheticFrame({ width: 224, height: 224, seed: 3 }, 0);
 * data.length; // 224 * 224 * 3
 * Math.max(...truth); // 4
 * ```
 */
export function renderSyntheticFrame(opts: SyntheticOptions, index: number): SyntheticFrame {
  const { width, height, seed = 1, objects = 4, scale = 1, fps = 10 } = opts;
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`index must be a non-negative integer, got ${index}`);
  }
  if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`fps must be > 0, got ${fps}`);
  const scene = sceneFor(width, height, seed, objects, scale);
  const t = index / fps;
  const data = scene.background.slice();
  const truth = new Uint8Array(width * height);
  // Drawn in id order, so a higher id is on top where objects overlap: a fixed z-order.
  for (let i = 0; i < scene.objects.length; i++) {
    const object = scene.objects[i];
    const x0 = Math.round(bounce(object.x0 + object.vx * t) * (width - object.w));
    const y0 = Math.round(bounce(object.y0 + object.vy * t) * (height - object.h));
    blit(object, i + 1, x0, y0, width, height, data, truth);
  }
  return { data, truth };
}

/** An object pre-rendered at one resolution. */
interface Sprite {
  w: number;
  h: number;
  /** 1 where the shape covers the pixel. */
  mask: Uint8Array;
  rgb: Uint8Array;
  /** Start position and velocity, in units of the free range (see `bounce`). */
  x0: number;
  y0: number;
  vx: number;
  vy: number;
}

interface Scene {
  background: Uint8Array;
  objects: Sprite[];
}

// Rendering the background and sprites costs far more than a frame, so scenes are kept for
// the few (resolution, seed) pairs a process uses at a time.
const SCENE_CACHE_SIZE = 8;
const sceneCache = new Map<string, Scene>();

function sceneFor(
  width: number,
  height: number,
  seed: number,
  objects: number,
  scale: number,
): Scene {
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value < 8 || value > 8192) {
      throw new RangeError(`${name} must be an integer in [8, 8192], got ${value}`);
    }
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
  }
  if (!Number.isInteger(objects) || objects < 0 || objects > MAX_OBJECTS) {
    throw new RangeError(`objects must be an integer in [0, ${MAX_OBJECTS}], got ${objects}`);
  }
  if (!(scale >= 0.1 && scale <= 2)) {
    throw new RangeError(`scale must be a number in [0.1, 2], got ${scale}`);
  }
  const key = `${width}x${height}/${seed}/${objects}/${scale}`;
  let scene = sceneCache.get(key);
  if (scene) {
    // Refresh its place in the insertion order: the map doubles as an LRU list.
    sceneCache.delete(key);
  } else {
    scene = buildScene(width, height, seed, objects, scale);
    if (sceneCache.size >= SCENE_CACHE_SIZE) sceneCache.delete(sceneCache.keys().next().value!);
  }
  sceneCache.set(key, scene);
  return scene;
}

function buildScene(
  width: number,
  height: number,
  seed: number,
  objects: number,
  scale: number,
): Scene {
  const rand = mulberry32(seed ^ 0x9e3779b9);
  const background = renderBackground(width, height, rand);
  const shapes: Shape[] = ["ellipse", "roundedRect", "blob"];
  const textures = shuffle([...TEXTURES], rand);
  const shapeOffset = Math.floor(rand() * shapes.length);
  const hueStart = rand();
  const sprites: Sprite[] = [];
  const placed: Box[] = [];
  // Object sizes and speeds in one unit for both axes (the width of a square frame).
  const unit = Math.sqrt(width * height);
  for (let i = 0; i < objects; i++) {
    // Golden-ratio hue steps keep the objects' colours far apart from each other.
    const hue = (hueStart + i * 0.618034) % 1;
    const fracW = (0.15 + 0.1 * rand()) * scale;
    const aspect = 0.75 + 0.55 * rand();
    const w = Math.max(3, Math.min(width, Math.round(fracW * unit)));
    const h = Math.max(3, Math.min(Math.round(0.45 * height), Math.round(w * aspect)));
    const speed = 0.05 + 0.07 * rand(); // frame sizes per second: slow drift
    const angle = 2 * Math.PI * rand();
    const sprite = renderSprite(w, h, shapes[(i + shapeOffset) % shapes.length], {
      texture: textures[i % textures.length],
      colorA: hsv(hue, 0.75 + 0.2 * rand(), 0.85 + 0.15 * rand()),
      colorB: hsv((hue + 0.08 + 0.1 * rand()) % 1, 0.8 + 0.2 * rand(), 0.3 + 0.15 * rand()),
      angle: Math.PI * rand(),
      phase: [rand(), rand(), rand(), rand()],
    });
    // In units of the frame, from the unrounded size, so the layout is alike at any resolution.
    const box = {
      w: Math.min(1, fracW * (unit / width)),
      h: Math.min(0.45, (fracW * aspect * unit) / height),
      x: 0,
      y: 0,
    };
    const [x0, y0] = place(box, placed, rand);
    placed.push(box);
    sprites.push({
      ...sprite,
      x0,
      y0,
      // Velocities are in units of the free range, so the speed is scaled back to frames.
      vx: (speed * Math.cos(angle) * (unit / width)) / Math.max(0.05, 1 - w / width),
      vy: (speed * Math.sin(angle) * (unit / height)) / Math.max(0.05, 1 - h / height),
    });
  }
  return { background, objects: sprites };
}

/** An object's box in units of the frame. */
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Picks a start position (in units of the free range) where `box` covers at most a quarter of
 * any box already placed, or of itself, so that no object starts hidden behind another; they
 * may still cross later. Gives up after a few tries in crowded scenes.
 */
function place(box: Box, placed: Box[], rand: () => number): [number, number] {
  let x0 = 0;
  let y0 = 0;
  for (let attempt = 0; attempt < 64; attempt++) {
    x0 = rand();
    y0 = rand();
    box.x = x0 * (1 - box.w);
    box.y = y0 * (1 - box.h);
    const clear = placed.every((other) => {
      const ix = Math.min(box.x + box.w, other.x + other.w) - Math.max(box.x, other.x);
      const iy = Math.min(box.y + box.h, other.y + other.h) - Math.max(box.y, other.y);
      const smaller = Math.min(box.w * box.h, other.w * other.h);
      return ix <= 0 || iy <= 0 || ix * iy <= 0.25 * smaller;
    });
    if (clear) break;
  }
  return [x0, y0];
}

/** Position in [0, 1] of a point moving at constant speed that bounces between 0 and 1. */
function bounce(p: number): number {
  const m = ((p % 2) + 2) % 2;
  return m <= 1 ? m : 2 - m;
}

function blit(
  sprite: Sprite,
  id: number,
  x0: number,
  y0: number,
  width: number,
  height: number,
  data: Uint8Array,
  truth: Uint8Array,
) {
  const { w, h, mask, rgb } = sprite;
  for (let sy = Math.max(0, -y0); sy < h && y0 + sy < height; sy++) {
    const row = (y0 + sy) * width;
    for (let sx = Math.max(0, -x0); sx < w && x0 + sx < width; sx++) {
      const s = sy * w + sx;
      if (mask[s] === 0) continue;
      const p = row + x0 + sx;
      truth[p] = id;
      data[3 * p] = rgb[3 * s];
      data[3 * p + 1] = rgb[3 * s + 1];
      data[3 * p + 2] = rgb[3 * s + 2];
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Background

function renderBackground(width: number, height: number, rand: () => number): Uint8Array {
  // Muted palette: low saturation keeps the background distinct from the saturated objects.
  const hue = rand();
  const palette = [0, 1, 2].map((k) =>
    hsv((hue + 0.2 * k + 0.05 * rand()) % 1, 0.12 + 0.16 * rand(), 0.4 + 0.3 * rand())
  );
  const coarse = valueNoise(4, 4, rand);
  const fine = valueNoise(9, 9, rand);
  const mix = valueNoise(3, 3, rand);
  const stripeAngle = Math.PI * rand();
  const stripeCos = Math.cos(stripeAngle);
  const stripeSin = Math.sin(stripeAngle);
  const stripePeriod = 0.06 + 0.03 * rand(); // in long sides of the frame
  const checkerCells = 8 + Math.floor(5 * rand());
  const out = new Uint8Array(width * height * 3);
  // One unit for both axes, the long side: square checker cells and noise on any frame.
  const long = Math.max(width, height);
  for (let y = 0; y < height; y++) {
    const v = y / long;
    for (let x = 0; x < width; x++) {
      const u = x / long;
      const n = 0.65 * coarse(u, v) + 0.35 * fine(u, v);
      const m = mix(u, v);
      const stripe = Math.sin((2 * Math.PI * (u * stripeCos + v * stripeSin)) / stripePeriod);
      const checker = (Math.floor(u * checkerCells) + Math.floor(v * checkerCells)) & 1;
      const shade = 1 + 0.05 * stripe + (checker ? 0.04 : -0.04);
      const p = 3 * (y * width + x);
      for (let c = 0; c < 3; c++) {
        const a = palette[0][c] + (palette[1][c] - palette[0][c]) * n;
        const value = (a + (palette[2][c] - a) * m) * shade;
        out[p + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return out;
}

/** Smooth value noise on a `cx` by `cy` lattice over the unit square; values in [0, 1]. */
function valueNoise(cx: number, cy: number, rand: () => number): (u: number, v: number) => number {
  const lattice = new Float64Array((cx + 1) * (cy + 1)).map(() => rand());
  return (u, v) => {
    const gx = u * cx;
    const gy = v * cy;
    const ix = Math.min(cx - 1, Math.floor(gx));
    const iy = Math.min(cy - 1, Math.floor(gy));
    const fx = smoothstep(gx - ix);
    const fy = smoothstep(gy - iy);
    const at = (i: number, j: number) => lattice[j * (cx + 1) + i];
    const top = at(ix, iy) + (at(ix + 1, iy) - at(ix, iy)) * fx;
    const bottom = at(ix, iy + 1) + (at(ix + 1, iy + 1) - at(ix, iy + 1)) * fx;
    return top + (bottom - top) * fy;
  };
}

function smoothstep(f: number): number {
  return f * f * (3 - 2 * f);
}

// ---------------------------------------------------------------------------------------------
// Objects

type Shape = "ellipse" | "roundedRect" | "blob";

const TEXTURES = ["stripes", "checker", "dots", "rings", "plaid", "zigzag"] as const;
type Texture = typeof TEXTURES[number];

interface Look {
  texture: Texture;
  colorA: number[];
  colorB: number[];
  /** Orientation of directional textures, radians. */
  angle: number;
  /** Random numbers in [0, 1) that vary the shape and texture phase. */
  phase: number[];
}

function renderSprite(w: number, h: number, shape: Shape, look: Look) {
  const mask = new Uint8Array(w * h);
  const rgb = new Uint8Array(w * h * 3);
  // Texture period scales with the object, so it looks alike at any resolution: ~5 periods.
  const period = Math.max(3, Math.min(w, h) / 5);
  const cos = Math.cos(look.angle);
  const sin = Math.sin(look.angle);
  const inside = shapeTest(shape, look.phase);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // Normalised coordinates in [-1, 1] across the object's box, at the pixel centre.
      const nx = (2 * (x + 0.5)) / w - 1;
      const ny = (2 * (y + 0.5)) / h - 1;
      if (!inside(nx, ny)) continue;
      const s = y * w + x;
      mask[s] = 1;
      const t = textureAt(look.texture, x, y, w, h, period, cos, sin, look.phase[3]);
      // Slight darkening towards the rim makes the object read as a solid thing.
      const rim = 1 - 0.15 * Math.min(1, nx * nx + ny * ny);
      for (let c = 0; c < 3; c++) {
        const value = (look.colorA[c] + (look.colorB[c] - look.colorA[c]) * t) * rim;
        rgb[3 * s + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { w, h, mask, rgb };
}

/** The shape as a test of normalised box coordinates in [-1, 1]: true inside. */
function shapeTest(shape: Shape, phase: number[]): (nx: number, ny: number) => boolean {
  switch (shape) {
    case "ellipse":
      return (nx, ny) => nx * nx + ny * ny <= 1;
    case "roundedRect": {
      const corner = 0.35;
      return (nx, ny) => {
        const dx = Math.max(0, Math.abs(nx) - (1 - corner));
        const dy = Math.max(0, Math.abs(ny) - (1 - corner));
        return dx * dx + dy * dy <= corner * corner;
      };
    }
    case "blob": {
      // A circle whose radius wobbles with the angle, stretched to span its box exactly.
      const radius = (theta: number) =>
        1 + 0.17 * Math.sin(3 * theta + 2 * Math.PI * phase[0]) +
        0.1 * Math.sin(5 * theta + 2 * Math.PI * phase[1]);
      let ex = 0;
      let ey = 0;
      for (let k = 0; k < 720; k++) {
        const theta = (k / 720) * 2 * Math.PI;
        ex = Math.max(ex, Math.abs(radius(theta) * Math.cos(theta)));
        ey = Math.max(ey, Math.abs(radius(theta) * Math.sin(theta)));
      }
      return (nx, ny) => {
        const x = nx * ex;
        const y = ny * ey;
        const r = radius(Math.atan2(y, x));
        return x * x + y * y <= r * r;
      };
    }
  }
}

/** Mix between an object's two colours at a pixel: 0 = colour A, 1 = colour B. */
function textureAt(
  texture: Texture,
  x: number,
  y: number,
  w: number,
  h: number,
  period: number,
  cos: number,
  sin: number,
  phase: number,
): number {
  const along = (x * cos + y * sin) / period + phase;
  const across = (-x * sin + y * cos) / period + phase;
  switch (texture) {
    case "stripes":
      return Math.floor(2 * along) & 1;
    case "checker":
      return (Math.floor(1.4 * along) + Math.floor(1.4 * across)) & 1;
    case "dots": {
      const dx = along - Math.round(along);
      const dy = across - Math.round(across);
      return dx * dx + dy * dy < 0.09 ? 1 : 0;
    }
    case "rings": {
      const r = Math.hypot(x - w / 2, y - h / 2) / period;
      return Math.floor(2 * r + phase) & 1;
    }
    case "plaid":
      return 0.5 * ((Math.floor(2 * along) & 1) + (Math.floor(1.4 * across) & 1));
    case "zigzag": {
      const tri = Math.abs(((along % 1) + 1) % 1 - 0.5);
      return Math.floor(2 * (across + tri)) & 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Colour from hue, saturation and value in [0, 1], as [r, g, b] in 0..255. */
function hsv(h: number, s: number, v: number): number[] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return 255 * (v - v * s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
