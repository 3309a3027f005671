#!/usr/bin/env bash
# benchmarks/live.sh: what watching costs (issue 18, "Live numbers"). The same runs with and
# without the observers, interleaved (plain, stats[, metrics], plain, stats ...), each on a
# fresh private mosquitto, medians over RUNS and the ratios to plain:
#
#   bench  `mqtk bench --duration DURATION -q QOS`: its receive rate (messages/s) from --json.
#   sub    `mqtk sub -t T -C N -q QOS > /dev/null` receiving N messages that
#          `mqtk bench --subscribers 0 --count N` publishes: N / the time from the start of
#          the publishing to sub's exit (messages/s).
#   echo   `mqtk echo --clean --delay 0 -C ROUNDS`: the round trip p50 it prints (us).
#
# Variants: plain (no observer), stats (`--stats FILE`, one line a second), and metrics
# (`--metrics PORT`) when `mqtk bench --help` lists it. The target: within 3% of plain
# (throughput >= 0.97x, p50 <= 1.03x).
#
# Usage: MQTK=/path/to/mqtk benchmarks/live.sh        (default MQTK: build/mqtk in the repo)
# Knobs: RUNS (5), DURATION (5 s of bench), N (200000 messages for sub), ROUNDS (5000
#        round trips for echo), QOS (0), BENCH_KEEP_RESULTS=FILE.
#        Raw rows: benchmarks/results/live-COMMIT.tsv (see lib.sh).
set -u
# shellcheck source=benchmarks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${RUNS:-5}
DURATION=${DURATION:-5}
N=${N:-200000}
ROUNDS=${ROUNDS:-5000}
QOS=${QOS:-0}

bench_check_mqtk
bench_need mosquitto mosquitto
bench_machine

VARIANTS=(plain stats)
"$MQTK" bench --help 2>/dev/null | grep -q -- '--metrics' && VARIANTS+=(metrics)

# The observer flags of a variant, as words.
observer_flags() {
    case $1 in
        plain) ;;
        stats) printf '%s\n' --stats "$BENCH_TMP/stats.jsonl" ;;
        metrics) printf '%s\n' --metrics "$(bench_free_port)" ;;
    esac
}

# run_bench RUN VARIANT: records bench's receive rate.
run_bench() {
    local run=$1 variant=$2 out rate
    broker_start false
    out=$BENCH_TMP/bench.json
    # shellcheck disable=SC2046  # observer_flags gives words
    if ! timeout $((DURATION + 60)) "$MQTK" bench -p "$BROKER_PORT" --duration "$DURATION" \
        -q "$QOS" --json $(observer_flags "$variant") >"$out" 2>"$BENCH_TMP/bench.err"; then
        bench_log "bench $variant run $run failed: $(tail -n 2 "$BENCH_TMP/bench.err")"
    fi
    rate=$("$BENCH_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"]["receive_rate"])' "$out" 2>/dev/null || echo NA)
    bench_record live bench "$variant" "$run" rate "$rate"
    printf '  bench %-8s run %s: %s msg/s\n' "$variant" "$run" "$(bench_fmt "$rate" 0)"
    broker_stop
}

# run_sub RUN VARIANT: records sub's receive rate over N messages.
run_sub() {
    local run=$1 variant=$2 id=live-sub-$1-$2 pid start end rate
    broker_start false
    # shellcheck disable=SC2046
    "$MQTK" sub -p "$BROKER_PORT" -i "$id" -t live/t -q "$QOS" -C "$N" -W 120 \
        $(observer_flags "$variant") >/dev/null 2>"$BENCH_TMP/sub.err" &
    pid=$!
    bench_track "$pid"
    broker_wait_subscribed "$id" 10 || bench_log "sub $variant run $run: not subscribed in 10 s"
    start=$(bench_now_us)
    timeout 120 "$MQTK" bench -p "$BROKER_PORT" --subscribers 0 --count "$N" -q "$QOS" \
        -t live/t --warmup 0 >/dev/null 2>&1
    if bench_wait_pid "$pid" 120; then
        end=$(bench_now_us)
        rate=$(awk -v n="$N" -v us=$((end - start)) 'BEGIN { printf "%.0f", n / (us / 1e6) }')
    else
        bench_kill "$pid"
        rate=NA
        bench_log "sub $variant run $run: did not receive $N messages: $(tail -n 2 "$BENCH_TMP/sub.err")"
    fi
    bench_record live sub "$variant" "$run" rate "$rate"
    printf '  sub   %-8s run %s: %s msg/s\n' "$variant" "$run" "$(bench_fmt "$rate" 0)"
    broker_stop
}

# run_echo RUN VARIANT: records echo's round-trip p50 (us).
run_echo() {
    local run=$1 variant=$2 p50
    broker_start true
    # shellcheck disable=SC2046
    timeout 120 "$MQTK" echo -p "$BROKER_PORT" -i "live-echo-$run-$variant" --clean --delay 0 \
        -C "$ROUNDS" -q "$QOS" -m x $(observer_flags "$variant") >/dev/null 2>"$BENCH_TMP/echo.err"
    p50=$(sed -n 's/.*round trip min [0-9.]* ms, p50 \([0-9.]*\) ms.*/\1/p' "$BENCH_TMP/echo.err" |
        awk '{ printf "%.1f", $1 * 1000 }')
    bench_record live echo "$variant" "$run" p50 "${p50:-NA}"
    printf '  echo  %-8s run %s: p50 %s us\n' "$variant" "$run" "${p50:-NA}"
    broker_stop
}

for ((run = 1; run <= RUNS; run++)); do
    for variant in "${VARIANTS[@]}"; do run_bench "$run" "$variant"; done
    for variant in "${VARIANTS[@]}"; do run_sub "$run" "$variant"; done
    for variant in "${VARIANTS[@]}"; do run_echo "$run" "$variant"; done
done

echo
echo "== what watching costs: medians over $RUNS interleaved runs, QoS $QOS; load at end: $(bench_load)"
echo "   vs plain: median of per-run ratios / ratio of the medians"
{
    printf 'case\tmetric\tvariant\tmedian\tvs plain\ttarget\n'
    for case in bench sub echo; do
        metric=rate
        op=ge
        limit=0.97
        [[ $case == echo ]] && metric=p50 op=le limit=1.03
        for variant in "${VARIANTS[@]}"; do
            ratio=- verdict=-
            if [[ $variant != plain ]]; then
                ratio=$(bench_ratios live "$case" "$variant" plain "$metric")
                verdict=$(bench_verdict2 "$(bench_ratio_median live "$case" "$variant" plain "$metric")" \
                    "$(bench_ratio_of_medians live "$case" "$variant" plain "$metric")" "$op" "$limit")
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$metric" "$variant" \
                "$(bench_fmt "$(bench_median live "$case" "$variant" "$metric")" 0)" "$ratio" "$verdict"
        done
    done
} | bench_table
