#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the offline voice demo — a scripted
# caller against the reference IVR bot through the Pipecat adapter (real WebSocket on loopback).
# The last line printed is the artifacts directory (stereo WAV, segments, manifest).
# usage: scripts/demo.sh [ARTIFACTS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target ivr_demo
./build/dev/examples/ivr_demo "${1:-artifacts/ivr_demo}"
