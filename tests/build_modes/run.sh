#!/usr/bin/env bash
# usage: run.sh SOURCE_DIR WORK_DIR
# Builds scenario-cpp as a subdirectory of a parent project with the Unix Makefiles generator
# (CMake's default), no build type (the quickest compile), and runs what it built.
set -euo pipefail
source_dir=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cmake -S "$source_dir/tests/build_modes/parent" -B "$work/build" -G "Unix Makefiles" \
  -DSCENARIO_SOURCE="$source_dir" >/dev/null
cmake --build "$work/build" -j "$(nproc)" >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }
"$work/build/parent" | tee "$work/output.txt"
grep -q "parent: pipecat audio frame at 16000 Hz, signature " "$work/output.txt"
