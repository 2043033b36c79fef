#!/usr/bin/env bash
# usage: run.sh BUILD_DIR CONSUMER_SOURCE_DIR WORK_DIR
set -euo pipefail
build_dir=$1
consumer_src=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/lib/cmake/scenario/scenarioConfig.cmake"
test -f "$work/prefix/include/scenario/audio/resampler.hpp"
test -x "$work/prefix/bin/scenario"
cmake -S "$consumer_src" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer" | tee "$work/output.txt"
grep -q "consumer: 160 mu-law bytes per 20 ms frame, 480 samples at 24 kHz" "$work/output.txt"
"$work/prefix/bin/scenario" --version
