#!/usr/bin/env bash
# The suite on a busy machine, as CI machines often are: the whole ctest suite with -j3 while a
# CPU hog (stress-ng) keeps every core busy, then the real-time tests (label "realtime") five
# times over under the same load. It must pass; the timings it prints go into reports.
#   SCENARIO_STRESS_PRESET  build preset (default dev)
#   SCENARIO_STRESS_REPEAT  how often the real-time tests are repeated (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
preset=${SCENARIO_STRESS_PRESET:-dev}
repeat=${SCENARIO_STRESS_REPEAT:-5}
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

# One CPU worker per core, at normal priority, bounded in time (the run stops it on exit).
stress-ng --cpu "$(nproc)" --timeout 7200s --quiet &
hog=$!
trap 'kill "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true' EXIT
sleep 1

start=$(date +%s)
echo "=== stress: whole suite, ctest -j3, $(nproc) cores loaded by stress-ng ==="
ctest --preset "$preset" -j3
middle=$(date +%s)
echo "=== stress: real-time tests x$repeat (--repeat until-fail:$repeat), still loaded ==="
ctest --preset "$preset" -j3 -L realtime --repeat "until-fail:$repeat"
end=$(date +%s)
echo "stress: suite $((middle - start)) s, real-time x$repeat $((end - middle)) s, under load"
