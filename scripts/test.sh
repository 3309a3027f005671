#!/usr/bin/env bash
# The README's test command: set up (packages, build, sanitizer build), then run every
# test: unit and integration (real mosquitto brokers on loopback), first on the normal
# build, then under AddressSanitizer + UndefinedBehaviorSanitizer, then a CI-length run of
# each libFuzzer target (fuzz/: MQTK_FUZZ_SECONDS each, two at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --sanitize --fuzz

jobs=$(( $(nproc) + 1 ))
flaky=()

# Every tool the tests use was installed above: a test that finds one missing fails
# (tests/support/skip.h) instead of skipping.
export MQTK_TESTS_STRICT=1

# Runs one build's tests. A test that fails is run again alone, three times, and all
# three must pass: the integration tests start real brokers and processes on a machine
# that may be busy, but a race that shows under load is a bug too, and one passing run
# alone would hide a test that fails half the time. One that passes the three is
# reported as FLAKY (here and in the closing summary) - every one seen so far was a race
# worth fixing - and does not fail the run. Any other failure does.
run_suite() {
  local dir=$1
  shift
  if ctest --test-dir "$dir" --output-on-failure "$@"; then return 0; fi
  local failed
  failed=$(cut -d: -f2- "$dir/Testing/Temporary/LastTestsFailed.log")
  echo "== $dir: re-running what failed, alone, three times each"
  ctest --test-dir "$dir" --output-on-failure --rerun-failed -j1 --repeat until-fail:3 || return 1
  while IFS= read -r name; do
    flaky+=("$dir: $name")
    echo "FLAKY (failed once, then passed three times alone): $name"
  done <<<"$failed"
}

echo "== tests (build/)"
run_suite build -j"$jobs"
echo "== tests under ASan+UBSan (build-asan/)"
# (Assignments before a function call reach the commands it runs, and end with it.)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp" \
  run_suite build-asan -j"$jobs"
echo "== fuzz targets (build-fuzz/)"
ctest --test-dir build-fuzz --output-on-failure -L fuzz -j2
# What each run found beyond the committed corpus, left in build-fuzz/fuzz/grown/ for
# scripts/fuzz_grow.sh to merge in (fuzz/README.md, "Growing the corpus").
echo "== fuzz corpus: new inputs found (scripts/fuzz_grow.sh merges them into fuzz/corpus/)"
cat build-fuzz/fuzz/grown/*.txt

if [ ${#flaky[@]} -gt 0 ]; then
  echo "== FLAKY: these failed once, then passed three times alone:"
  printf '   %s\n' "${flaky[@]}"
fi
