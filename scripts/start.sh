#!/usr/bin/env bash
# Sets up what is missing (see setup.sh), then starts the server. Options: `--help`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .tools/bin/deno run --allow-all src/main.ts "$@"
