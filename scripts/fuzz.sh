#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in build-fuzz and runs
# each for SECONDS (default 60) from its checked-in corpus. New inputs go to
# a scratch corpus, never into the repository. Exits non-zero on a crash,
# a leak or a failed property, and prints executions and coverage per target.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
start=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DKPSYNTH_FUZZ=ON \
  -DKPSYNTH_BUILD_TESTS=OFF -DKPSYNTH_BUILD_BENCH=OFF >/dev/null
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for f in fuzz/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi
cmake --build build-fuzz -j"$(nproc)" \
  --target "${targets[@]/#/kpsynth_fuzz_}"
echo "fuzz build took $(( $(date +%s) - start )) s"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t"
  corpus=()
  [[ -d fuzz/corpus/$t ]] && corpus=("fuzz/corpus/$t")
  log="$scratch/$t.log"
  if build-fuzz/fuzz/kpsynth_fuzz_"$t" -max_total_time="$seconds" \
       -rss_limit_mb=2048 -artifact_prefix="$scratch/$t-" \
       "$scratch/$t" "${corpus[@]}" >"$log" 2>&1; then
    echo "fuzz $t: $(grep -E '^#[0-9]+.*(DONE|pulse)' "$log" | tail -1)"
  else
    echo "fuzz $t: FAILED"; tail -40 "$log"; status=1
  fi
done
echo "fuzzing took $(( $(date +%s) - start )) s"
exit $status
