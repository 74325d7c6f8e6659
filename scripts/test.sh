#!/usr/bin/env bash
# Sets everything up, builds kpsynth with its tests, and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
scripts/setup.sh --test
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
built=$(date +%s)
echo "build took $((built - start)) s"
# The real-server suite (ctest -L real-server) needs llama.cpp's server:
# built once into build/third_party (cached), skipped without ../shared/third_party.
rc=0
scripts/llama_server.sh build || rc=$?
if [[ $rc -ne 0 && $rc -ne 77 ]]; then exit "$rc"; fi
echo "llama-server build took $(( $(date +%s) - built )) s"
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
echo "build + tests took $(( $(date +%s) - start )) s"
