#!/usr/bin/env bash
# shellcheck disable=SC2046  # commands are built as words on purpose (publisher_cmd, subscriber_cmd)
# benchmarks/sub.sh: `mqtk sub -C N > /dev/null` against `mosquitto_sub -C N > /dev/null`
# (issue 3, "Speed"), 16 B and 1 KiB payloads, QoS 0 and 1.
#
#   live:   the subscriber is connected and subscribed (the broker's log shows its
#           SUBSCRIBE), then a flood of N messages is published: one mosquitto_pub -l from a
#           pre-generated file at QoS 0; at QoS 1 four mosquitto_pub -l of N/4 lines each (one
#           mosquitto_pub -l loses messages beyond ~65,000 queued lines at QoS 1). Timed
#           from the flood's start until the subscriber exits. This rate is bounded by the
#           publisher and the broker, not by the subscriber (both tools come out alike):
#           reported for reference, not as the subscriber's speed.
#   drain:  the headline: isolates the subscriber. A persistent session (-c -i ID) subscribes and leaves;
#           N messages are queued for it (queue_qos0_messages true for QoS 0); the broker's
#           $SYS store count confirms the backlog; then the subscriber reconnects with the
#           same id and is timed from its start until it exits after N messages, i.e. the
#           backlog drained at the speed of the broker and the subscriber.
#   format: the cost of output formatting on the drain: mqtk plain vs -F '%t %p' vs --json
#           (and mosquitto_sub -F '%t %p' for reference), 16 B and 1 KiB, QoS 0.
#   decode: the cost of --decode cbor on the QoS 0 drain of 16 B CBOR payloads (maps
#           {"t": <double>, "n": <int>}, none holding a line feed, made by python3's cbor2):
#           mqtk plain (prints the raw bytes) vs mqtk --decode cbor (prints JSON); issue 19's
#           target is CPU <= 1.5x plain.
#   idle:   peak RSS of a subscribed, idle subscriber. Under load: peak RSS in the drain.
#
# Usage: MQTK=/path/to/mqtk benchmarks/sub.sh        (default MQTK: build/mqtk in the repo)
# Knobs: RUNS (3), N (200000), SIZES ("16 1024"), QOSES ("0 1"), TRIAL_TIMEOUT (120 s),
#        SKIP_LIVE=1, SKIP_DRAIN=1, SKIP_FORMAT=1, SKIP_DECODE=1, SKIP_IDLE=1,
#        BENCH_KEEP_RESULTS=FILE.
# Raw rows: benchmarks/results/sub-COMMIT.tsv (see lib.sh).
# Each trial gets a fresh mosquitto; tools are interleaved run by run; ratios are taken
# within a run, then the median is reported. CPU is the subscriber's user+sys time.
set -u
# shellcheck source=benchmarks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${N:-200000}
SIZES=${SIZES:-"16 1024"}
QOSES=${QOSES:-"0 1"}
TRIAL_TIMEOUT=${TRIAL_TIMEOUT:-120}
TOOLS=(mqtk mosquitto_sub)

bench_check_mqtk
bench_need mosquitto mosquitto
bench_need mosquitto_pub mosquitto-clients
bench_need /usr/bin/time time
bench_machine

# subscriber_cmd VARIANT QOS [persistent]: argv of a subscriber with client id bench-sub.
subscriber_cmd() {
    local variant=$1 qos=$2 persistent=${3:-}
    local common="-h 127.0.0.1 -p $BROKER_PORT -i bench-sub -t bench/data -q $qos -C $N"
    [[ -n $persistent ]] && common+=" -c"
    case $variant in
        mqtk) echo "$MQTK sub $common" ;;
        mqtk-F) echo "$MQTK sub $common -F %t\\x20%p" ;;
        mqtk-json) echo "$MQTK sub $common --json" ;;
        mqtk-decode) echo "$MQTK sub $common --decode cbor" ;;
        mosquitto_sub) echo "mosquitto_sub $common" ;;
        mosquitto_sub-F) echo "mosquitto_sub $common -F %t\\x20%p" ;;
    esac
}
# The -F argument must reach the program as one word with a space: written as \x20 above
# and expanded here, where the command is split into words.
run_words() {
    local w out=()
    for w in $1; do out+=("${w//\\x20/ }"); done
    printf '%s\0' "${out[@]}"
}

