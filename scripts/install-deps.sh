#!/usr/bin/env bash
# Installs exactly the Debian packages scenario-cpp needs that are not installed yet.
# Idempotent: when everything is present it only runs dpkg-query and exits.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost-dev libboost-system-dev
  nlohmann-json3-dev libcurl4-openssl-dev libssl-dev
  libwebrtc-audio-processing-dev
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev
  libopus-dev
  libgtest-dev libgmock-dev libbenchmark-dev libexpat1-dev
  libprotobuf-dev protobuf-compiler
  libespeak-ng-dev espeak-ng-data
  clang libclang-rt-14-dev
  sox ffmpeg espeak-ng openssl curl
  python3-twilio stress-ng
)
# Node.js and npm run Twilio's official Node helper library as a test oracle; machines that
# already have a node (not from Debian) keep it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
