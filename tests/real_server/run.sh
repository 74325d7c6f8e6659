#!/usr/bin/env bash
# ctest driver of the real-server suite (label real-server): starts
# llama-server (built by scripts/llama_server.sh, cached) with the tiny model
# on loopback, runs the Catch2 executable given as $1 against it, stops it.
# Exits 77 (ctest's skip) when ../shared/third_party is absent.
set -euo pipefail
exe=${1:?usage: run.sh TEST_EXECUTABLE [catch2 args...]}
shift
repo=$(cd "$(dirname "$0")/../.." && pwd)
slots=${KPSYNTH_LLAMA_SLOTS:-4}
script=$repo/scripts/llama_server.sh
rc=0
"$script" build || rc=$?
if [[ $rc -eq 77 ]]; then
  echo "SKIP: real-server tests need llama.cpp's source in ../shared/third_party"
  exit 77
fi
[[ $rc -eq 0 ]] || { echo "FAIL: could not build llama-server"; exit 1; }
read -r pid port < <("$script" start "$slots")
trap 'kill "$pid" 2>/dev/null || true' EXIT
KPSYNTH_LLAMA_URL=http://127.0.0.1:$port KPSYNTH_LLAMA_SLOTS=$slots "$exe" "$@"
