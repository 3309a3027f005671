#!/usr/bin/env bash
# Installs the Debian 12 packages mqtk needs (only the missing ones: quick when all are
# present), then configures and builds. Usage: scripts/setup.sh [--sanitize] [--fuzz]
#   build/       the normal build (RelWithDebInfo)
#   build-asan/  with --sanitize: AddressSanitizer + UndefinedBehaviorSanitizer
#   build-fuzz/  with --fuzz: clang, the libFuzzer targets of fuzz/ (ASan + UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=""
fuzz=""
for arg in "$@"; do
  case "$arg" in
    --sanitize) sanitize=1 ;;
    --fuzz) fuzz=1 ;;
    *) echo "usage: scripts/setup.sh [--sanitize] [--fuzz]" >&2; exit 2 ;;
  esac
done

packages=(
  g++ cmake make pkg-config
  libpaho-mqttpp-dev libpaho-mqtt-dev libcli11-dev libfmt-dev nlohmann-json3-dev doctest-dev
  libssl-dev  # core/connection/private/tls_key.cpp reads encrypted --key files with libcrypto
  mosquitto mosquitto-clients openssl ca-certificates scdoc
  man-db groff-base bash-completion zsh fish binutils  # docs tests: man -l, completions, readelf
  rabbitmq-server python3-paho-mqtt  # interop tests: a broker and a client no one here wrote
  libcpp-httplib-dev  # --metrics: the HTTP endpoint
  libprotobuf-dev protobuf-compiler  # --decode/--encode protobuf and sparkplug
  libprotoc-dev  # compiler/importer.h: reading a .proto at run time (the code is in libprotobuf)
  prometheus  # metrics tests: promtool and a real scraper, started by the tests on loopback
  python3-cbor2 python3-msgpack python3-protobuf  # codec tests: bytes made by other libraries
  tmux  # sub --watch tests: a real terminal
)
# libFuzzer and the sanitizers' runtimes are only recommended by clang: named here, since
# recommendations are not installed.
[ -z "$fuzz" ] || packages+=(clang libclang-rt-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
# Node.js 20 and npm (Aedes and MQTT.js for the interop tests) come with this kind of
# machine; Debian's own nodejs is 18, too old for Aedes 1.2, so it is only a fallback.
command -v npm >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # Packages must not start services: rabbitmq-server would start a system-wide node (and
  # epmd) listening on every address. The tests start their own, on loopback.
  no_services=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    no_services=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  [ -z "$no_services" ] || $sudo rm -f /usr/sbin/policy-rc.d
fi
# The interop tests' npm packages (Aedes, MQTT.js) into their cache: quick when present.
tests/support/interop/install.sh >/dev/null
# The Debian package enables and starts a system-wide mosquitto on port 1883; mqtk's
# tests and demo start their own brokers and never rely on it.

jobs=$(nproc)
# CI builds with -Werror (MQTK_WERROR): a warning fails the run instead of scrolling by.
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMQTK_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
if [ -n "$sanitize" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMQTK_SANITIZE=ON -DMQTK_WERROR=ON \
    >/dev/null
  cmake --build build-asan -j"$jobs"
fi
if [ -n "$fuzz" ]; then
  # Only the fuzz targets (and the core they link) are built here, not the suites.
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMQTK_FUZZ=ON -DMQTK_BUILD_TESTS=OFF -DMQTK_WERROR=ON >/dev/null
  cmake --build build-fuzz --target mqtk_fuzzers -j"$jobs"
fi
