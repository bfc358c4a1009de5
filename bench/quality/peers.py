"""Peer segmenters for the quality benchmark: a long-running worker around scikit-image
(SLIC, Felzenszwalb: one image at a time) and OpenCV (MOG2 background subtraction: a video).

Protocol (binary-framed, one request at a time on stdin, one answer per request on stdout):
  request: one JSON line {"method": "slic"|"felzenszwalb"|"mog2", "width": W, "height": H,
           "params": {...}} followed by exactly W*H*3 bytes of RGB (row-major, rgb24).
           "mog2" is stateful: the header also names a "session" (any string): the first frame
           of a name creates a fresh background model, later frames of that name update it, in
           the order sent; "reset": true starts the session afresh with this frame.
  answer:  one JSON line {"ok": true, "count": K} followed by W*H int32 little-endian labels
           0..K-1, or one JSON line {"ok": false, "error": "..."} with no payload.
           For "mog2", label 0 is the background (shadows included) and 1..K-1 are the
           connected foreground components, in raster order of their first pixel.
  control: one JSON line {"method": "end_session", "session": name}, no payload, answered by
           {"ok": true, "ended": true|false} (false: there was no such session). At most
           MAX_SESSIONS sessions live at once; a new one beyond that ends the least recently
           used.
MOG2 params: history (frames, 500), var_threshold (16), shadows (1: detect them, so they can
be left out; 0: no detection), learning_rate (-1: OpenCV's 1/history schedule), blur (Gaussian
kernel size before the model, 0: none), open and close (elliptic kernel sizes of the
morphological opening, then closing, of the foreground mask; 0 or 1: none), min_area
(components smaller than this, in pixels, are background). history, var_threshold and shadows
are fixed when a session is created: sending others on a live session is an error (reset it).
On start the worker writes one JSON line {"ready": true, "skimage": "<version>",
"opencv": "<version>"|null} (or, when numpy or scikit-image cannot be imported, {"ok": false,
"fatal": true, "error": ...} and exits 3); without OpenCV only "mog2" requests fail.
The worker exits with status 0 on EOF. Errors in one request never end the worker; only a
header that is not valid JSON with a size (the payload cannot be skipped then) is fatal.
"""

import json
import sys
from collections import OrderedDict

try:
    import numpy as np
    import skimage
    from skimage.segmentation import felzenszwalb, slic
except ImportError as e:  # Reported as the first line so the Deno side can show a clear error.
    sys.stdout.write(json.dumps({"ok": False, "fatal": True, "error": f"import failed: {e}"}))
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(3)

try:  # Only MOG2 needs OpenCV; SLIC and Felzenszwalb work without it.
    import cv2
except ImportError:
    cv2 = None

MAX_SESSIONS = 16
# session name -> {"model": MOG2, "create": its fixed params, "size": (h, w)}, oldest first.
_sessions = OrderedDict()

# scikit-image 0.19 renamed multichannel= to channel_axis=; support both sides of the rename.
_MAJOR_MINOR = tuple(int(p) for p in skimage.__version__.split(".")[:2])
_CHANNEL_KW = {"channel_axis": -1} if _MAJOR_MINOR >= (0, 19) else {"multichannel": True}