# Flood: one mosquitto_pub -l at QoS 0; four (N/4 lines each) at QoS 1. Sets FLOOD_PIDS.
FLOOD_PIDS=()
flood_start() { # QOS SIZE
    local qos=$1 size=$2 f
    FLOOD_PIDS=()
    # mosquitto_pub -l 2.0.11 stops early on these binary lines (it sent 9, then 20, of 100
    # CBOR lines, the last one cut short): the CBOR backlog is published by mqtk pub -l.
    local publisher=mosquitto_pub
    [[ $size == cbor* ]] && publisher="$MQTK pub"
    if [[ $qos == 0 ]]; then
        $publisher -h 127.0.0.1 -p "$BROKER_PORT" -t bench/data -q 0 -l <"$BENCH_TMP/lines.$size" >/dev/null 2>&1 &
        FLOOD_PIDS+=($!)
    else
        for f in "$BENCH_TMP/lines.$size".part.*; do
            mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t bench/data -q "$qos" -l <"$f" >/dev/null 2>&1 &
            FLOOD_PIDS+=($!)
        done
    fi
    local p
    for p in "${FLOOD_PIDS[@]}"; do bench_track "$p"; done
}
flood_wait() { # SECONDS
    local p
    for p in "${FLOOD_PIDS[@]}"; do
        bench_wait_pid "$p" "$1" || bench_kill "$p"
    done
}

# The number of messages in the broker's store (queued for offline sessions included).
broker_stored() {
    timeout 5 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -t '$SYS/broker/store/messages/count' -C 1 -W 4 2>/dev/null || echo 0
}

# run_subscriber VARIANT QOS MODE -> sets SUB_PID (the /usr/bin/time process) and SUB_TIME.
start_subscriber() {
    local variant=$1 qos=$2 persistent=${3:-}
    SUB_TIME=$BENCH_TMP/subtime.out
    rm -f "$SUB_TIME"
    local words=()
    mapfile -d '' words < <(run_words "$(subscriber_cmd "$variant" "$qos" "$persistent")")
    /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$SUB_TIME" timeout -k 2 "$TRIAL_TIMEOUT" "${words[@]}" >/dev/null 2>"$BENCH_TMP/sub.err" &
    SUB_PID=$!
    bench_track "$SUB_PID"
}

record_trial() { # SECTION CASE TOOL RUN T0 T1
    local section=$1 case=$2 tool=$3 run=$4 t0=$5 t1=$6
    local cpu rss status seconds rate per100k
    read -r cpu rss status < <(bench_time_fields "$SUB_TIME")
    seconds=$(awk -v us=$((t1 - t0)) 'BEGIN {printf "%.3f", us / 1e6}')
    if [[ $status == 0 ]]; then
        rate=$(awk -v n="$N" -v us=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (us / 1e6)}')
    else
        rate=NA # it did not get all N (timeout), see "exit"; its CPU is not comparable
        bench_record "$section" "$case" "$tool" "$run" cpu_s_incomplete "$cpu"
        cpu=NA
    fi
    per100k=$(awk -v c="$cpu" -v n="$N" 'BEGIN {if (c == "NA") print "NA"; else printf "%.3f", c * 100000 / n}')
    bench_record "$section" "$case" "$tool" "$run" msgs_per_s "$rate"
    bench_record "$section" "$case" "$tool" "$run" seconds "$seconds"
    bench_record "$section" "$case" "$tool" "$run" cpu_s "$cpu"
    bench_record "$section" "$case" "$tool" "$run" cpu_per_100k "$per100k"
    bench_record "$section" "$case" "$tool" "$run" rss_kb "$rss"
    bench_record "$section" "$case" "$tool" "$run" exit "$status"
    printf '  %-6s %-12s %-16s run %s: %8s msgs/s, %6s s, CPU %s s (%s s/100k), RSS %s KiB, exit %s\n' \
        "$section" "$case" "$tool" "$run" "$rate" "$seconds" "$cpu" "$per100k" "$rss" "$status"
}

