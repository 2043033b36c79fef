#!/usr/bin/env bash
# The whole test suite: installs what is missing, then for each stage configures, builds and runs.
#   dev   RelWithDebInfo build, every ctest test (unit, CLI, install, examples)
#   asan  the same tests under AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan  the networking, adapter and voice tests under ThreadSanitizer
#   fuzz  each libFuzzer target for SCENARIO_FUZZ_SECONDS (default 20) from its seed corpus
# SCENARIO_TEST_STAGES selects stages (default: "dev asan fuzz").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

# A full build tree with debug info is large (dev ~2.5 GB, asan ~3.5 GB). Running out of disk midway
# shows up as an obscure "cannot copy file" deep in some test, so check first and say so plainly.
# SCENARIO_MIN_FREE_GB overrides the per-stage figure (0 turns the check off).
require_disk() {
  local stage=$1 need_gb=$2
  if [ -d "build/$stage" ]; then need_gb=1; fi # an existing tree only grows by what changed
  need_gb=${SCENARIO_MIN_FREE_GB:-$need_gb}
  local free_kb
  free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
  if [ "$free_kb" -lt $((need_gb * 1024 * 1024)) ]; then
    echo "stage $stage needs about $need_gb GB free under $(pwd), but only $((free_kb / 1024)) MB are:" \
      "free some disk space (old build trees, clones) or set SCENARIO_MIN_FREE_GB" >&2
    exit 3
  fi
}

# ccache keyed on paths relative to the checkout, so a fresh clone (CI) reuses what an earlier
# build of the same sources compiled; debug info then names files relative to the checkout.
export CCACHE_BASEDIR="$(pwd)" CCACHE_NOHASHDIR=true CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-20G}

stages=${SCENARIO_TEST_STAGES:-dev asan tsan fuzz}
for stage in $stages; do
  echo "=== stage: $stage ==="
  case $stage in
    dev|asan)
      if [ "$stage" = dev ]; then require_disk dev 3; else require_disk asan 4; fi
      cmake --preset "$stage" >/dev/null
      cmake --build --preset "$stage"
      ctest --preset "$stage"
      ;;
    tsan)
      # ThreadSanitizer over the code where strands, mutexes, atomics and condition variables
      # meet: the networking, adapter and voice-runtime tests. The preset leaves out the few
      # tests that assert real-time latency figures: 5-15x slower under TSan, audio arrives late
      # and in gaps and those figures measure TSan (the same code paths run in the other tests).
      require_disk tsan 3
      cmake --preset tsan >/dev/null
      cmake --build --preset tsan --target telephony_tests voice_tests adapter_integration_tests \
        toy_adapter_test
      ctest --preset tsan
      ;;
    fuzz)
      require_disk fuzz 1
      cmake --preset fuzz >/dev/null
      cmake --build --preset fuzz
      bash tests/fuzz/run_all.sh build/fuzz "${SCENARIO_FUZZ_SECONDS:-20}"
      ;;
    *)
      echo "unknown stage '$stage' (expected dev, asan, tsan or fuzz)" >&2
      exit 2
      ;;
  esac
done
