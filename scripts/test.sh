#!/usr/bin/env bash
# Sets up what is missing (see setup.sh), then runs the whole test suite. Extra arguments go to
# `deno test` (e.g. a path to run one file). Ends with a line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
# Mesa's Vulkan loader wants a runtime dir; without one it prints a harmless error per device.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="/tmp/xdg-runtime-$(id -u)"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi
scripts/setup.sh --test || exit 1
mkdir -p out
log=out/test.log
NO_COLOR=1 .tools/bin/deno test --allow-all "${@:-tests/}" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
passed=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")
if [ -z "$summary" ]; then
  passed=0
  failed=1
  echo "test.sh: deno test printed no summary (it crashed or found no tests)" >&2
fi
echo "${passed} passed, ${failed} failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
