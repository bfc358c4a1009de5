"""Peer segmenters for the quality benchmark: a long-running worker around scikit-image.

Protocol (binary-framed, one request at a time on stdin, one answer per request on stdout):
  request: one JSON line {"method": "slic"|"felzenszwalb", "width": W, "height": H,
           "params": {...}} followed by exactly W*H*3 bytes of RGB (row-major, rgb24).
  answer:  one JSON line {"ok": true, "count": K} followed by W*H int32 little-endian labels
           0..K-1, or one JSON line {"ok": false, "error": "..."} with no payload.
On start the worker writes one JSON line {"ready": true, "skimage": "<version>"} (or, when numpy
or scikit-image cannot be imported, {"ok": false, "fatal": true, "error": ...} and exits 3).
The worker exits with status 0 on EOF. Errors in one request never end the worker; only a
header that is not valid JSON with a size (the payload cannot be skipped then) is fatal.
"""

import json
import sys

try:
    import numpy as np
    import skimage
    from skimage.segmentation import felzenszwalb, slic
except ImportError as e:  # Reported as the first line so the Deno side can show a clear error.
    sys.stdout.write(json.dumps({"ok": False, "fatal": True, "error": f"import failed: {e}"}))
    sys.stdout.write("\n")
    sys.stdout.flush()
    sys.exit(3)

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
        raise ValueError(f"unknown method {method!r}; expected 'slic' or 'felzenszwalb'")
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
    _answer(out, {"ready": True, "skimage": skimage.__version__})
    while True:
        line = inp.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        try:
            req = json.loads(line)
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
            labels, count = _segment(req.get("method"), img, req.get("params") or {})
        except Exception as e:
            _answer(out, {"ok": False, "error": f"{type(e).__name__}: {e}"})
            continue
        _answer(out, {"ok": True, "count": count}, labels.tobytes())


if __name__ == "__main__":
    sys.exit(main())
