#!/usr/bin/env bash
# Sets everything up, builds kpsynth and runs the quickstart job against the
# built-in simulator (no GPU, no model weights, no network needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target kpsynth -j"$(nproc)"
rm -rf out/quickstart
./build/app/kpsynth run config/quickstart.toml
