#!/usr/bin/env bash
# Installs the Debian 12 packages mqtk needs (only the missing ones: quick when all are
# present), then configures and builds. Usage: scripts/setup.sh [--sanitize]
#   build/       the normal build (RelWithDebInfo)
#   build-asan/  with --sanitize: AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  g++ cmake make pkg-config
  libpaho-mqttpp-dev libpaho-mqtt-dev libcli11-dev libfmt-dev nlohmann-json3-dev doctest-dev
  mosquitto mosquitto-clients openssl ca-certificates scdoc
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
# The Debian package enables and starts a system-wide mosquitto on port 1883; mqtk's
# tests and demo start their own brokers and never rely on it.

jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
if [[ "${1:-}" == "--sanitize" ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMQTK_SANITIZE=ON >/dev/null
  cmake --build build-asan -j"$jobs"
fi
