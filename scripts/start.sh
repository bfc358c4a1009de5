#!/usr/bin/env bash
# Sets up what is missing (see setup.sh), then starts the server. Options: `--help`.
set -euo pipefail
cd "$(dirname "$0")/.."
# Mesa's Vulkan loader wants a runtime dir; without one it prints a harmless error per device.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="/tmp/xdg-runtime-$(id -u)"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi
scripts/setup.sh
exec .tools/bin/deno run --allow-all src/main.ts "$@"
