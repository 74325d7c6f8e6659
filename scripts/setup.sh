#!/usr/bin/env bash
# Installs the Debian (bookworm) packages kpsynth needs, if missing.
# Usage: scripts/setup.sh [--test]   (--test adds what only the tests need)
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache python3
  libcaf-dev            # CAF 0.17.6 (actor framework)
  libboost-dev          # Boost 1.74 Asio + Beast (NOT libboost-all-dev)
  libssl-dev            # https endpoints
  libsimdjson-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  libginac-dev          # symbolic answer equivalence
  libxxhash-dev libhnswlib-dev libseccomp-dev
  zlib1g-dev            # gzip-compressed benchmark and seed files
  bubblewrap            # sandbox for generated programs
  catch2
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(chromium)  # renders the HTML report in a test
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
