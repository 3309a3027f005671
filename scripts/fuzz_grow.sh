#!/usr/bin/env bash
# Grows the committed fuzz corpus (fuzz/corpus/<target>/) with what fuzzing found: for each
# target, the inputs of a run that reach code the corpus does not are merged in (libFuzzer
# -merge=1 -use_counters=0: only inputs that reach new edges, so the corpus stays a few
# hundred files; nothing is removed). Then review `git status fuzz/corpus` and commit.
#
#   scripts/fuzz_grow.sh [--run SECONDS] [--build DIR] [TARGET...]
#
# Where the new inputs come from:
#   default      what the last `ctest -L fuzz` run left in DIR/fuzz/grown/<target>/
#                (scripts/test.sh, and so CI, runs those tests; on CI the build directory
#                is thrown away, so this is for a machine that keeps it)
#   --run S      a fresh run of S seconds per target from a scratch copy of the corpus,
#                two targets at a time (a few minutes each finds what 30 s of CI does not)
# TARGETs are names such as topic or jsonl; default: every target built in DIR (build-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=""
build=build-fuzz
targets=()
while (($#)); do
  case "$1" in
    --run) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -*) sed -n '2,/^set -e/p' "$0" | sed '$d' >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if ((${#targets[@]} == 0)); then
  for fuzzer in "$build"/fuzz/*_fuzz; do
    [ -x "$fuzzer" ] && targets+=("$(basename "$fuzzer" _fuzz)")
  done
fi
((${#targets[@]})) || { echo "fuzz_grow: no fuzz targets in $build (scripts/setup.sh --fuzz)" >&2; exit 2; }

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# One target's fresh run, from a scratch copy; its corpus is left in $scratch/<target>. A
# finding stops the script; the input is kept in $build/fuzz/artifacts/, as ctest keeps it.
run() {
  local target=$1
  local args=(-max_total_time="$seconds" -timeout=25 -max_len=4096
              -artifact_prefix="$build/fuzz/artifacts/${target}_fuzz-")
  [ -f "fuzz/$target.dict" ] && args+=(-dict="fuzz/$target.dict")
  cp -r "fuzz/corpus/$target" "$scratch/$target"
  mkdir -p "$build/fuzz/artifacts"
  if ! "$build/fuzz/${target}_fuzz" "${args[@]}" "$scratch/$target" >"$scratch/$target.log" 2>&1; then
    tail -n 30 "$scratch/$target.log" >&2
    echo "fuzz_grow: $target found something: the input is in $build/fuzz/artifacts/" >&2
    return 1
  fi
}

if [ -n "$seconds" ]; then
  running=0
  for target in "${targets[@]}"; do
    run "$target" &
    if ((++running == 2)); then wait -n; running=$((running - 1)); fi
  done
  wait
fi

for target in "${targets[@]}"; do
  source_dir=$build/fuzz/grown/$target
  [ -n "$seconds" ] && source_dir=$scratch/$target
  if [ ! -d "$source_dir" ]; then
    echo "$target: nothing to merge ($source_dir: run ctest -L fuzz, or use --run)"
    continue
  fi
  before=$(find "fuzz/corpus/$target" -type f | wc -l)
  "$build/fuzz/${target}_fuzz" -merge=1 -use_counters=0 -timeout=25 "fuzz/corpus/$target" \
    "$source_dir" >"$scratch/$target.merge.log" 2>&1
  after=$(find "fuzz/corpus/$target" -type f | wc -l)
  bytes=$(cat "fuzz/corpus/$target"/* | wc -c)
  echo "$target: $((after - before)) inputs added, $after in fuzz/corpus/$target ($bytes bytes)"
done