live_trial() { # TOOL QOS SIZE RUN
    local tool=$1 qos=$2 size=$3 run=$4 t0 t1
    broker_start false
    start_subscriber "$tool" "$qos"
    if ! broker_wait_subscribed bench-sub 10; then
        bench_log "subscriber did not subscribe ($tool)"
        bench_kill "$SUB_PID"
        broker_stop
        return
    fi
    t0=$(bench_now_us)
    flood_start "$qos" "$size"
    wait "$SUB_PID"
    t1=$(bench_now_us)
    flood_wait 10
    record_trial live "${size}B-qos$qos" "$tool" "$run" "$t0" "$t1"
    broker_stop
}

# A broker holding N messages for the offline persistent session "bench-sub"; returns 1
# if the backlog could not be confirmed.
backlog_ready() { # QOS SIZE
    local qos=$1 size=$2 i stored=0
    # $SYS every second on this broker: its store count confirms the backlog.
    BROKER_EXTRA="sys_interval 1" broker_start false
    timeout 10 mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -i bench-sub -c -t bench/data -q "$qos" -E >/dev/null 2>&1 ||
        return 1
    local base
    base=$(broker_stored) # $SYS's own retained messages
    flood_start "$qos" "$size"
    flood_wait 60
    for ((i = 0; i < 60; i++)); do
        stored=$(broker_stored)
        ((stored >= base + N)) && return 0
        sleep 0.5
    done
    bench_log "backlog not complete: $((stored - base)) of $N stored"
    return 1
}

drain_trial() { # SECTION VARIANT QOS SIZE RUN
    local section=$1 variant=$2 qos=$3 size=$4 run=$5 t0 t1
    if ! backlog_ready "$qos" "$size"; then
        bench_log "no backlog for $variant ${size}B QoS $qos run $run; skipped"
        broker_stop
        return
    fi
    t0=$(bench_now_us)
    start_subscriber "$variant" "$qos" persistent
    wait "$SUB_PID"
    t1=$(bench_now_us)
    record_trial "$section" "${size}B-qos$qos" "$variant" "$run" "$t0" "$t1"
    broker_stop
}

idle_rss() {
    echo
    echo "== idle: peak RSS of a subscribed, idle subscriber =="
    local tool run pid hwm
    for ((run = 1; run <= RUNS; run++)); do
        for tool in "${TOOLS[@]}"; do
            broker_start false
            local words=()
            mapfile -d '' words < <(run_words "$(subscriber_cmd "$tool" 0)")
            "${words[@]}" >/dev/null 2>&1 &
            pid=$!
            bench_track "$pid"
            broker_wait_subscribed bench-sub 10
            sleep 0.5
            hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
            bench_record idle idle "$tool" "$run" rss_kb "${hwm:-NA}"
            printf '  idle %-14s run %s: peak RSS %s KiB\n' "$tool" "$run" "${hwm:-NA}"
            bench_kill "$pid"
            broker_stop
        done
    done
}

prepare_payloads() {
    local size
    for size in $SIZES; do
        bench_payload_file "$BENCH_TMP/lines.$size" "$N" "$size"
        (cd "$BENCH_TMP" && split -n l/4 -d "lines.$size" "lines.$size.part.")
    done
    [[ -n ${SKIP_DECODE:-} ]] || cbor_payload_file "$BENCH_TMP/lines.cbor16" "$N"
}

# N lines of 16 B CBOR, a2 61 74 fb <double> 61 6e 18 <n>, none with a line feed.
cbor_payload_file() { # FILE N
    /usr/bin/python3 - "$1" "$2" <<'PY' || bench_die "python3 with cbor2 is needed (apt-get install python3-cbor2)"
import random, sys, cbor2
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as out:
    written = 0
    while written < n:
        line = cbor2.dumps({"t": random.uniform(-40, 60), "n": random.randrange(24, 256)})
        if len(line) == 16 and b"\n" not in line:
            out.write(line + b"\n")
            written += 1
PY
}

# ---------------------------------------------------------------------------------------
prepare_payloads
[[ -n ${SKIP_IDLE:-} ]] || idle_rss

if [[ -z ${SKIP_LIVE:-} ]]; then
    echo
    echo "== live: subscriber connected, then a flood of $N messages; $RUNS interleaved runs =="
    for size in $SIZES; do
        for qos in $QOSES; do
            for ((run = 1; run <= RUNS; run++)); do
                for tool in "${TOOLS[@]}"; do live_trial "$tool" "$qos" "$size" "$run"; done
            done
        done
    done
