#!/usr/bin/env bash
# benchmarks/bench.sh: `mqtk bench` against its peers (issue 5, "Speed").
#
#   (a) 10 publishers x N messages of 16 B, no subscriber, QoS 0, 1 and 2: mqtk bench
#       against 10 parallel `mosquitto_pub -l` processes fed N lines each. Messages/s
#       (whole command, start to exit, for both; mqtk's own measured rate is shown too)
#       and client CPU per message.
#   (b) the same with one subscriber that must receive everything: mqtk bench
#       --subscribers 1 against the 10 mosquitto_pub plus `mosquitto_sub -C 10N`
#       (subscribed before the publishers start); end-to-end messages/s and client CPU.
#   (c) 100 clients x 1 msg/s for 10 s in one process: CPU seconds (target < 0.1 s), next
#       to `mqtk pub` sending the same 1,000 messages from one client (the floor of one
#       Paho client at that pace).
#   (d) open loop below saturation (--rate, one publisher and one subscriber) p50 against
#       `mqtk echo --delay 0` p50 on the same broker (target: within 1.5x).
#   (e) a 10,000-connection storm in one process (--workers 1) and with the default
#       workers: connect rate, client memory per idle connection, broker memory.
#
# Usage: MQTK=/path/to/mqtk benchmarks/bench.sh        (default MQTK: build/mqtk)
# Knobs: RUNS (3), N (10000 messages per publisher), STORM (10000), RATES ("1000"),
#        SKIP=("a b c d e" sections to skip), BENCH_KEEP_RESULTS=FILE.
# Raw rows: benchmarks/results/bench-COMMIT.tsv (see lib.sh).
#
# Every trial gets a fresh private mosquitto (set_tcp_nodelay true for (d)); tools are
# interleaved run by run and every ratio is taken within one run, then the median shown.
set -u
# shellcheck source=benchmarks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${N:-10000}
STORM=${STORM:-10000}
RATES=${RATES:-"1000"}
SKIP=${SKIP:-""}
PUBLISHERS=10

bench_check_mqtk
bench_need mosquitto mosquitto
bench_need mosquitto_pub mosquitto-clients
bench_need /usr/bin/time time
bench_machine

skip() { [[ " $SKIP " == *" $1 "* ]]; }

LINES_FILE=$BENCH_TMP/lines16
bench_payload_file "$LINES_FILE" "$N" 16

