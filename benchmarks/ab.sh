#!/usr/bin/env bash
# benchmarks/ab.sh: two mqtk builds side by side on bench's and pub's publishing paths, for
# a change that must not cost speed (issue 16's rule: "ratios within noise or better").
# Each run starts one private mosquitto and runs every case with BASE then HEAD (the order
# alternates run by run), so both see the same broker and the same minute of machine load;
# the table shows the median of the per-run HEAD/BASE ratios.
#
#   bench-qN   mqtk bench --publishers 10 --subscribers 0 --count N --size 16 -q N:
#              messages/s measured by bench itself (send_rate) and client CPU s
#   bench-sub  the same at QoS 1 with one subscriber that receives everything
#   pub-l      mqtk pub -l -q 0 with 100,000 lines (one publisher, the blocking window)
#
# Usage: BASE=/path/to/old/mqtk HEAD=/path/to/new/mqtk benchmarks/ab.sh
# Knobs: RUNS (5), N (10000 messages per bench publisher).
# Raw rows: benchmarks/results/ab-COMMIT.tsv (see lib.sh).
set -u
# shellcheck source=benchmarks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${N:-10000}
RUNS=${RUNS:-5}
: "${BASE:?BASE=path of the mqtk binary before the change}"
: "${HEAD:?HEAD=path of the mqtk binary after the change}"
bench_need mosquitto mosquitto
bench_need /usr/bin/time time
bench_machine

bench_results_header "A/B: BASE=$BASE ($("$BASE" --version 2>/dev/null | head -n 1)) HEAD=$HEAD; N=$N"
seq 1 100000 | sed 's/^/line-/' >"$BENCH_TMP/lines.txt"

# run_case CASE TOOL RUN COMMAND...: times one command, records rate (bench) and cpu_s.
run_case() {
    local name=$1 tool=$2 run=$3 start end out=$BENCH_TMP/out.json timing=$BENCH_TMP/time
    shift 3
    start=$(bench_now_us)
    timeout 120 /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$timing" "$@" >"$out" 2>/dev/null
    end=$(bench_now_us)
    read -r cpu _ status < <(bench_time_fields "$timing")
    bench_record ab "$name" "$tool" "$run" wall_s "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", (b-a)/1e6}')"
    bench_record ab "$name" "$tool" "$run" cpu_s "$cpu"
    bench_record ab "$name" "$tool" "$run" status "$status"
    if [[ $name == bench-* ]]; then
        bench_record ab "$name" "$tool" "$run" rate \
            "$("$BENCH_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["messages"]["send_rate"])' "$out" 2>/dev/null || echo NA)"
    fi
}

cases=(bench-q0 bench-q1 bench-q2 bench-sub pub-l)
command_for() {  # CASE BINARY
    local common=(-h 127.0.0.1 -p "$BROKER_PORT")
    case $1 in
        bench-q[012]) echo "$2" bench "${common[@]}" --publishers 10 --subscribers 0 --count "$N" \
            --warmup 0 --size 16 -q "${1#bench-q}" --topic 'ab/%i' --json ;;
        bench-sub) echo "$2" bench "${common[@]}" --publishers 10 --subscribers 1 --count "$N" \
            --warmup 0 --size 16 -q 1 --topic 'ab/%i' --json ;;
        pub-l) echo "$2" pub "${common[@]}" -t ab/l -q 0 -l ;;
    esac
}

for ((run = 1; run <= RUNS; run++)); do
    broker_start
    order=(base head)
    ((run % 2 == 0)) && order=(head base)
    for c in "${cases[@]}"; do
        for tool in "${order[@]}"; do
            bin=$BASE
            [[ $tool == head ]] && bin=$HEAD
            read -r -a argv <<<"$(command_for "$c" "$bin")"
            if [[ $c == pub-l ]]; then
                run_case "$c" "$tool" "$run" "${argv[@]}" <"$BENCH_TMP/lines.txt"
            else
                run_case "$c" "$tool" "$run" "${argv[@]}"
            fi
        done
    done
    broker_stop
    bench_log "run $run of $RUNS done ($(bench_load))"
done

printf '| case | BASE median rate / CPU s | HEAD median rate / CPU s | HEAD/BASE rate | HEAD/BASE CPU |\n|---|---|---|---|---|\n'
for c in "${cases[@]}"; do
    metric=rate
    [[ $c == pub-l ]] && metric=wall_s
    printf '| %s | %s / %s | %s / %s | %s | %s |\n' "$c" \
        "$(bench_fmt "$(bench_median ab "$c" base "$metric")" 2)" "$(bench_fmt "$(bench_median ab "$c" base cpu_s)" 2)" \
        "$(bench_fmt "$(bench_median ab "$c" head "$metric")" 2)" "$(bench_fmt "$(bench_median ab "$c" head cpu_s)" 2)" \
        "$(bench_fmt "$(bench_ratio_median ab "$c" head base "$metric")" 2 x)" \
        "$(bench_fmt "$(bench_ratio_median ab "$c" head base cpu_s)" 2 x)"
done
echo "(pub-l: wall seconds instead of a rate; lower is better. Load: $(bench_load))"
