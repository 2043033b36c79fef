#!/usr/bin/env bash
# The whole test suite: installs what is missing, then for each stage configures, builds and runs.
#   dev   RelWithDebInfo build, every ctest test (unit, CLI, install, examples)
#   asan  the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   fuzz  each libFuzzer target for SCENARIO_FUZZ_SECONDS (default 20) from its seed corpus
# SCENARIO_TEST_STAGES selects stages (default: "dev asan fuzz").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

stages=${SCENARIO_TEST_STAGES:-dev asan fuzz}
for stage in $stages; do
  echo "=== stage: $stage ==="
  case $stage in
    dev|asan)
      cmake --preset "$stage" >/dev/null
      cmake --build --preset "$stage"
      ctest --preset "$stage"
      ;;
    fuzz)
      cmake --preset fuzz >/dev/null
      cmake --build --preset fuzz
      bash tests/fuzz/run_all.sh build/fuzz "${SCENARIO_FUZZ_SECONDS:-20}"
      ;;
    *)
      echo "unknown stage '$stage' (expected dev, asan or fuzz)" >&2
      exit 2
      ;;
  esac
done