# A Python runner for the mosquitto side: starts the 10 publishers at once (each with the
# lines on stdin), waits for all of them - and for the receiver, if its pid is given -
# and prints wall seconds and the CPU seconds of everything it waited for.
RUNNER=$BENCH_TMP/group.py
cat >"$RUNNER" <<'EOF'
import os, subprocess, sys, time
lines, port, qos, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
receiver = int(sys.argv[5]) if len(sys.argv) > 5 else 0
t = time.perf_counter()
procs = []
for i in range(n):
    f = open(lines, "rb")
    procs.append(subprocess.Popen(["mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", qos,
                                   "-t", "bench/%d" % i, "-i", "mp%d" % i, "-l"], stdin=f,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
cpu = 0.0
codes = []
for p in procs:
    _, status, ru = os.wait4(p.pid, 0)
    cpu += ru.ru_utime + ru.ru_stime
    codes.append(os.waitstatus_to_exitcode(status))
if receiver:  # not our child: wait by polling, its CPU comes from /proc
    while os.path.exists("/proc/%d" % receiver) and open("/proc/%d/stat" % receiver).read().split()[2] != "Z":
        if time.perf_counter() - t > 120: break
        time.sleep(0.0005)
wall = time.perf_counter() - t
print("%.6f %.6f %d" % (wall, cpu, max(codes)))
EOF

# CPU seconds (utime + stime) a process has used so far, from /proc (for a receiver that
# is not a child of the runner).
proc_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.6f\n", ($14 + $15) / hz}' "/proc/$1/stat" 2>/dev/null || echo NA
}

json_field() { # FILE PYTHON-EXPRESSION-ON-d
    "$BENCH_PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1" 2>/dev/null || echo NA
}

# One mqtk bench trial under /usr/bin/time: records rate (whole command), its own
# measured rates, CPU per message; the JSON is kept in $BENCH_TMP/bench.json.
mqtk_trial() { # SECTION CASE RUN TOTAL ARGS...
    local section=$1 case=$2 run=$3 total=$4
    shift 4
    local t0 t1 cpu
    t0=$(bench_now_us)
    /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$BENCH_TMP/time.out" \
        timeout 120 "$MQTK" bench -h 127.0.0.1 -p "$BROKER_PORT" --json "$@" \
        >"$BENCH_TMP/bench.json" 2>"$BENCH_TMP/bench.err"
    t1=$(bench_now_us)
    read -r cpu _ status < <(bench_time_fields "$BENCH_TMP/time.out")
    [[ $status == 0 ]] || bench_log "mqtk bench exited $status ($section $case run $run): $(head -c 300 "$BENCH_TMP/bench.err")"
    bench_record "$section" "$case" mqtk "$run" rate "$(awk -v n="$total" -v us=$((t1 - t0)) 'BEGIN{printf "%.1f", n / (us / 1e6)}')"
    bench_record "$section" "$case" mqtk "$run" cpu_us_per_msg "$(awk -v c="$cpu" -v n="$total" 'BEGIN{printf "%.2f", c * 1e6 / n}')"
    bench_record "$section" "$case" mqtk "$run" own_send_rate "$(json_field "$BENCH_TMP/bench.json" "round(d['messages']['send_rate'])")"
    bench_record "$section" "$case" mqtk "$run" own_receive_rate "$(json_field "$BENCH_TMP/bench.json" "round(d['messages']['receive_rate'])")"
    bench_record "$section" "$case" mqtk "$run" lost "$(json_field "$BENCH_TMP/bench.json" "d['messages']['lost']")"
    bench_record "$section" "$case" mqtk "$run" received "$(json_field "$BENCH_TMP/bench.json" "d['messages']['received']")"
    bench_record "$section" "$case" mqtk "$run" workers "$(json_field "$BENCH_TMP/bench.json" "d['workers']")"
}

# "98,000 / 100,000 of 100,000": what each side's subscriber got (medians), or "-".
received_cell() { # SECTION CASE WITH_SUBSCRIBER
    ((${3})) || {
        printf -- '-'
        return
    }
    printf '%s / %s of %s' "$(bench_fmt "$(bench_median "$1" "$2" mqtk received)" 0)" \
        "$(bench_fmt "$(bench_median "$1" "$2" mosquitto received)" 0)" "$((PUBLISHERS * N))"
}

# all_received SECTION CASE: every run's subscriber, on both sides, got all messages.
all_received() {
    awk -F'\t' -v s="$1" -v c="$2" -v n="$((PUBLISHERS * N))" '
        $1==s && $2==c && $5=="received" {r++; if ($6 != n) bad++}
        END {exit !(r > 0 && bad == 0)}' "$BENCH_RESULTS_FILE"
}

# ---------------------------------------------------------------------------------------
# (a) and (b): throughput against 10 x mosquitto_pub -l. With a subscriber, rates are
# whole-command wall clock for both sides; a side whose subscriber did not receive
# everything (see the last column) is not comparable: mosquitto 2.0.11 flooded with
# QoS 2 stops delivering to its subscriber (mosquitto_sub and mqtk alike), so the QoS 2
# row of (b) measures that, not the clients.
throughput() { # SECTION WITH_SUBSCRIBER
    local section=$1 with_sub=$2 qos run total=$((PUBLISHERS * N))
    for run in $(seq 1 "$RUNS"); do
        for qos in 0 1 2; do
            local case="qos$qos"
            # mqtk bench
            broker_start false
            local subs=0
            ((with_sub)) && subs=1
            mqtk_trial "$section" "$case" "$run" "$total" --publishers "$PUBLISHERS" --subscribers "$subs" \
                --count "$N" --warmup 0 --size 16 -q "$qos" --topic 'bench/%i'
            broker_stop
            # 10 x mosquitto_pub (+ mosquitto_sub)
            broker_start false
            local recv="" recv_cpu=0 wall cpu code
            if ((with_sub)); then
                mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -i bench-recv -t 'bench/+' -q "$qos" -C "$total" \
                    >"$BENCH_TMP/recv.out" 2>/dev/null &
                recv=$!
                bench_track "$recv"
                broker_wait_subscribed bench-recv 10 || bench_log "mosquitto_sub did not subscribe"
            fi
            read -r wall cpu code < <(timeout 150 "$BENCH_PY" "$RUNNER" "$LINES_FILE" "$BROKER_PORT" "$qos" "$PUBLISHERS" ${recv:+"$recv"})
            if [[ -n $recv ]]; then
                recv_cpu=$(proc_cpu "$recv")
                bench_wait_pid "$recv" 5 || bench_kill "$recv"
                bench_record "$section" "$case" mosquitto "$run" received "$(wc -l <"$BENCH_TMP/recv.out")"
            fi
            [[ ${code:-1} == 0 ]] || bench_log "a mosquitto_pub exited ${code:-?} ($section $case run $run)"
            bench_record "$section" "$case" mosquitto "$run" rate "$(awk -v n="$total" -v w="${wall:-0}" 'BEGIN{ if (w>0) printf "%.1f", n / w; else print "NA"}')"
            bench_record "$section" "$case" mosquitto "$run" cpu_us_per_msg "$(awk -v c="${cpu:-0}" -v r="${recv_cpu:-0}" -v n="$total" 'BEGIN{printf "%.2f", (c + r) * 1e6 / n}')"
            broker_stop
        done
    done
    echo
    if ((with_sub)); then
        echo "== (b) $PUBLISHERS publishers x $N msgs of 16 B + 1 subscriber that receives all; $RUNS runs, medians =="
    else
        echo "== (a) $PUBLISHERS publishers x $N msgs of 16 B, no subscriber; $RUNS runs, medians =="
    fi
    {
        printf 'QoS\tmqtk msg/s\tmosquitto msg/s\tratio\ttarget\tmqtk own rate (send/recv)\tCPU us/msg mqtk\tmosquitto\tCPU ratio\treceived mqtk / mosquitto_sub\n'
        for qos in 0 1 2; do
            local c="qos$qos" target=1.0 verdict
            ((qos == 0)) && target=0.8
            verdict=$(bench_verdict2 "$(bench_ratio_median "$section" "$c" mqtk mosquitto rate)" \
                "$(bench_ratio_of_medians "$section" "$c" mqtk mosquitto rate)" ge "$target")
            # A side whose subscriber missed messages ran a different race: no verdict.
            if ((with_sub)) && ! all_received "$section" "$c"; then verdict="void: not all received"; fi
            printf '%s\t%s\t%s\t%s\t>= %s (%s)\t%s / %s\t%s\t%s\t%s\t%s\n' "$qos" \
                "$(bench_fmt "$(bench_median "$section" "$c" mqtk rate)" 0)" \
                "$(bench_fmt "$(bench_median "$section" "$c" mosquitto rate)" 0)" \
                "$(bench_ratios "$section" "$c" mqtk mosquitto rate)" "$target" "$verdict" \
                "$(bench_fmt "$(bench_median "$section" "$c" mqtk own_send_rate)" 0)" \
                "$(bench_fmt "$(bench_median "$section" "$c" mqtk own_receive_rate)" 0)" \
                "$(bench_fmt "$(bench_median "$section" "$c" mqtk cpu_us_per_msg)" 1)" \
                "$(bench_fmt "$(bench_median "$section" "$c" mosquitto cpu_us_per_msg)" 1)" \
                "$(bench_ratios "$section" "$c" mqtk mosquitto cpu_us_per_msg)" \
                "$(received_cell "$section" "$c" "$with_sub")"
        done
    } | bench_table
    echo "(ratio: the median of per-run ratios / the ratio of the medians shown; a verdict needs both)"
}

# ---------------------------------------------------------------------------------------
# (c) CPU of 100 clients x 1 msg/s for 10 s in one process.
idle_cpu() {
    local run cpu
    for run in $(seq 1 "$RUNS"); do
        broker_start false
        for qos in 0 1; do
            /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$BENCH_TMP/time.out" \
                timeout 60 "$MQTK" bench -h 127.0.0.1 -p "$BROKER_PORT" --publishers 100 --subscribers 0 \
                --rate 100 --duration 10 --warmup 0 -q "$qos" --workers 1 >/dev/null 2>&1
            read -r cpu _ _ < <(bench_time_fields "$BENCH_TMP/time.out")
            bench_record c "qos$qos" mqtk "$run" cpu_s "$cpu"
            /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$BENCH_TMP/time.out" \
                timeout 60 "$MQTK" pub -h 127.0.0.1 -p "$BROKER_PORT" -t bench/one -m 0123456789abcdef \
                -q "$qos" --repeat 1000 --repeat-delay 0.01 >/dev/null 2>&1
            read -r cpu _ _ < <(bench_time_fields "$BENCH_TMP/time.out")
            bench_record c "qos$qos" mqtk_pub "$run" cpu_s "$cpu"
        done
        broker_stop
    done
    echo
    echo "== (c) 100 clients x 1 msg/s for 10 s, one process (--workers 1); $RUNS runs, medians =="
    {
        printf 'QoS\tmqtk bench CPU s\ttarget\tmqtk pub, 1 client, same 1,000 msgs, CPU s\n'
        for qos in 0 1; do
            local v
            v=$(bench_median c "qos$qos" mqtk cpu_s)
            printf '%s\t%s\t< 0.1 (%s)\t%s\n' "$qos" "$(bench_fmt "$v" 3)" "$(bench_verdict "$v" le 0.1)" \
                "$(bench_fmt "$(bench_median c "qos$qos" mqtk_pub cpu_s)" 3)"
        done
    } | bench_table
}

# ---------------------------------------------------------------------------------------
# (d) open-loop p50 against echo's ping-pong p50, same broker (set_tcp_nodelay true).
latency() {
    local run rate qos p50
    for run in $(seq 1 "$RUNS"); do
        for qos in 0 1; do
            broker_start true
            for rate in $RATES; do
                timeout 60 "$MQTK" bench -h 127.0.0.1 -p "$BROKER_PORT" --publishers 1 --subscribers 1 \
                    --rate "$rate" --duration 5 --warmup 1 -q "$qos" --workers 1 --json \
                    >"$BENCH_TMP/lat.json" 2>/dev/null
                p50=$(json_field "$BENCH_TMP/lat.json" "d['latency']['end_to_end']['p50_ns'] / 1000")
                bench_record d "qos$qos-rate$rate" mqtk "$run" p50_us "$p50"
                bench_record d "qos$qos-rate$rate" mqtk "$run" p99_us \
                    "$(json_field "$BENCH_TMP/lat.json" "d['latency']['end_to_end']['p99_ns'] / 1000")"
            done
            timeout 30 "$MQTK" echo -h 127.0.0.1 -p "$BROKER_PORT" -t bench/echo --clean --delay 0 -W 5 \
                -q "$qos" >/dev/null 2>"$BENCH_TMP/echo.err"
            p50=$(sed -n 's/.*round trip min [0-9.]* ms, p50 \([0-9.]*\) ms.*/\1/p' "$BENCH_TMP/echo.err" | head -n 1)
            [[ -n $p50 ]] && p50=$(awk -v v="$p50" 'BEGIN{printf "%.1f", v * 1000}')
            for rate in $RATES; do
                bench_record d "qos$qos-rate$rate" echo "$run" p50_us "${p50:-NA}"
            done
            broker_stop
        done
    done
    echo
    echo "== (d) open loop below saturation vs mqtk echo --delay 0 (ping-pong); $RUNS runs, medians =="
    {
        printf 'QoS\trate msg/s\tbench p50 us\tbench p99 us\techo p50 us\tratio\ttarget\n'
        for qos in 0 1; do
            for rate in $RATES; do
                local c="qos$qos-rate$rate"
                printf '%s\t%s\t%s\t%s\t%s\t%s\t<= 1.5 (%s)\n' "$qos" "$rate" \
                    "$(bench_fmt "$(bench_median d "$c" mqtk p50_us)" 0)" \
                    "$(bench_fmt "$(bench_median d "$c" mqtk p99_us)" 0)" \
                    "$(bench_fmt "$(bench_median d "$c" echo p50_us)" 0)" \
                    "$(bench_ratios d "$c" mqtk echo p50_us)" \
                    "$(bench_verdict2 "$(bench_ratio_median d "$c" mqtk echo p50_us)" \
                        "$(bench_ratio_of_medians d "$c" mqtk echo p50_us)" le 1.5)"
            done
        done
    } | bench_table
}

# ---------------------------------------------------------------------------------------
# (e) the storm. The broker inherits our raised fd limit; its RSS is sampled while the
# connections are held.
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

storm() {
    ulimit -n "$(ulimit -Hn)" 2>/dev/null
    local workers run
    for run in $(seq 1 "$RUNS"); do
        for workers in 1 0; do
            local label="one process"
            ((workers == 0)) && label="default workers"
            BROKER_EXTRA="max_connections -1" broker_start false
            local before peak=0 now pid
            before=$(rss_kb "$BROKER_PID")
            timeout 300 "$MQTK" bench -h 127.0.0.1 -p "$BROKER_PORT" --storm "$STORM" --hold 2 \
                --workers "$workers" --json >"$BENCH_TMP/storm.json" 2>"$BENCH_TMP/storm.err" &
            pid=$!
            bench_track "$pid"
            while kill -0 "$pid" 2>/dev/null; do
                now=$(rss_kb "$BROKER_PID")
                ((now > peak)) && peak=$now
                sleep 0.2
            done
            wait "$pid" || bench_log "storm exited $? ($label run $run): $(head -c 300 "$BENCH_TMP/storm.err")"
            local c="$label"
            bench_record e "$c" mqtk "$run" connected "$(json_field "$BENCH_TMP/storm.json" "d['storm']['connected']")"
            bench_record e "$c" mqtk "$run" failed "$(json_field "$BENCH_TMP/storm.json" "d['storm']['failed']")"
            bench_record e "$c" mqtk "$run" rate "$(json_field "$BENCH_TMP/storm.json" "round(d['storm']['connect_rate'])")"
            bench_record e "$c" mqtk "$run" window_s "$(json_field "$BENCH_TMP/storm.json" "round(d['storm']['connect_window_s'], 2)")"
            bench_record e "$c" mqtk "$run" p50_ms "$(json_field "$BENCH_TMP/storm.json" "round(d['latency']['connect']['p50_ns'] / 1e6, 1)")"
            bench_record e "$c" mqtk "$run" p99_ms "$(json_field "$BENCH_TMP/storm.json" "round(d['latency']['connect']['p99_ns'] / 1e6, 1)")"
            bench_record e "$c" mqtk "$run" client_kib "$(json_field "$BENCH_TMP/storm.json" "round(d['storm']['memory_per_connection_bytes'] / 1024, 1)")"
            bench_record e "$c" mqtk "$run" disconnect_s "$(json_field "$BENCH_TMP/storm.json" "round(d['storm']['disconnect_s'], 2)")"
            bench_record e "$c" mqtk "$run" workers "$(json_field "$BENCH_TMP/storm.json" "d['workers']")"
            bench_record e "$c" mqtk "$run" broker_kib "$(awk -v a="$peak" -v b="$before" -v n="$STORM" 'BEGIN{printf "%.1f", (a - b) / n}')"
            broker_stop
        done
    done
    echo
    echo "== (e) storm of $STORM connections, held 2 s; $RUNS runs, medians =="
    {
        printf 'mode\tprocesses\tconnected\tfailed\tconn/s\tall in s\tconnect p50 ms\tp99 ms\tclient KiB/conn\tbroker KiB/conn\tdisconnect s\n'
        for c in "one process" "default workers"; do
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" \
                "$(bench_median e "$c" mqtk workers)" "$(bench_median e "$c" mqtk connected)" \
                "$(bench_median e "$c" mqtk failed)" "$(bench_fmt "$(bench_median e "$c" mqtk rate)" 0)" \
                "$(bench_median e "$c" mqtk window_s)" "$(bench_median e "$c" mqtk p50_ms)" \
                "$(bench_median e "$c" mqtk p99_ms)" "$(bench_median e "$c" mqtk client_kib)" \
                "$(bench_median e "$c" mqtk broker_kib)" "$(bench_median e "$c" mqtk disconnect_s)"
        done
    } | bench_table
}

skip a || throughput a 0
skip b || throughput b 1
skip c || idle_cpu
skip d || latency
skip e || storm
echo
echo "load at end: $(bench_load)"