fi

if [[ -z ${SKIP_DRAIN:-} ]]; then
    echo
    echo "== drain: a backlog of $N messages drained by a reconnecting subscriber; $RUNS interleaved runs =="
    for size in $SIZES; do
        for qos in $QOSES; do
            for ((run = 1; run <= RUNS; run++)); do
                for tool in "${TOOLS[@]}"; do drain_trial drain "$tool" "$qos" "$size" "$run"; done
            done
        done
    done
fi

FORMAT_VARIANTS=(mqtk mqtk-F mqtk-json mosquitto_sub mosquitto_sub-F)
if [[ -z ${SKIP_FORMAT:-} ]]; then
    echo
    echo "== format: output cost on the QoS 0 drain (plain, -F '%t %p', --json); $RUNS interleaved runs =="
    for size in $SIZES; do
        for ((run = 1; run <= RUNS; run++)); do
            for variant in "${FORMAT_VARIANTS[@]}"; do drain_trial format "$variant" 0 "$size" "$run"; done
        done
    done
fi

if [[ -z ${SKIP_DECODE:-} ]]; then
    echo
    echo "== decode: --decode cbor on the QoS 0 drain of 16 B CBOR payloads; $RUNS interleaved runs =="
    for ((run = 1; run <= RUNS; run++)); do
        for variant in mqtk mqtk-decode; do drain_trial decode "$variant" 0 cbor16 "$run"; done
    done
fi

# ---------------------------------------------------------------------------------------
echo
echo "== summary (medians over runs) =="
mib() { bench_fmt "$(awk -v k="$1" 'BEGIN{print (k=="NA")?"NA":k/1024}')" 1; }
echo
echo "idle peak RSS: mqtk $(mib "$(bench_median idle idle mqtk rss_kb)") MiB, mosquitto_sub $(mib "$(bench_median idle idle mosquitto_sub rss_kb)") MiB"
echo "(ratios: the median of per-run ratios / the ratio of the medians shown; a verdict needs both)"
for section in drain live; do
    [[ $section == live && -n ${SKIP_LIVE:-} ]] && continue
    [[ $section == drain && -n ${SKIP_DRAIN:-} ]] && continue
    echo
    if [[ $section == drain ]]; then
        echo "(drain: the headline; a backlog drained by the subscriber alone, subscriber-bound)"
    else
        echo "(live: publisher-bound, for reference; it does not measure the subscriber's speed)"
    fi
    {
        printf 'case\ttool\tmsgs/s\tseconds\tCPU s/100k\tpeak RSS MiB\tthroughput ratio\tCPU ratio\n'
        for size in $SIZES; do
            for qos in $QOSES; do
                case="${size}B-qos$qos"
                for tool in "${TOOLS[@]}"; do
                    tr=- cr=-
                    if [[ $tool == mqtk ]]; then
                        tr=$(bench_ratios "$section" "$case" mqtk mosquitto_sub msgs_per_s)
                        cr=$(bench_ratios "$section" "$case" mqtk mosquitto_sub cpu_per_100k)
                    fi
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$tool" \
                        "$(bench_fmt "$(bench_median "$section" "$case" "$tool" msgs_per_s)" 0)" \
                        "$(bench_fmt "$(bench_median "$section" "$case" "$tool" seconds)" 2)" \
                        "$(bench_fmt "$(bench_median "$section" "$case" "$tool" cpu_per_100k)" 3)" \
                        "$(mib "$(bench_median "$section" "$case" "$tool" rss_kb)")" "$tr" "$cr"
                done
            done
        done
    } | bench_table
    for size in $SIZES; do
        for qos in $QOSES; do
            case="${size}B-qos$qos"
            tv=$(bench_verdict2 "$(bench_ratio_median "$section" "$case" mqtk mosquitto_sub msgs_per_s)" \
                "$(bench_ratio_of_medians "$section" "$case" mqtk mosquitto_sub msgs_per_s)" ge 1.0)
            cv=$(bench_verdict2 "$(bench_ratio_median "$section" "$case" mqtk mosquitto_sub cpu_per_100k)" \
                "$(bench_ratio_of_medians "$section" "$case" mqtk mosquitto_sub cpu_per_100k)" le 1.2)
            printf 'target %-5s %-12s throughput >= 1.0x mosquitto_sub: %s (%s); CPU <= 1.2x: %s (%s)\n' "$section" "$case:" \
                "$tv" "$(bench_ratios "$section" "$case" mqtk mosquitto_sub msgs_per_s)" \
                "$cv" "$(bench_ratios "$section" "$case" mqtk mosquitto_sub cpu_per_100k)"
        done
    done
