#!/usr/bin/env bash
# benchmarks/check.sh: how long `mqtk check` takes against mosquitto on loopback (issue 17:
# "the default check takes under 0.1 s"), beside the probe people use today,
# `mosquitto_sub -t '$SYS/#' -C 1` (one connection, one retained message).
#
# Usage: MQTK=/path/to/mqtk benchmarks/check.sh        (default MQTK: build/mqtk in the repo)
# Knobs: RUNS (20 per tool), BENCH_KEEP_RESULTS=FILE (also copy the raw per-run rows there).
# Raw rows: benchmarks/results/check-COMMIT.tsv (see lib.sh).
#
# Two brokers, one after the other: mosquitto with set_tcp_nodelay true (case "nodelay",
# the figure of the issue) and with its default, Nagle on (case "nagle": every check then
# waits ~40 ms for the broker's Nagle against our delayed ACK). The two tools alternate
# run by run, the one that goes first alternating too. Wall time is the whole process,
# fork to exit, measured by this shell; the ratio is given as the median of the per-run
# ratios and as the ratio of the medians.
set -u
# shellcheck source=benchmarks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${RUNS:-20}
LIMIT_MS=100

bench_check_mqtk
bench_need mosquitto mosquitto
bench_need mosquitto_sub mosquitto-clients

bench_machine

# tool_cmd TOOL: the argv of one probe.
tool_cmd() {
    case $1 in
        mqtk) echo "$MQTK check -h 127.0.0.1 -p $BROKER_PORT --quiet" ;;
        mosquitto_sub) echo "mosquitto_sub -h 127.0.0.1 -p $BROKER_PORT -t \$SYS/# -C 1 -W 5" ;;
    esac
}

# run_one TOOL RUN: times one probe and records its wall time (ms) and exit status.
run_one() {
    local tool=$1 run=$2 start end status
    local -a argv
    read -r -a argv <<<"$(tool_cmd "$tool")"
    start=$(bench_now_us)
    "${argv[@]}" >/dev/null 2>"$BENCH_TMP/$tool.err"
    status=$?
    end=$(bench_now_us)
    bench_record check "$CASE" "$tool" "$run" wall_ms "$(awk -v d=$((end - start)) 'BEGIN { printf "%.3f", d / 1000 }')"
    bench_record check "$CASE" "$tool" "$run" exit "$status"
    ((status == 0)) || bench_log "$tool run $run: exit $status: $(head -c 300 "$BENCH_TMP/$tool.err")"
}

for CASE in nodelay nagle; do
    broker_start "$([[ $CASE == nodelay ]] && echo true || echo false)"
    # The broker publishes its retained $SYS topics once it runs; wait for the first.
    # shellcheck disable=SC2016  # $SYS is the topic, not a variable
    mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t '$SYS/#' -C 1 -W 10 >/dev/null ||
        bench_die "mosquitto published no \$SYS message within 10 s"
    for ((run = 1; run <= RUNS; run++)); do
        if ((run % 2)); then order=(mqtk mosquitto_sub); else order=(mosquitto_sub mqtk); fi
        for tool in "${order[@]}"; do run_one "$tool" "$run"; done
    done
    broker_stop
done

failures() { awk -F'\t' -v c="$1" -v t="$2" '$2==c && $3==t && $5=="exit" && $6!=0 {n++} END {print n+0}' "$BENCH_RESULTS_FILE"; }
{
    printf 'broker\ttool\tmedian wall (ms)\tfailed runs\tmqtk / mosquitto_sub\n'
    for CASE in nodelay nagle; do
        for tool in mqtk mosquitto_sub; do
            ratio=""
            [[ $tool == mqtk ]] && ratio=$(bench_ratios check "$CASE" mqtk mosquitto_sub wall_ms)
            printf '%s\t%s\t%s\t%s of %s\t%s\n' "$CASE" "$tool" "$(bench_fmt "$(bench_median check "$CASE" "$tool" wall_ms)" 1)" "$(failures "$CASE" "$tool")" "$RUNS" "$ratio"
        done
    done
} | bench_table
echo
echo "command: $MQTK check -h 127.0.0.1 -p PORT --quiet"
echo "beside:  mosquitto_sub -h 127.0.0.1 -p PORT -t '\$SYS/#' -C 1 -W 5"
echo "ratios: median of per-run ratios / ratio of medians"
echo "target: mqtk check under $LIMIT_MS ms (nodelay broker): $(bench_verdict "$(bench_median check nodelay mqtk wall_ms)" le "$LIMIT_MS")"
