#!/usr/bin/env bash
# Builds llama.cpp's llama-server from ../shared/third_party into the build tree (once,
# cached by the tarball's checksum), makes the tiny random-weight model, and starts
# servers on loopback. The one real OpenAI-compatible server in reach: slots, silent
# queueing, `llamacpp:` metrics and its stream format are the real thing.
#
# usage: scripts/llama_server.sh build            build llama-server + model (cached)
#        scripts/llama_server.sh start NP [PORT]  start one on loopback, print "PID PORT"
#        scripts/llama_server.sh stop PID          stop a server started by `start`
#        scripts/llama_server.sh paths             print "SERVER MODEL"
# env:   KPSYNTH_BUILD_DIR (default build), KPSYNTH_THIRD_PARTY (default ../shared/third_party)
# exit:  77 when the third-party tree is missing (ctest's skip code), 1 on any failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
third_party=${KPSYNTH_THIRD_PARTY:-$repo/../shared/third_party}
build=${KPSYNTH_BUILD_DIR:-$repo/build}
dir=$build/third_party
src=$dir/llama.cpp
server=$src/build/bin/llama-server
model=$dir/tiny-llama.gguf

tarball() {
  local t
  t=$(ls "$third_party"/llama.cpp-*.tar.xz 2>/dev/null | head -1 || true)
  if [[ -z "$t" ]]; then
    echo "llama_server: SKIP: no llama.cpp tarball under $third_party" >&2
    exit 77
  fi
  echo "$t"
}

build_server() {
  local t sum stamp
  t=$(tarball)
  sum=$(sha256sum "$t" | cut -d' ' -f1)
  stamp=$dir/llama-server.sha256
  mkdir -p "$dir"
  if [[ -x "$server" && -f "$stamp" && "$(cat "$stamp")" == "$sum" ]]; then
    echo "llama_server: llama-server cached ($server)" >&2
  else
    echo "llama_server: building llama-server from $t (takes minutes)" >&2
    rm -rf "$src" "$stamp"
    tar -xJf "$t" -C "$dir"
    local launcher=()
    if command -v ccache >/dev/null; then
      launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    fi
    # The server only: the rest of llama.cpp's targets triple the build time.
    cmake -S "$src" -B "$src/build" -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF \
      -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >"$dir/configure.log" 2>&1 \
      || { tail -20 "$dir/configure.log" >&2; exit 1; }
    nice -n 10 cmake --build "$src/build" -j"${JOBS:-2}" --target llama-server \
      >"$dir/build.log" 2>&1 || { tail -20 "$dir/build.log" >&2; exit 1; }
    echo "$sum" >"$stamp"
  fi
  if [[ ! -s "$model" || "$model" -ot "$stamp" ]]; then
    # Debian's python3-numpy lives in the system interpreter, which a pyenv
    # or venv python3 earlier on PATH does not see.
    local py=""
    for candidate in python3 /usr/bin/python3; do
      if "$candidate" -c 'import numpy' 2>/dev/null; then py=$candidate; break; fi
    done
    if [[ -z "$py" ]]; then
      echo "llama_server: the model needs python3-numpy (apt-get install python3-numpy)" >&2
      exit 1
    fi
    "$py" "$third_party/../tools/make_tiny_llama.py" "$src" "$model.tmp" >&2
    mv "$model.tmp" "$model"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_server() {
  local np=${1:?usage: start NP [PORT]} port=${2:-} pid i
  [[ -x "$server" && -s "$model" ]] || build_server
  [[ -n "$port" ]] || port=$(free_port)
  local log=$dir/llama-server-$port.log
  # -c is the whole KV cache shared by the slots: 4096 tokens per slot (the tiny
  # model's training context), as ../shared/third_party/README.md serves it.
  # One thread: the machine has 2 shared cores.
  "$server" -m "$model" --host 127.0.0.1 --port "$port" -np "$np" --metrics \
    -c $((np * 4096)) -t "${LLAMA_THREADS:-1}" >"$log" 2>&1 &
  pid=$!
  for i in $(seq 1 300); do
    if curl -fsS -m 2 "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      echo "$pid $port"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "llama_server: llama-server exited; log $log:" >&2
      tail -20 "$log" >&2
      exit 1
    fi
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  echo "llama_server: llama-server on port $port not healthy after 60 s; log $log" >&2
  exit 1
}

case "${1:-}" in
build) build_server ;;
start) shift; start_server "$@" ;;
stop) kill "${2:?usage: stop PID}" 2>/dev/null || true ;;
paths) echo "$server $model" ;;
*) sed -n '2,12p' "$0" >&2; exit 1 ;;
esac
