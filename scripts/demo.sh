#!/usr/bin/env bash
# The main job: installs what is missing, builds, and runs the offline demo.
# usage: scripts/demo.sh [ARTIFACTS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev --target audio_demo
./build/dev/examples/audio_demo "${1:-artifacts/audio_demo}"
