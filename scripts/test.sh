#!/usr/bin/env bash
# The README's test command: set up (packages, build, sanitizer build), then run every
# test: unit and integration (real mosquitto brokers on loopback), first on the normal
# build, then under AddressSanitizer + UndefinedBehaviorSanitizer, then a CI-length run of
# each libFuzzer target (fuzz/: MQTK_FUZZ_SECONDS each, two at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --sanitize --fuzz

jobs=$(( $(nproc) + 1 ))
echo "== tests (build/)"
ctest --test-dir build --output-on-failure -j"$jobs"
echo "== tests under ASan+UBSan (build-asan/)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
echo "== fuzz targets (build-fuzz/)"
ctest --test-dir build-fuzz --output-on-failure -L fuzz -j2