def _read_exact(stream, n):
    chunks = []
    while n > 0:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _mog2(img, params, session, reset):
    """One frame of a MOG2 session: labels (0 = background) and their count."""
    if cv2 is None:
        raise RuntimeError("mog2 needs OpenCV: apt-get install python3-opencv")
    if not isinstance(session, str) or not session:
        raise ValueError("mog2 needs a 'session' name (its background model lives there)")
    create = {
        "history": int(params.get("history", 500)),
        "var_threshold": float(params.get("var_threshold", 16.0)),
        "shadows": bool(params.get("shadows", 1)),
    }
    entry = _sessions.get(session)
    if entry is None or reset:
        model = cv2.createBackgroundSubtractorMOG2(
            history=create["history"],
            varThreshold=create["var_threshold"],
            detectShadows=create["shadows"],
        )
        entry = {"model": model, "create": create, "size": img.shape[:2]}
        _sessions[session] = entry
        while len(_sessions) > MAX_SESSIONS:
            _sessions.popitem(last=False)
    elif entry["create"] != create:
        raise ValueError(
            f"session {session!r} was created with {entry['create']}, not {create}; "
            "send reset: true to start it afresh"
        )
    elif entry["size"] != img.shape[:2]:
        raise ValueError(f"session {session!r} has frames of {entry['size']}, not {img.shape[:2]}")
    _sessions.move_to_end(session)
    blur = int(params.get("blur", 0))
    if blur > 1:
        img = cv2.GaussianBlur(img, (blur | 1, blur | 1), 0)
    fg = entry["model"].apply(img, learningRate=float(params.get("learning_rate", -1)))
    # 255 = foreground; 127 = a shadow (with shadows on), which is not an object.
    mask = (fg == 255).astype(np.uint8)
    for op, key, default in ((cv2.MORPH_OPEN, "open", 3), (cv2.MORPH_CLOSE, "close", 5)):
        k = int(params.get(key, default))
        if k > 1:
            mask = cv2.morphologyEx(mask, op, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = stats[1:, cv2.CC_STAT_AREA] >= int(params.get("min_area", 50))
    remap = np.zeros(n, dtype="<i4")
    remap[1:][keep] = np.arange(1, int(keep.sum()) + 1, dtype="<i4")
    return remap[lab].reshape(-1), int(keep.sum()) + 1


def _segment(method, img, params):
    if method == "slic":
        labels = slic(
            img,
            n_segments=int(params.get("n_segments", 100)),
            compactness=float(params.get("compactness", 10.0)),
            sigma=float(params.get("sigma", 0.0)),
            start_label=0,
            **_CHANNEL_KW,
        )
    elif method == "felzenszwalb":
        labels = felzenszwalb(
            img,
            scale=float(params.get("scale", 1.0)),
            sigma=float(params.get("sigma", 0.8)),
            min_size=int(params.get("min_size", 20)),
            **_CHANNEL_KW,
        )
    else:
        raise ValueError(f"unknown method {method!r}; expected 'slic', 'felzenszwalb' or 'mog2'")
    # Renumber to 0..K-1 (SLIC can skip labels) so the count is exact.
    _, compact = np.unique(labels, return_inverse=True)
    compact = compact.reshape(-1).astype("<i4")
    return compact, int(compact.max()) + 1 if compact.size else 0


def _answer(out, header, payload=None):
    out.write(json.dumps(header).encode() + b"\n")
    if payload is not None:
        out.write(payload)
    out.flush()


def main():
    inp = sys.stdin.buffer
    out = sys.stdout.buffer
    _answer(out, {"ready": True, "skimage": skimage.__version__,
                  "opencv": cv2.__version__ if cv2 is not None else None})
    while True:
        line = inp.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if isinstance(req, dict) and req.get("method") == "end_session":
                ended = _sessions.pop(str(req.get("session")), None) is not None
                _answer(out, {"ok": True, "ended": ended})
                continue
            width, height = int(req["width"]), int(req["height"])
            if width <= 0 or height <= 0:
                raise ValueError(f"bad size {width}x{height}")
        except Exception as e:  # Without a size the payload cannot be skipped: stream is lost.
            _answer(out, {"ok": False, "fatal": True, "error": f"bad header: {e}"})
            return 2
        raw = _read_exact(inp, width * height * 3)
        if raw is None:
            return 0
        try:
            img = np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
            if req.get("method") == "mog2":
                labels, count = _mog2(img, req.get("params") or {}, req.get("session"),
                                      bool(req.get("reset", False)))
            else:
                labels, count = _segment(req.get("method"), img, req.get("params") or {})
        except Exception as e:
            _answer(out, {"ok": False, "error": f"{type(e).__name__}: {e}"})
            continue
        _answer(out, {"ok": True, "count": count}, labels.tobytes())


if __name__ == "__main__":
    sys.exit(main())
