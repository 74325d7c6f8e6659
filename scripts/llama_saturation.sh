#!/usr/bin/env bash
# Must-show 1 of issue 9: against the real llama-server at each -np given
# (default 2 8 16), a sweep of fixed concurrencies and the adaptive client in
# the same run (kpsynth_bench_saturation --url), generated tokens/s and p99,
# min/median/max of --repeat runs. Extra arguments go to the benchmark.
# usage: scripts/llama_saturation.sh [-n "2 8 16"] [bench args...]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${KPSYNTH_BUILD_DIR:-$repo/build}
slots_list="2 8 16"
if [[ "${1:-}" == "-n" ]]; then slots_list=$2; shift 2; fi
bench=$build/bench/kpsynth_bench_saturation
[[ -x "$bench" ]] || { echo "build kpsynth_bench_saturation first" >&2; exit 1; }
"$repo/scripts/llama_server.sh" build
for np in $slots_list; do
  read -r pid port < <("$repo/scripts/llama_server.sh" start "$np")
  trap 'kill "$pid" 2>/dev/null || true' EXIT
  half=$(( np / 2 > 0 ? np / 2 : 1 ))
  modes="adaptive,$half,$np,$((2 * np)),$((4 * np))"
  echo "== llama-server -np $np (port $port): modes $modes"
  "$bench" --url "http://127.0.0.1:$port/v1" --model tiny --modes "$modes" \
    --repeat 3 --warmup 8 --measure 15 --max-measure 25 --max-tokens 64 \
    --prompt "What is 17 times 23? Answer briefly." \
    --expect-limit-max $((4 * np)) "$@" || echo "== -np $np: expectation FAILED"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
