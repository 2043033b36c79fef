#!/usr/bin/env bash
# Builds and runs the benchmarks (release build with debug info). Extra arguments go to each
# benchmark program, e.g. --benchmark_filter=Dtmf.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target audio_bench voice_bench wire_bench telephony_load
./build/dev/tests/bench/audio_bench "$@"
./build/dev/tests/bench/voice_bench "$@"
./build/dev/tests/bench/wire_bench "$@"
# N concurrent calls, Pipecat adapter <-> reference IVR bot, real time (about a minute).
./build/dev/tests/bench/telephony_load
