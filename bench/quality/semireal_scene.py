"""Renders one semi-real camera sequence for the island-quality benchmark, frame by frame.

Real photographs shipped by Debian (scikit-image's sample images) make the static scenes, either
as they are (the park: `camera.png`) or as textures laid on a ground plane seen in perspective;
pedestrians and cars are silhouettes filled with crops of other photographs, with mild shading,
walking or driving across at realistic speeds, casting soft shadows. A camera model then adds
lens blur, slow exposure drift, optional shake and sensor noise. The caller
(`bench/quality/semireal.ts`) encodes the frames with libx264 and owns the catalogue of sequences.

Usage: /usr/bin/python3 semireal_scene.py '<spec as JSON>'
  spec: {"width", "height", "frames", "seed", "scene": one of SCENES, "pedestrians", "cars",
         "stops", "jitter_px", "noise_sigma", "drift", "saturation", "blur_sigma", "shadows",
         "truth_path", "scene_path"}; the camera's keys and "shadows" are optional (zero noise,
         blur, drift and shake and no shadows render the scene exactly, for tests)
  stdout:          frames * height * width * 3 bytes, rgb24, frame after frame.
  spec.truth_path: frames * height * width bytes, uint8 instance labels: 0 = background,
                   k = object k (the same k for the same object in every frame), the top-most
                   object where they overlap. They are exactly the pixels where an object was
                   painted, before lens blur, noise and compression; shadows are background.
  spec.scene_path: JSON: the objects (id, kind, frames visible, stops), sources, geometry.
Exit status 0 on success, 2 on a bad spec (message on stderr). The same spec gives the same
bytes (numpy's PCG64 and OpenCV's drawing are deterministic on one machine).
"""

import functools
import json
import math
import sys

import cv2
import numpy as np

SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data/"
PERSON_M = 1.7  # a pedestrian's height in metres: with the camera height it sets the perspective
MARGIN = 4  # extra background pixels on each side, so a shaking camera never shows a border