done
if [[ -z ${SKIP_FORMAT:-} ]]; then
    echo
    echo "(format, QoS 0 drain; cost = CPU and wall time relative to the same tool's plain output)"
    {
        printf 'case\tvariant\tmsgs/s\tseconds\tCPU s/100k\tpeak RSS MiB\tCPU vs plain\twall vs plain\n'
        for size in $SIZES; do
            case="${size}B-qos0"
            for variant in "${FORMAT_VARIANTS[@]}"; do
                base=${variant%%-*}
                c=- w=-
                if [[ $variant != "$base" ]]; then
                    c=$(bench_ratios format "$case" "$variant" "$base" cpu_per_100k)
                    w=$(bench_ratios format "$case" "$variant" "$base" seconds)
                fi
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$variant" \
                    "$(bench_fmt "$(bench_median format "$case" "$variant" msgs_per_s)" 0)" \
                    "$(bench_fmt "$(bench_median format "$case" "$variant" seconds)" 2)" \
                    "$(bench_fmt "$(bench_median format "$case" "$variant" cpu_per_100k)" 3)" \
                    "$(mib "$(bench_median format "$case" "$variant" rss_kb)")" "$c" "$w"
            done
        done
    } | bench_table
    for size in $SIZES; do
        case="${size}B-qos0"
        fv=$(bench_verdict2 "$(bench_ratio_median format "$case" mqtk-F mqtk cpu_per_100k)" \
            "$(bench_ratio_of_medians format "$case" mqtk-F mqtk cpu_per_100k)" le 1.3)
        jv=$(bench_verdict2 "$(bench_ratio_median format "$case" mqtk-json mqtk cpu_per_100k)" \
            "$(bench_ratio_of_medians format "$case" mqtk-json mqtk cpu_per_100k)" le 1.5)
        printf 'target format %-12s -F CPU <= 1.3x plain: %s (%s); --json CPU <= 1.5x plain: %s (%s)\n' "$case:" \
            "$fv" "$(bench_ratios format "$case" mqtk-F mqtk cpu_per_100k)" \
            "$jv" "$(bench_ratios format "$case" mqtk-json mqtk cpu_per_100k)"
    done
fi
if [[ -z ${SKIP_DECODE:-} ]]; then
    echo
    echo "(decode, QoS 0 drain of 16 B CBOR; cost = relative to mqtk's plain output of the same bytes)"
    case="cbor16B-qos0"
    {
        printf 'case\tvariant\tmsgs/s\tseconds\tCPU s/100k\tpeak RSS MiB\tCPU vs plain\twall vs plain\n'
        for variant in mqtk mqtk-decode; do
            c=- w=-
            if [[ $variant != mqtk ]]; then
                c=$(bench_ratios decode "$case" "$variant" mqtk cpu_per_100k)
                w=$(bench_ratios decode "$case" "$variant" mqtk seconds)
            fi
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$variant" \
                "$(bench_fmt "$(bench_median decode "$case" "$variant" msgs_per_s)" 0)" \
                "$(bench_fmt "$(bench_median decode "$case" "$variant" seconds)" 2)" \
                "$(bench_fmt "$(bench_median decode "$case" "$variant" cpu_per_100k)" 3)" \
                "$(mib "$(bench_median decode "$case" "$variant" rss_kb)")" "$c" "$w"
        done
    } | bench_table
    dv=$(bench_verdict2 "$(bench_ratio_median decode "$case" mqtk-decode mqtk cpu_per_100k)" \
        "$(bench_ratio_of_medians decode "$case" mqtk-decode mqtk cpu_per_100k)" le 1.5)
    printf 'target decode %-12s --decode cbor CPU <= 1.5x plain: %s (%s)\n' "$case:" \
        "$dv" "$(bench_ratios decode "$case" mqtk-decode mqtk cpu_per_100k)"
fi
echo "load at end: $(bench_load)"
