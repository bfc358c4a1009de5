#!/usr/bin/env bash
# Installs what the server and its tests need on a Debian/Ubuntu machine that has only node and
# npm: Deno (from the npm package `deno`), ffmpeg and Mesa's Vulkan driver (lavapipe, so WebGPU
# works without a GPU). With --test, also what the tests need: GStreamer's RTSP server (a real
# camera for the integration tests), Chromium (the viewer's browser test), scikit-image and
# OpenCV (the quality benchmark's peers and its semi-real sequences). Idempotent: a second run only checks and returns quickly.
set -euo pipefail
cd "$(dirname "$0")/.."
for_tests=false
[ "${1:-}" = "--test" ] && for_tests=true

need_apt=()
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
if ! ls /usr/share/vulkan/icd.d/*lvp* >/dev/null 2>&1 && ! ls /usr/share/vulkan/icd.d/*.json >/dev/null 2>&1; then
  need_apt+=(mesa-vulkan-drivers)
fi
gst_check='import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gst; Gst.init(None)
assert all(Gst.ElementFactory.find(e) for e in ("videotestsrc", "x264enc", "rtph264pay"))'
if $for_tests && ! /usr/bin/python3 -c "$gst_check" >/dev/null 2>&1; then
  need_apt+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
    gstreamer1.0-plugins-ugly)
fi
# The quality benchmark's peers (SLIC, Felzenszwalb) and their test run scikit-image.
if $for_tests && ! /usr/bin/python3 -c "import skimage" >/dev/null 2>&1; then
  need_apt+=(python3-skimage)
fi
# MOG2 (a peer) and the semi-real sequences' renderer run OpenCV.
if $for_tests && ! /usr/bin/python3 -c "import cv2" >/dev/null 2>&1; then
  need_apt+=(python3-opencv)
fi
# The viewer's browser test drives Debian's Chromium (playwright's own browser download cannot
# work offline).
if $for_tests && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} through apt" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "setup: installing ${need_apt[*]} through sudo apt" >&2
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    for p in "${need_apt[@]}"; do
      case $p in
        ffmpeg) echo "setup: ffmpeg is missing and I cannot install it (not root, no sudo). Install it: 'sudo apt-get install ffmpeg' (or your OS's package manager), then run this again." >&2; exit 1 ;;
        mesa-vulkan-drivers) echo "setup: warning: no Vulkan driver found; WebGPU may be unavailable and the engine will use wasm. Install 'mesa-vulkan-drivers' to enable it." >&2 ;;
        python3-skimage) echo "setup: the peer segmenters' test needs scikit-image and cannot install it (not root, no sudo): 'sudo apt-get install python3-skimage'" >&2; exit 1 ;;
        python3-opencv) echo "setup: the MOG2 peer and the semi-real sequences need OpenCV and cannot install it (not root, no sudo): 'sudo apt-get install python3-opencv'" >&2; exit 1 ;;
        chromium) echo "setup: the viewer test needs Chromium and cannot install it (not root, no sudo): 'sudo apt-get install chromium'" >&2; exit 1 ;;
        python3-gi) echo "setup: the tests need GStreamer's RTSP server and cannot install it (not root, no sudo): 'sudo apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly'" >&2; exit 1 ;;
      esac
    done
  fi
fi

# Deno lives in .tools/, apart from the node_modules/ that Deno itself manages for the project.
if [ ! -x .tools/bin/deno ]; then
  command -v npm >/dev/null 2>&1 || { echo "setup: npm is needed to install Deno; install node and npm first" >&2; exit 1; }
  echo "setup: installing Deno from the npm package 'deno' into .tools/" >&2
  npm install --prefix .tools --no-audit --no-fund --silent deno@2.9.6 >/dev/null
  mkdir -p .tools/bin
  ln -sf ../node_modules/.bin/deno .tools/bin/deno
fi
# Fetch the pinned npm dependencies (deno.json + deno.lock) once, so the first run is not slowed.
.tools/bin/deno install --frozen --quiet