@functools.lru_cache(maxsize=None)
def photo(name):
    """A scikit-image sample photograph as float32 RGB in [0, 1], decoded once and shared
    (read-only: callers slice and resize it into arrays of their own)."""
    img = cv2.imread(SKIMAGE + name, cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f"{SKIMAGE}{name} (install python3-skimage)")
    out = cv2.cvtColor(img, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0
    out.setflags(write=False)
    return out


def bricks(rotate=False):
    """The middle of `brick.png`, where its courses are nearly straight (the photo is taken at
    an angle, and mirror-tiling the whole of it would show chevrons); rotated for a wall."""
    img = photo("brick.png")[:, 150:370]
    return np.rot90(img).copy() if rotate else img


def luminance(img):
    """Rec. 601 luma of an RGB image."""
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def tinted(gray_img, rgb, contrast=1.0):
    """A photo's luminance detail carrying another colour: `rgb` on average, its texture kept."""
    lum = luminance(gray_img) if gray_img.ndim == 3 else gray_img
    rel = lum / max(float(lum.mean()), 1e-3)
    rel = 1.0 + contrast * (rel - 1.0)
    return np.clip(rel[..., None] * np.asarray(rgb, np.float32), 0, 1)


def low_freq(rng, h, w, cells=6):
    """Smooth random field in about [-1, 1]: uneven light, patchy ground, wavy borders."""
    small = rng.standard_normal((cells, cells)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC) / 1.5


def mirror(c, n):
    """Coordinates folded into [0, n) by mirroring, so a texture tiles without seams."""
    c = np.mod(c, 2.0 * n)
    return np.where(c < n, c, 2.0 * n - c - 1.0).astype(np.float32)


def sample_tiled(tex, u_px, v_px):
    """Bilinear samples of `tex` at (u_px, v_px), tiled by mirroring."""
    th, tw = tex.shape[:2]
    return cv2.remap(tex, mirror(u_px, tw), mirror(v_px, th), cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


class Scene:
    """A static camera view: its background and where objects may go, in frame pixels.

    Perspective: a pinhole camera `cam_h` metres above flat ground whose horizon is at row
    `y_h`, so an object standing with its foot on row y is `size_m * (y - y_h) / cam_h` pixels
    tall (or long). `bands` are the rows where pedestrians' feet go, `lanes` the rows where cars'
    wheels touch the ground, with a direction (+1 right, -1 left, 0 either).
    """

    def __init__(self, name, sources, bg, y_h, cam_h, bands, lanes, light, tint, shadow,
                 occluder=None):
        self.name, self.sources, self.bg = name, sources, bg
        self.y_h, self.cam_h, self.bands, self.lanes = y_h, cam_h, bands, lanes
        self.light, self.tint = light, np.asarray(tint, np.float32)
        self.shadow = shadow  # (kx, ky, strength): shadow shear sideways, along the ground, depth
        self.occluder = occluder  # static foreground that hides objects (bool, like bg), or None

    def size_px(self, y, size_m):
        """Pixels that `size_m` metres span standing on row `y`."""
        return size_m * (y - self.y_h) / self.cam_h


def ground_row(y_h, cam_h, px, size_m=PERSON_M):
    """The row where something `size_m` metres tall (or long) stands when it is `px` pixels."""
    return y_h + px * cam_h / size_m


def camera_height(height, y_h):
    """The camera height (m) that makes a pedestrian 55 px tall at 288 rows (scaled with the
    frame) when standing on row 0.97 * height: the nearest walkers of the brief."""
    return PERSON_M * (0.97 * height - y_h) / (55 / 288 * height)


def ground_scene(width, height, y_h, layout, ss=2):
    """A ground plane seen in perspective, textured by `layout(u, z, rows, xs, cam_h, f)` -> RGB.

    The camera height is `camera_height`'s; `u` is metres sideways, `z`
    metres ahead, both per (super-sampled) pixel, rows at or above the horizon getting z = inf;
    `rows` are the pixel rows below the horizon, `xs` the columns, `f` the focal length (px).
    Super-sampling by `ss` then area averaging keeps far texture from aliasing into moire.
    """
    cam_h = camera_height(height, y_h)
    f = float(width)
    hs, ws = (height + 2 * MARGIN) * ss, (width + 2 * MARGIN) * ss
    ys = (np.arange(hs, dtype=np.float32) + 0.5) / ss - MARGIN
    xs = (np.arange(ws, dtype=np.float32) + 0.5) / ss - MARGIN
    dy = ys - y_h
    with np.errstate(divide="ignore"):
        z_row = np.where(dy > 0.5, f * cam_h / np.maximum(dy, 1e-3), np.inf).astype(np.float32)
    z = np.broadcast_to(z_row[:, None], (hs, ws))
    u = (xs[None, :] - width / 2) * np.where(np.isfinite(z), z / f, 0)
    img = layout(u.astype(np.float32), z, dy, xs, cam_h, f)
    img = cv2.resize(img, (width + 2 * MARGIN, height + 2 * MARGIN), interpolation=cv2.INTER_AREA)
    return img, cam_h


def texture_on_ground(tex, u, z, px_per_m):
    """`tex` laid flat on the ground, `px_per_m` of its pixels a metre, tiled."""
    zz = np.where(np.isfinite(z), z, 0)
    return sample_tiled(tex, u * px_per_m, zz * px_per_m)


def facade(tex, xs, rows, z_wall, f, cam_h, px_per_m):
    """A vertical wall standing on the ground at depth z_wall (its base `f * cam_h / z_wall`
    rows below the horizon), for every pixel: texture laid out in metres on the wall, and the
    wall coordinates (u metres sideways, v metres *below* the base: -v is the height)."""
    u = np.broadcast_to(xs[None, :] * z_wall / f, (rows.size, xs.size))
    v = np.broadcast_to((rows[:, None] - f * cam_h / z_wall) * z_wall / f, (rows.size, xs.size))
    return sample_tiled(tex, u * px_per_m, v * px_per_m), u, v


def fill_backdrop(bg, backdrop, tile=False):
    """Paints `backdrop` where `bg` is NaN (what stands above a wall or hedge), scaled to the
    height of that region and anchored at its lowest row; `tile`: keep the photo's aspect and
    repeat it sideways, mirrored, instead of stretching it to the width."""
    free = np.isnan(bg).any(axis=2)
    if not free.any():
        return bg
    rows, width = int(np.nonzero(free.any(axis=1))[0].max()) + 1, bg.shape[1]
    if tile:
        w = max(1, int(round(backdrop.shape[1] * rows / backdrop.shape[0])))
        piece = cv2.resize(backdrop, (w, rows), interpolation=cv2.INTER_AREA)
        reps = [piece if i % 2 == 0 else piece[:, ::-1] for i in range(width // w + 1)]
        fill = np.concatenate(reps, axis=1)[:, :width]
    else:
        fill = cv2.resize(backdrop, (width, rows), interpolation=cv2.INTER_AREA)
    out = bg.copy()
    out[:rows] = np.where(free[:rows, :, None], fill, bg[:rows])
    return out


def quilt(src, size, patch, rng):
    """A `size` x `size` texture of random `patch`-pixel squares of `src`, feathered together:
    a small photo region made into a larger one that does not visibly repeat."""
    out = np.zeros((size + patch, size + patch, 3), np.float32)
    weight = np.zeros((size + patch, size + patch, 1), np.float32)
    win = np.outer(np.hanning(patch + 2)[1:-1], np.hanning(patch + 2)[1:-1])[..., None]
    step = patch // 2
    for y in range(0, size, step):
        for x in range(0, size, step):
            sy = int(rng.integers(0, src.shape[0] - patch))
            sx = int(rng.integers(0, src.shape[1] - patch))
            out[y:y + patch, x:x + patch] += src[sy:sy + patch, sx:sx + patch] * win
            weight[y:y + patch, x:x + patch] += win
    return (out / np.maximum(weight, 1e-6))[step:step + size, step:step + size]


def blend(a, b, w):
    """`a` where w <= 0, `b` where w >= 1, mixed between."""
    w = np.clip(w, 0, 1)[..., None]
    return a * (1 - w) + b * w


def vignette(img, strength=0.18):
    """Corners darker than the centre, as through a real lens."""
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    return img * (1 - strength * r2 / 2)[..., None]


# ------------------------------------------------------------------ scenes ----------------------


def scene_park(rng, width, height):
    """`camera.png`: a field with buildings on the horizon and a cameraman on his tripod in the
    foreground; an eye-level camera, so walkers' heads stay near the horizon. The cameraman and
    the tripod hide whoever walks behind them. A near-monochrome camera (the photo is grey)."""
    src = photo("camera.png")[128:512, 0:512]  # 4:3, the field from its horizon down
    sy = (height + 2 * MARGIN) / 384.0
    bg = cv2.resize(src, (width + 2 * MARGIN, height + 2 * MARGIN), interpolation=cv2.INTER_AREA)
    # The cameraman: his dark coat, the largest dark blob left of x = 330 (source pixels);
    # the tripod: its column and legs, hand-drawn (thin light metal the threshold misses).
    lum = luminance(photo("camera.png"))
    dark = ((lum < 0.33) * 255).astype(np.uint8)
    dark[:, 330:] = 0
    dark = cv2.morphologyEx(dark, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    man = (lab == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8) * 255
    for poly, thick in (([(292, 190), (294, 480)], 9), ([(291, 320), (236, 500)], 9),
                        ([(297, 320), (404, 505)], 9), ([(292, 320), (296, 488)], 7)):
        cv2.line(man, poly[0], poly[1], 255, thick)
    man = man[128:512, 0:512]
    occluder = cv2.resize(man, (width + 2 * MARGIN, height + 2 * MARGIN),
                          interpolation=cv2.INTER_NEAREST) > 127
    y_h = (235 - 128) * sy - MARGIN  # the far edge of the field
    cam_h = 1.5  # eye level: a person is 1.7 m
    y_lo = ground_row(y_h, cam_h, 35 / 288 * height)
    y_hi = ground_row(y_h, cam_h, 55 / 288 * height)
    return Scene("park", ["skimage/data/camera.png"], bg, y_h, cam_h, [(y_lo, y_hi)], [],
                 light=1.0, tint=(1.0, 1.0, 1.0), shadow=(0.35, 0.25, 0.35), occluder=occluder)


def scene_plaza(rng, width, height):
    """A brick pavement crossing a lawn, seen from a high camera (no horizon in view)."""
    brick = tinted(bricks(), (0.55, 0.42, 0.37), 0.8)
    grass = tinted(photo("grass.png"), (0.33, 0.43, 0.2), 1.1)
    gravel = tinted(photo("gravel.png"), (0.62, 0.6, 0.56), 0.9)
    y_h = -0.3 * height

    def layout(u, z, rows, xs, cam_h, f):
        wob = low_freq(rng, *u.shape, cells=8) * 0.25
        c = u - 0.35 * (z - 12) - 1.0 + wob
        a = texture_on_ground(brick, u, z, 110)
        g = texture_on_ground(grass, u, z, 170)
        k = texture_on_ground(gravel, u, z, 140)
        img = blend(g, k, (3.6 - np.abs(c)) / 0.15)
        img = blend(img, a, (3.2 - np.abs(c)) / 0.05)
        light = 1 + 0.08 * low_freq(rng, *u.shape, cells=5)
        return img * light[..., None]

    bg, cam_h = ground_scene(width, height, y_h, layout)
    far = ground_row(y_h, cam_h, 35 / 288 * height)
    return Scene("plaza", ["skimage/data/brick.png", "skimage/data/grass.png",
                           "skimage/data/gravel.png"], vignette(bg), y_h, cam_h,
                 [(far, 0.97 * height)], [], light=1.0, tint=(1.0, 0.98, 0.95),
                 shadow=(-0.4, 0.2, 0.4))


def road_layout(rng, asphalt, brick, grass, z_road, z_far_walk, z_hedge, marks=True):
    """A street seen from the side: sidewalk, a two-lane road, far sidewalk, a grass verge and
    a hedge, which hides the ground beyond it; NaN above the hedge (the caller fills it)."""

    def layout(u, z, rows, xs, cam_h, f):
        zz = np.where(np.isfinite(z), z, 1e9)
        img = texture_on_ground(brick, u, z, 100)
        road = texture_on_ground(asphalt, u, z, 260)
        in_road = ((zz > z_road[0]) & (zz < z_road[1])).astype(np.float32)
        img = blend(img, road, in_road)
        if marks:  # dashed centre line and edge lines, worn paint
            mid = (z_road[0] + z_road[1]) / 2
            dash = (np.abs(zz - mid) < 0.08) & (np.mod(u, 6.0) < 3.0)
            edge = (np.abs(zz - z_road[0] - 0.25) < 0.07) | (np.abs(zz - z_road[1] + 0.25) < 0.07)
            paint = (dash | edge).astype(np.float32) * (0.75 + 0.25 * road[..., 0] / 0.3)
            img = blend(img, np.full_like(img, 0.82), 0.85 * paint)
        curb = ((np.abs(zz - z_road[0]) < 0.15) | (np.abs(zz - z_road[1]) < 0.15))
        img = blend(img, img * 0.7 + 0.25, curb.astype(np.float32))
        verge = texture_on_ground(grass, u, z, 170)
        img = blend(img, verge, (zz > z_far_walk).astype(np.float32))
        hedge, _, v = facade(grass, xs, rows, z_hedge, f, cam_h, 50)
        top = 1.4 + 0.25 * low_freq(rng, *u.shape, cells=12)  # metres, a ragged top
        img = blend(img, hedge * 0.6, ((zz > z_hedge) & (-v < top)).astype(np.float32))
        light = 1 + 0.07 * low_freq(rng, *u.shape, cells=5)
        img = img * light[..., None]
        return np.where(((zz > z_hedge) & (-v >= top))[..., None], np.nan, img)

    return layout


def scene_street(rng, width, height):
    """A street from a first-floor camera: near sidewalk, two lanes, far sidewalk, a verge and
    a hedge, and beyond it a town's skyline (`camera.png`'s, right of the cameraman)."""
    asphalt = tinted(photo("gravel.png"), (0.3, 0.3, 0.31), 0.55)
    brick = tinted(bricks(), (0.6, 0.55, 0.5), 0.7)
    grass = tinted(photo("grass.png"), (0.3, 0.4, 0.18), 1.1)
    skyline = photo("camera.png")[150:236, 330:512] * np.array([0.95, 0.98, 1.05], np.float32)
    y_h = 0.1 * height
    cam_h = camera_height(height, y_h)
    f = float(width)
    # Rows (fractions of the height) where the road begins and ends, the far sidewalk ends and
    # the hedge stands; as depths, for the layout.
    rows = (0.68, 0.5, 0.44, 0.4)
    road_near, road_far, walk_far, hedge_at = (f * cam_h / (r * height - y_h) for r in rows)
    layout = road_layout(rng, asphalt, brick, grass, (road_near, road_far), walk_far, hedge_at)
    bg, _ = ground_scene(width, height, y_h, layout)
    bg = fill_backdrop(bg, skyline, tile=True)
    far = ground_row(y_h, cam_h, 35 / 288 * height)
    # Cars keep right: the near lane goes right, the far one left.
    lanes = [((rows[0] - 0.015) * height, 1), ((0.35 * rows[0] + 0.65 * rows[1]) * height, -1)]
    return Scene("street", ["skimage/data/gravel.png", "skimage/data/brick.png",
                            "skimage/data/grass.png", "skimage/data/camera.png"], vignette(bg),
                 y_h, cam_h, [(max(far, rows[0] * height + 4), 0.97 * height)], lanes,
                 light=0.95, tint=(1.0, 1.0, 1.0), shadow=(0.5, 0.12, 0.45))


def scene_yard(rng, width, height):
    """A gravel yard with a lawn, closed by a low brick wall with trees behind it."""
    gravel = tinted(photo("gravel.png"), (0.55, 0.52, 0.47), 1.0)
    wall = tinted(bricks(rotate=True), (0.6, 0.38, 0.3), 0.9)
    grass = tinted(photo("grass.png"), (0.3, 0.38, 0.2), 1.0)
    y_h = 0.2 * height

    def layout(u, z, rows, xs, cam_h, f):
        img = texture_on_ground(gravel, u, z, 180)
        zz = np.where(np.isfinite(z), z, 1e9)
        wob = low_freq(rng, *u.shape, cells=7) * 1.5
        img = blend(img, texture_on_ground(grass, u, z, 160), (u - 9 + wob) / 0.3)
        z_wall = f * cam_h / (0.36 * height - y_h)
        front, _, fv = facade(wall, xs, rows, z_wall, f, cam_h, 80)
        trees, _, _ = facade(grass, xs, rows, z_wall * 1.3, f, cam_h, 25)
        hgt = -fv  # metres above the wall's foot
        # Tree crowns: a ragged top, big swells and small bumps.
        crown = 6.5 + 1.2 * low_freq(rng, *u.shape, cells=8)
        crown = crown + 0.5 * low_freq(rng, *u.shape, cells=40)
        behind = zz > z_wall
        # The wall's coping (its top 0.2 m) a little lighter than its face.
        img = blend(img, front * (0.8 + 0.2 * (hgt < 2.0))[..., None] * 0.9,
                    behind.astype(np.float32))
        img = blend(img, trees * 0.5, (behind & (hgt >= 2.1)).astype(np.float32))
        light = 1 + 0.1 * low_freq(rng, *u.shape, cells=4)
        img = img * light[..., None]
        return np.where((behind & (hgt >= crown))[..., None], np.nan, img)

    bg, cam_h = ground_scene(width, height, y_h, layout)
    bg = fill_backdrop(bg, photo("camera.png")[0:55, :])  # an overcast sky
    far = ground_row(y_h, cam_h, 35 / 288 * height)
    lane = ground_row(y_h, cam_h, 75 / 288 * height, 4.3)  # where a car is 75 px (at 288) long
    return Scene("yard", ["skimage/data/gravel.png", "skimage/data/brick.png",
                          "skimage/data/grass.png", "skimage/data/camera.png"], vignette(bg),
                 y_h, cam_h,
                 [(far, 0.97 * height)], [(lane, 0)], light=0.9, tint=(1.0, 0.98, 0.94),
                 shadow=(0.3, 0.3, 0.3))


def scene_lawn(rng, width, height):
    """A lawn with a gravel footpath curving through it, from a camera on a pole."""
    grass = tinted(photo("grass.png"), (0.36, 0.46, 0.22), 1.2)
    gravel = tinted(photo("gravel.png"), (0.66, 0.62, 0.55), 0.9)
    y_h = -0.1 * height

    def layout(u, z, rows, xs, cam_h, f):
        c = u + 2.5 * np.sin(z / 12.0) - 0.5 + low_freq(rng, *u.shape, cells=9) * 0.15
        img = blend(texture_on_ground(grass, u, z, 170), texture_on_ground(gravel, u, z, 150),
                    (1.4 - np.abs(c)) / 0.12)
        light = 1 + 0.12 * low_freq(rng, *u.shape, cells=4)
        return img * light[..., None]

    bg, cam_h = ground_scene(width, height, y_h, layout)
    far = ground_row(y_h, cam_h, 33 / 288 * height)
    return Scene("lawn", ["skimage/data/grass.png", "skimage/data/gravel.png"], vignette(bg),
                 y_h, cam_h, [(far, 0.97 * height)], [], light=1.05, tint=(1.0, 1.0, 0.95),
                 shadow=(-0.45, 0.25, 0.4))


def scene_launchpad(rng, width, height):
    """Dusk at a launch site: `rocket.jpg` (towers, lamps, sky) behind a dark concrete apron
    lit by the lamps; people and service cars on the apron."""
    rocket = photo("rocket.jpg")  # 640 x 427
    y_h = 0.5 * height
    concrete = tinted(photo("gravel.png"), (0.12, 0.12, 0.14), 0.5)
    W, H = width + 2 * MARGIN, height + 2 * MARGIN
    # The photo above the horizon: scaled to the width, its pad (row 415) on the horizon.
    s = W / rocket.shape[1]
    sky = cv2.resize(rocket, (W, int(round(rocket.shape[0] * s))), interpolation=cv2.INTER_AREA)
    pad_row = int(round(415 * s))

    def layout(u, z, rows, xs, cam_h, f):
        img = texture_on_ground(concrete, u, z, 120)
        # Joints in the concrete, every 5 m, and pools of warm lamp light.
        zz = np.where(np.isfinite(z), z, 1e9)
        joint = (np.abs(np.mod(u, 5.0) - 2.5) > 2.46) | (np.abs(np.mod(zz, 5.0) - 2.5) > 2.46)
        img = img * (1 - 0.35 * joint[..., None])
        pools = np.zeros(u.shape, np.float32)
        for lu, lz in ((-9, 40), (6, 28), (14, 60), (-3, 18)):
            pools += np.exp(-((u - lu) ** 2 + ((zz - lz) / 2.5) ** 2) / 20.0)
        img = img * (1 + 1.3 * pools[..., None] * np.array([1.3, 1.0, 0.6], np.float32))
        return img

    bg, cam_h = ground_scene(width, height, y_h, layout)
    top = int(round(y_h + MARGIN))  # the horizon's row in the canvas
    bg[:top] = sky[pad_row - top:pad_row]
    bg[top - 1:top + 2] = 0.5 * bg[top - 1:top + 2] + 0.5 * sky[pad_row - 1:pad_row + 2]
    far = ground_row(y_h, cam_h, 35 / 288 * height)
    # Where a car is 62 and 80 px (at 288 rows) long: the apron's far and near lanes.
    lanes = [(ground_row(y_h, cam_h, 62 / 288 * height, 4.3), 1),
             (ground_row(y_h, cam_h, 80 / 288 * height, 4.3), -1)]
    return Scene("launchpad", ["skimage/data/rocket.jpg", "skimage/data/gravel.png"], bg, y_h,
                 cam_h, [(max(far, lanes[1][0] + 6), 0.97 * height)], lanes, light=0.5,
                 tint=(0.95, 0.92, 1.12), shadow=(0.0, 0.08, 0.5))


def scene_depot(rng, width, height):
    """Tuning scene, its own photograph: a concrete floor and wooden wall taken from
    `motorcycle_left.png` (a garage), as a depot seen from above its door."""
    moto = photo("motorcycle_left.png")
    floor = quilt(moto[315:500, 0:115], 256, 40, rng)  # bare concrete left of the bike
    wall = moto[0:110, :]  # planks, a door, shelves with boxes, stretched to the frame
    y_h = 0.12 * height

    def layout(u, z, rows, xs, cam_h, f):
        img = texture_on_ground(floor, u, z, 70)
        zz = np.where(np.isfinite(z), z, 1e9)
        z_wall = f * cam_h / (0.3 * height - y_h)
        img = np.where((zz > z_wall)[..., None], np.nan, img)
        line = np.abs(u + 4) < 0.06  # a painted line on the floor
        img = blend(img, np.full_like(img, 0.75) * np.array([1, 0.85, 0.2], np.float32),
                    0.7 * line.astype(np.float32))
        light = 1 + 0.15 * low_freq(rng, *u.shape, cells=4)
        return img * light[..., None]

    bg, cam_h = ground_scene(width, height, y_h, layout)
    bg = fill_backdrop(bg, wall)
    far = ground_row(y_h, cam_h, 35 / 288 * height)
    lane = ground_row(y_h, cam_h, 70 / 288 * height, 4.3)
    return Scene("depot", ["skimage/data/motorcycle_left.png"], vignette(bg, 0.25), y_h, cam_h,
                 [(max(far, lane + 6), 0.97 * height)], [(lane, 0)], light=0.85,
                 tint=(1.06, 1.0, 0.9), shadow=(0.1, 0.15, 0.3))


SCENES = {
    "park": scene_park,
    "plaza": scene_plaza,
    "street": scene_street,
    "yard": scene_yard,
    "lawn": scene_lawn,
    "launchpad": scene_launchpad,
    "depot": scene_depot,
}

# ------------------------------------------------------------------ textures --------------------

# Typical clothing colours (most people wear dark and neutral colours, a few bright ones).
CLOTHES = [(0.12, 0.13, 0.2), (0.07, 0.07, 0.08), (0.24, 0.24, 0.26), (0.2, 0.28, 0.42),
           (0.66, 0.6, 0.48), (0.33, 0.34, 0.22), (0.55, 0.12, 0.12), (0.82, 0.82, 0.8),
           (0.38, 0.26, 0.17), (0.45, 0.55, 0.7), (0.14, 0.26, 0.18), (0.68, 0.52, 0.2),
           (0.5, 0.5, 0.52), (0.3, 0.2, 0.35)]
TROUSERS = [(0.12, 0.14, 0.22), (0.08, 0.08, 0.09), (0.2, 0.26, 0.4), (0.3, 0.3, 0.31),
            (0.45, 0.4, 0.3), (0.25, 0.2, 0.15), (0.16, 0.2, 0.32)]
HAIR = [(0.06, 0.05, 0.04), (0.2, 0.13, 0.08), (0.35, 0.25, 0.14), (0.62, 0.52, 0.34),
        (0.5, 0.5, 0.5)]
PAINT = [(0.85, 0.85, 0.84), (0.62, 0.63, 0.65), (0.08, 0.08, 0.09), (0.3, 0.31, 0.33),
         (0.55, 0.08, 0.07), (0.12, 0.2, 0.42), (0.75, 0.72, 0.65)]
# Photographs whose fine structure reads as cloth, fur, leather or worn paint at a few pixels.
DETAIL_SOURCES = ["astronaut.png", "chelsea.png", "coffee.png", "ihc.png", "motorcycle_right.png",
                  "grass.png", "retina.jpg"]
TEX = 160  # texture side in pixels; a unit of object size (its height) spans TEX / 2.2 pixels
TEX_UNIT = TEX / 2.2


class TextureBank:
    """Crops of real photographs, loaded once, from which each object's parts are cut."""

    def __init__(self):
        astro = photo("astronaut.png")
        self.skin = astro[95:175, 185:250]  # the astronaut's face and cheek: real skin
        self.suit = astro[300:500, 0:150]  # her orange suit's fabric folds
        self.flag = astro[0:120, 0:70]  # the flag's stripes: a striped shirt
        moto = photo("motorcycle_right.png")
        self.leather = moto[170:230, 160:330]  # the black quilted seat
        self.chrome = moto[280:380, 340:470]  # engine and chrome: rims, trim

    def crop(self, rng, src=None, size=None):
        """A random square of `size` (30-110) pixels of `src` (or a random detail source),
        resized to the texture size: small crops give coarse detail, large ones fine."""
        name = src or DETAIL_SOURCES[rng.integers(len(DETAIL_SOURCES))]
        img = photo(name)
        c = int(size or rng.integers(30, 110))
        y = int(rng.integers(0, img.shape[0] - c))
        x = int(rng.integers(0, img.shape[1] - c))
        return cv2.resize(img[y:y + c, x:x + c], (TEX, TEX), interpolation=cv2.INTER_AREA)

    def resized(self, img):
        """`img` at the texture size."""
        return cv2.resize(img, (TEX, TEX), interpolation=cv2.INTER_AREA)

    def cloth(self, rng, palette):
        """Fabric: mostly a photo's detail in a colour of `palette`; now and then a photo's
        own colours (the orange suit, the flag's stripes, black leather)."""
        r = rng.random()
        if palette is CLOTHES and r < 0.08:
            return self.resized(self.suit)
        if palette is CLOTHES and r < 0.14:
            return np.clip(self.resized(self.flag) * 0.85, 0, 1)
        if r > 0.93:
            return self.resized(self.leather)
        rgb = np.asarray(palette[rng.integers(len(palette))], np.float32)
        rgb = np.clip(rgb * rng.uniform(0.85, 1.15, 3), 0, 1)
        return tinted(self.crop(rng), rgb, rng.uniform(0.15, 0.4))

    def skin_tone(self, rng):
        """Real skin, lighter or darker."""
        tone = rng.uniform(0.45, 1.1)
        return np.clip(self.resized(self.skin) * tone * rng.uniform(0.95, 1.05, 3), 0, 1)

    def paint(self, rng):
        """Car paint: a colour of PAINT with the faint texture of a glazed cup."""
        rgb = np.asarray(PAINT[rng.integers(len(PAINT))], np.float32)
        return tinted(self.crop(rng, "coffee.png", 100), rgb, 0.08)


# ------------------------------------------------------------------ objects ---------------------


def chaikin(pts, rounds=2):
    """Corner cutting: a polygon with rounded corners."""
    for _ in range(rounds):
        nxt = np.roll(pts, -1, axis=0)
        pts = np.concatenate([0.75 * pts + 0.25 * nxt, 0.25 * pts + 0.75 * nxt], axis=1)
        pts = pts.reshape(-1, 2)
    return pts


def ellipse(cx, cy, rx, ry, n=24):
    """An ellipse as an n-gon."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def limb(points, widths):
    """A tapered limb through `points` (x, y) with a width at each point: one polygon."""
    p = np.asarray(points, np.float64)
    left, right = [], []
    for i in range(len(p)):
        d = p[min(i + 1, len(p) - 1)] - p[max(i - 1, 0)]
        d /= max(np.hypot(*d), 1e-9)
        nrm = np.array([-d[1], d[0]]) * widths[i] / 2
        left.append(p[i] + nrm)
        right.append(p[i] - nrm)
    return np.array(left + right[::-1])


def ped_parts(st, phase, walking):
    """A pedestrian in side view, in units of its height, feet at (0, 0), y down, facing +x
    (mirrored later). Returns [(part, polygon, shade)] in drawing order (far side first)."""
    amp = 0.42 if walking else 0.0
    parts = []
    legs, arms = [], []
    hip_y = -0.5
    for side, sgn in (("far", 1), ("near", -1)):
        a = sgn * amp * math.sin(phase)
        flex = 0.65 * max(0.0, sgn * math.cos(phase)) if walking else 0.02
        knee = (0.25 * math.sin(a), hip_y + 0.25 * math.cos(a))
        b = a - flex
        ankle = (knee[0] + 0.235 * math.sin(b), knee[1] + 0.235 * math.cos(b))
        legs.append((side, knee, ankle))
        arm_a = -sgn * amp * 0.75 * math.sin(phase)
        elbow = (0.17 * math.sin(arm_a), -0.8 + 0.17 * math.cos(arm_a))
        c = arm_a + 0.35 + 0.2 * amp
        hand = (elbow[0] + 0.16 * math.sin(c), elbow[1] + 0.16 * math.cos(c))
        arms.append((side, elbow, hand))
    # The body bobs: the lowest foot touches the ground.
    drop = -(max(legs[0][2][1], legs[1][2][1]) + 0.035)
    lean = 0.03 if walking else 0.0
    w = st["build"]

    def shift(poly):
        return np.asarray(poly, np.float64) + np.array([0.0, drop])

    def leg_polys(knee, ankle, shade):
        out = [("bottom", shift(limb([(0, hip_y), knee, ankle],
                                     [0.115 * w, 0.09 * w, 0.065 * w])), shade)]
        foot = [(ankle[0] - 0.03, ankle[1] - 0.02), (ankle[0] + 0.09, ankle[1] + 0.005),
                (ankle[0] + 0.09, ankle[1] + 0.035), (ankle[0] - 0.035, ankle[1] + 0.035)]
        out.append(("shoes", shift(foot), shade))
        return out

    def arm_polys(elbow, hand, shade):
        sh = (lean * 0.9, -0.8)
        return [("top", shift(limb([sh, elbow, hand], [0.075 * w, 0.06 * w, 0.05 * w])), shade),
                ("skin", shift(ellipse(hand[0], hand[1] + 0.015, 0.024, 0.03, 10)), shade)]

    parts += arm_polys(arms[0][1], arms[0][2], 0.78)
    parts += leg_polys(legs[0][1], legs[0][2], 0.82)
    tw = 0.095 * w  # half the torso's depth: a walker is seen from the side
    torso = chaikin(np.array([(-0.09 * w, -0.47), (-tw, -0.62), (-tw + lean - 0.01, -0.79),
                              (-0.06 + lean, -0.835), (0.06 + lean, -0.835),
                              (tw + lean + 0.01, -0.79), (tw, -0.62), (0.09 * w, -0.47)]), 1)
    if st["long_coat"]:
        torso = chaikin(np.array([(-0.12 * w, -0.3), (-tw, -0.62), (-tw + lean, -0.79),
                                  (-0.06 + lean, -0.835), (0.06 + lean, -0.835),
                                  (tw + lean, -0.79), (tw + 0.01, -0.62), (0.13 * w, -0.3)]), 1)
    if st["backpack"]:
        parts.append(("bag", shift(chaikin(np.array([(-tw - 0.07, -0.55), (-tw - 0.07, -0.78),
                                                     (-tw + 0.02, -0.8), (-tw + 0.02, -0.55)]),
                                           2)), 0.9))
    parts += leg_polys(legs[1][1], legs[1][2], 1.0)
    parts.append(("top", shift(torso), 1.0))
    parts.append(("skin", shift([(lean - 0.03, -0.86), (lean + 0.03, -0.86), (lean + 0.03, -0.82),
                                 (lean - 0.03, -0.82)]), 0.85))
    hx, hy = lean + 0.012, -0.925
    parts.append(("skin", shift(ellipse(hx, hy, 0.062, 0.075)), 1.0))
    hair = ellipse(hx - 0.012, hy - 0.018, 0.066, 0.062)
    hair = hair[(hair[:, 1] < hy - 0.005) | (hair[:, 0] < hx - 0.03)]
    parts.append(("hair", shift(hair), 1.0))
    if st["hat"]:
        parts.append(("shoes", shift([(hx - 0.075, hy - 0.035), (hx + 0.08, hy - 0.035),
                                      (hx + 0.06, hy - 0.1), (hx - 0.06, hy - 0.1)]), 1.0))
    parts += arm_polys(arms[1][1], arms[1][2], 1.0)
    return parts


def car_parts(st):
    """A car (or van) in side view, in units of its length, wheels' bottom at y = 0, facing +x."""
    if st["van"]:
        body = [(-0.5, -0.06), (-0.5, -0.4), (-0.47, -0.43), (0.22, -0.43), (0.42, -0.25),
                (0.5, -0.22), (0.5, -0.06), (0.47, -0.035), (-0.47, -0.035)]
        windows = [[(0.03, -0.26), (0.03, -0.4), (0.2, -0.4), (0.37, -0.26)],
                   [(-0.3, -0.28), (-0.3, -0.39), (-0.02, -0.39), (-0.02, -0.28)]]
    else:
        body = [(-0.5, -0.06), (-0.5, -0.175), (-0.46, -0.215), (-0.29, -0.22), (-0.2, -0.31),
                (0.09, -0.315), (0.24, -0.215), (0.46, -0.19), (0.5, -0.15), (0.5, -0.06),
                (0.47, -0.035), (-0.47, -0.035)]
        windows = [[(-0.26, -0.22), (-0.19, -0.295), (-0.045, -0.298), (-0.045, -0.22)],
                   [(-0.02, -0.22), (-0.02, -0.298), (0.08, -0.298), (0.19, -0.22)]]
    parts = [("paint", chaikin(np.array(body), 2), 1.0)]
    for wpoly in windows:
        parts.append(("glass", chaikin(np.array(wpoly), 1), 1.0))
    parts.append(("trim", np.array([(-0.5, -0.085), (0.5, -0.085), (0.5, -0.055), (-0.5, -0.055)]),
                  1.0))
    for x in (-0.31, 0.31):
        parts.append(("trim", ellipse(x, -0.07, 0.085, 0.085, 28)[:15], 0.7))  # arch, top half
        parts.append(("tyre", ellipse(x, -0.07, 0.07, 0.07, 28), 1.0))
        parts.append(("rim", ellipse(x, -0.07, 0.04, 0.04, 20), 1.0))
    parts.append(("head", np.array([(0.47, -0.18), (0.5, -0.175), (0.5, -0.14), (0.47, -0.14)]),
                  1.0))
    parts.append(("tail", np.array([(-0.5, -0.18), (-0.47, -0.18), (-0.47, -0.135),
                                    (-0.5, -0.135)]), 1.0))
    return parts


class Thing:
    """One object: what it is, how it looks, and where it is at each frame."""

    def __init__(self, oid, kind):
        self.id, self.kind = oid, kind
        self.pos = {}  # frame -> (x, y) of the ground contact point, frame pixels
        self.moving = {}  # frame -> bool
        self.phase = {}  # frame -> gait phase
        self.facing = 1
        self.style = {}
        self.textures = {}
        self.size_m = PERSON_M
        self.stops = []
        self.visible = []


def plan_pedestrian(thing, scene, rng, frames, t_w, way, band, facing, stop, width):
    """Positions at every frame of a walker who is at `way` (x, y; random when None) at frame
    `t_w`, facing +1 (right) or -1, and waits there `stop` frames (0: never stops)."""
    y0, y1 = band
    x_w = rng.uniform(0.15, 0.85) * width if way is None else way[0]
    y_w = rng.uniform(y0 + 0.1 * (y1 - y0), y1 - 0.05 * (y1 - y0)) if way is None else way[1]
    speed = rng.uniform(0.025, 0.045)  # body heights per frame: 1-2 px at 384 x 288
    slope = rng.uniform(-0.25, 0.25)
    stride = 0.82  # a gait cycle, in body heights
    t_w = int(t_w)
    thing.facing = facing
    stop_from, stop_to = (t_w, t_w + stop) if stop else (None, None)
    if stop:
        thing.stops.append([stop_from, stop_to])
    # Walk forwards from the waypoint and backwards to frame 0; the perspective sets the pace.
    for direction in (1, -1):
        x, y, ph = x_w, y_w, 0.0
        t = t_w
        while 0 <= t < frames:
            stopped = stop and stop_from <= t < stop_to
            thing.pos[t], thing.moving[t], thing.phase[t] = (x, y), not stopped, ph
            nxt = t + direction
            moving = not (stop and stop_from <= min(t, nxt) < stop_to)
            if moving:
                h = max(scene.size_px(y, PERSON_M), 4.0)
                step = speed * h
                dx = facing * step / math.hypot(1, slope) * direction
                dy = slope * abs(dx) * direction
                if not (y0 <= y + dy <= y1):  # keep to the band: turn along it
                    slope = -slope
                    dy = -dy
                x, y = x + dx, y + dy
                ph += direction * 2 * math.pi * step / (stride * h)
            t = nxt


def plan_car(thing, scene, rng, frames, width, lane, t_enter):
    y, direction = lane
    facing = direction if direction != 0 else (1 if rng.random() < 0.5 else -1)
    thing.facing = facing
    length = scene.size_px(y, thing.size_m)
    speed = rng.uniform(0.07, 0.12) * length
    x = -0.6 * length if facing > 0 else width + 0.6 * length
    for t in range(frames):
        if t >= t_enter:
            x += facing * speed
        thing.pos[t], thing.moving[t], thing.phase[t] = (x, y), t >= t_enter, 0.0


def style_pedestrian(thing, rng, bank):
    thing.style = {"build": rng.uniform(0.9, 1.15), "backpack": rng.random() < 0.25,
                   "long_coat": rng.random() < 0.2, "hat": rng.random() < 0.1}
    thing.size_m = rng.uniform(1.6, 1.85)
    top = bank.cloth(rng, CLOTHES)
    thing.textures = {"top": top, "bottom": bank.cloth(rng, TROUSERS),
                      "skin": bank.skin_tone(rng),
                      "hair": tinted(bank.crop(rng, "chelsea.png", 60),
                                     HAIR[rng.integers(len(HAIR))], 0.5),
                      "shoes": tinted(bank.crop(rng), (0.1, 0.09, 0.08), 0.3),
                      "bag": bank.cloth(rng, CLOTHES)}


def style_car(thing, rng, bank):
    thing.style = {"van": rng.random() < 0.3}
    thing.size_m = rng.uniform(4.4, 5.0) if thing.style["van"] else rng.uniform(3.9, 4.7)
    sky = np.linspace(0.45, 0.12, TEX, dtype=np.float32)[:, None, None]
    glass = np.broadcast_to(sky * np.array([0.8, 0.9, 1.0], np.float32), (TEX, TEX, 3))
    glass = glass * (1 + 0.15 * (luminance(bank.crop(rng, "chelsea.png", 80)) - 0.5))[..., None]
    thing.textures = {"paint": bank.paint(rng), "glass": np.clip(glass, 0, 1).astype(np.float32),
                      "trim": tinted(bank.crop(rng), (0.1, 0.1, 0.11), 0.3),
                      "tyre": tinted(bank.resized(bank.leather), (0.06, 0.06, 0.06), 0.4),
                      "rim": tinted(bank.resized(bank.chrome), (0.55, 0.56, 0.58), 0.5),
                      "head": np.full((TEX, TEX, 3), (0.95, 0.93, 0.8), np.float32),
                      "tail": np.full((TEX, TEX, 3), (0.7, 0.05, 0.04), np.float32)}


def render_thing(thing, scene, t, offset):
    """The object at frame t: (x0, y0, mask bool, rgb float, foot_y) in frame pixels, or None.
    `offset` is the camera shake, added to the object's position like the background's."""
    x, y = thing.pos[t]
    x, y = x + offset[0], y + offset[1]
    size = scene.size_px(thing.pos[t][1], thing.size_m)
    if size < 2:
        return None
    if thing.kind == "person":
        parts = ped_parts(thing.style, thing.phase[t], thing.moving[t])
    else:
        parts = car_parts(thing.style)
    polys = []
    for name, poly, shade in parts:
        p = np.asarray(poly, np.float64) * size
        p[:, 0] *= thing.facing
        polys.append((name, p + np.array([x, y]), shade))
    allp = np.concatenate([p for _, p, _ in polys])
    x0, y0 = int(math.floor(allp[:, 0].min())) - 1, int(math.floor(allp[:, 1].min())) - 1
    x1, y1 = int(math.ceil(allp[:, 0].max())) + 2, int(math.ceil(allp[:, 1].max())) + 2
    w, h = x1 - x0, y1 - y0
    part_map = np.zeros((h, w), np.uint8)
    names, shades = [None], [0.0]
    for name, p, shade in polys:
        names.append(name)
        shades.append(shade)
        # 4 fractional bits: the silhouette moves by sub-pixel steps, as a real one does.
        pts = np.round((p - np.array([x0, y0])) * 16).astype(np.int32)
        cv2.fillPoly(part_map, [pts], len(names) - 1, lineType=cv2.LINE_8, shift=4)
    mask = part_map > 0
    if not mask.any():
        return None
    # Texture coordinates follow the object (its size and position), so cloth does not swim.
    gx = ((np.arange(w, dtype=np.float32) + x0 - x) * thing.facing / size) * TEX_UNIT + TEX / 2
    gy = ((np.arange(h, dtype=np.float32) + y0 - y) / size) * TEX_UNIT + TEX * 0.95
    mx, my = np.meshgrid(gx, gy)
    rgb = np.zeros((h, w, 3), np.float32)
    shade = np.asarray(shades, np.float32)[part_map]
    for key in set(names[1:]):
        ids = [i for i, n in enumerate(names) if n == key]
        sel = np.isin(part_map, ids)
        tex = cv2.remap(thing.textures[key], mx, my, cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REFLECT)
        rgb[sel] = tex[sel]
    # Mild shading: rounded edges darker, lit from above, far limbs in shade.
    dist = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    edge = 0.72 + 0.28 * np.clip(dist / (0.035 * size + 0.6), 0, 1)
    vert = 1.08 - 0.18 * np.clip((np.arange(h, dtype=np.float32) + y0 - (y - size)) / size, 0, 1)
    rgb *= (shade * edge)[..., None] * vert[:, None, None]
    rgb *= scene.light * scene.tint
    return x0, y0, mask, rgb, y


def cast_shadow(shadow_map, item, scene, size):
    """Adds the object's soft shadow on the ground to `shadow_map` (max of the shadows)."""
    x0, y0, mask, _, foot = item
    kx, ky, _ = scene.shadow
    hgt, wid = shadow_map.shape
    # Shear the silhouette onto the ground: a point `a` above the foot row goes kx*a sideways
    # and ky*a up the image (away from the camera), squashing the figure into a ground shadow.
    m = np.array([[1.0, -kx, kx * foot], [0.0, ky, (1.0 - ky) * foot]], np.float32)
    src = np.zeros((hgt, wid), np.float32)
    ys0, xs0 = max(y0, 0), max(x0, 0)
    ys1, xs1 = min(y0 + mask.shape[0], hgt), min(x0 + mask.shape[1], wid)
    if ys1 <= ys0 or xs1 <= xs0:
        return
    src[ys0:ys1, xs0:xs1] = mask[ys0 - y0:ys1 - y0, xs0 - x0:xs1 - x0]
    sh = cv2.warpAffine(src, m, (wid, hgt), flags=cv2.INTER_LINEAR)
    sigma = max(0.6, 0.03 * size)
    sh = cv2.GaussianBlur(sh, (0, 0), sigma)
    np.maximum(shadow_map, sh, out=shadow_map)


# ------------------------------------------------------------------ the sequence ----------------


def build(spec):
    width, height, frames = int(spec["width"]), int(spec["height"]), int(spec["frames"])
    if width < 64 or height < 48 or frames < 1:
        raise ValueError(f"bad size {width}x{height}, {frames} frames")
    if spec["scene"] not in SCENES:
        raise ValueError(f"unknown scene {spec['scene']!r}; one of {sorted(SCENES)}")
    rng = np.random.Generator(np.random.PCG64(int(spec["seed"])))
    scene = SCENES[spec["scene"]](rng, width, height)
    bank = TextureBank()
    things = []
    n_ped, n_car, n_stop = int(spec["pedestrians"]), int(spec["cars"]), int(spec["stops"])
    if n_ped + n_car > 255:
        raise ValueError("at most 255 objects (uint8 truth)")
    # Pedestrians pass their waypoint at staggered times; the first two cross each other there
    # (opposite directions, a little apart in depth, so one hides the other for a moment).
    order = rng.permutation(n_ped)
    for i in range(n_ped):
        thing = Thing(len(things) + 1, "person")
        style_pedestrian(thing, rng, bank)
        band = scene.bands[int(rng.integers(len(scene.bands)))]
        k = int(order[i])
        t_w = frames * (k + rng.uniform(0.15, 0.85)) / n_ped
        stop = 0
        if i < n_stop:  # stoppers wait in the second half, where steady-state frames are scored
            t_w = frames * rng.uniform(0.5, 0.7)
            stop = int(rng.integers(30, 61))
        facing = 1 if rng.random() < 0.5 else -1
        way = None
        if i == n_stop + 1:  # meet the previous walker, coming the other way
            prev = things[-1]
            inside = [f for f, (px, _) in prev.pos.items() if 0.2 * width < px < 0.8 * width]
            if inside and band in scene.bands:
                tt = min(inside, key=lambda f: abs(f - frames * 0.35))
                px, py = prev.pos[tt]
                t_w, facing = tt, -prev.facing
                dy = 0.05 * (band[1] - band[0]) + 3
                way = (px, min(max(py + (dy if rng.random() < 0.5 else -dy), band[0]), band[1]))
        plan_pedestrian(thing, scene, rng, frames, t_w, way, band, facing, stop, width)
        things.append(thing)
    lanes = scene.lanes
    for j in range(n_car if lanes else 0):
        thing = Thing(len(things) + 1, "car")
        style_car(thing, rng, bank)
        lane = lanes[j % len(lanes)]
        t_enter = int(frames * (j + rng.uniform(0.1, 0.8)) / max(n_car, 1))
        plan_car(thing, scene, rng, frames, width, lane, t_enter)
        things.append(thing)
    return scene, things, rng


def shake(rng, frames, amp):
    """Camera shake: smooth wobble plus small per-frame tremor, in pixels, |offset| <~ amp."""
    if amp <= 0:
        return np.zeros((frames, 2), np.float32)
    t = np.arange(frames, dtype=np.float32)
    out = np.zeros((frames, 2), np.float32)
    for axis in range(2):
        for period in (rng.uniform(15, 40), rng.uniform(4, 9)):
            out[:, axis] += np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
        out[:, axis] += 0.5 * rng.standard_normal(frames)
    return (out / 2.5 * amp).astype(np.float32)


def main():
    try:
        spec = json.loads(sys.argv[1])
        scene, things, rng = build(spec)
    except (ValueError, KeyError, IndexError, json.JSONDecodeError) as e:
        sys.stderr.write(f"semireal_scene: bad spec: {e}\n")
        return 2
    width, height, frames = int(spec["width"]), int(spec["height"]), int(spec["frames"])
    noise_rng = np.random.Generator(np.random.PCG64(int(spec["seed"]) + 7_777_777))
    offsets = shake(rng, frames, float(spec.get("jitter_px", 0)))
    drift = float(spec.get("drift", 0.03))
    drift_period, drift_phase = rng.uniform(1.2, 2.5) * frames, rng.uniform(0, 2 * np.pi)
    sigma, sat = float(spec.get("noise_sigma", 3)) / 255, float(spec.get("saturation", 1))
    blur = float(spec.get("blur_sigma", 0.6))
    out = sys.stdout.buffer
    pixels_per_object = {t.id: 0 for t in things}
    with open(spec["truth_path"], "wb") as truth_file:
        for f in range(frames):
            dx, dy = float(offsets[f, 0]), float(offsets[f, 1])
            shift = np.array([[1, 0, MARGIN - dx], [0, 1, MARGIN - dy]], np.float32)
            bg = cv2.warpAffine(scene.bg, shift, (width, height), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT)
            items = []
            for th in things:
                item = render_thing(th, scene, f, (dx, dy))
                if item is not None:
                    items.append((th, item))
            if scene.shadow is not None and items and spec.get("shadows", True):
                smap = np.zeros((height, width), np.float32)
                for th, item in items:
                    cast_shadow(smap, item, scene, scene.size_px(th.pos[f][1], th.size_m))
                bg *= (1 - scene.shadow[2] * np.clip(smap, 0, 1))[..., None]
            frame = bg
            truth = np.zeros((height, width), np.uint8)
            # Painter's order: the farther (higher foot row), the earlier.
            for th, (x0, y0, mask, rgb, _) in sorted(items, key=lambda it: it[1][4]):
                ys0, xs0 = max(y0, 0), max(x0, 0)
                ys1, xs1 = min(y0 + mask.shape[0], height), min(x0 + mask.shape[1], width)
                if ys1 <= ys0 or xs1 <= xs0:
                    continue
                m = mask[ys0 - y0:ys1 - y0, xs0 - x0:xs1 - x0]
                frame[ys0:ys1, xs0:xs1][m] = rgb[ys0 - y0:ys1 - y0, xs0 - x0:xs1 - x0][m]
                truth[ys0:ys1, xs0:xs1][m] = th.id
            if scene.occluder is not None:
                occ = cv2.warpAffine(scene.occluder.astype(np.uint8), shift, (width, height),
                                     flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_REFLECT) > 0
                scene_now = cv2.warpAffine(scene.bg, shift, (width, height),
                                           flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
                frame[occ] = scene_now[occ]
                truth[occ] = 0
            for th in things:
                n = int(np.count_nonzero(truth == th.id))
                if n:
                    th.visible.append(f)
                    pixels_per_object[th.id] += n
            truth_file.write(truth.tobytes())
            # The camera: lens blur, exposure drift, colour saturation, sensor noise, 8 bits.
            if blur > 0:
                frame = cv2.GaussianBlur(frame, (0, 0), blur)
            gain = 1 + drift * math.sin(2 * math.pi * f / drift_period + drift_phase)
            frame = frame * gain
            if sat != 1:
                lum = luminance(frame)[..., None]
                frame = lum + sat * (frame - lum)
            noise = noise_rng.standard_normal((height, width, 1), dtype=np.float32) * sigma
            noise = noise + noise_rng.standard_normal((height, width, 3), dtype=np.float32) * (
                0.5 * sigma)
            frame = np.clip(frame + noise, 0, 1)
            out.write((frame * 255 + 0.5).astype(np.uint8).tobytes())
    info = {
        "scene": scene.name,
        "sources": scene.sources,
        "horizonRow": round(float(scene.y_h), 2),
        "cameraHeightM": round(float(scene.cam_h), 3),
        "objects": [{
            "id": th.id,
            "kind": th.kind,
            "firstFrame": th.visible[0] if th.visible else None,
            "lastFrame": th.visible[-1] if th.visible else None,
            "framesVisible": len(th.visible),
            "meanAreaPx": round(pixels_per_object[th.id] / max(len(th.visible), 1), 1),
            "stops": th.stops,
        } for th in things],
    }
    with open(spec["scene_path"], "w") as fh:
        json.dump(info, fh, indent=1)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
