#!/usr/bin/env bash
# shellcheck disable=SC2046  # commands are built as words on purpose (publisher_cmd, subscriber_cmd)
# benchmarks/pub.sh: `mqtk pub` against mosquitto_pub, paho_c_pub and MQTT.js (issue 2, "Speed").
#
#   (a) one-shot `-m` publish, whole process: wall time and CPU (user+sys), QoS 0 and 1.
#   (b) `-l` streaming N lines (16 B and 1 KiB) into a receiver (mosquitto_sub -C N on the
#       same broker, subscribed before the publisher starts), QoS 0 and 1: messages/s end
#       to end (publisher start -> receiver has all N), messages delivered, publisher CPU.
#   (c) peak RSS of each publisher (/usr/bin/time -v's "maximum resident set size").
#   (d) `-f` of a large file (1, 10, 50, 100 MB of random bytes), mqtk against mosquitto_pub,
#       into a receiver (mosquitto_sub -C 1): whole-process wall time and CPU of the
#       publisher, arrival of the message, peak RSS (issue 13 item 15: Paho's parked writes).
#
# Usage: MQTK=/path/to/mqtk benchmarks/pub.sh        (default MQTK: build/mqtk in the repo)
# Knobs: RUNS (3, streaming runs per tool and case), ONESHOT_RUNS (30), N (200000),
#        STREAM_CASES ("SIZE:QOS:LINES ...", default 16 and 1024 B at QoS 0 and 1 with N
#        lines, plus QoS 1 with 50,000 lines), QOSES ("0 1", one-shot), TRIAL_TIMEOUT (120 s),
#        MQTTJS=0 (skip MQTT.js), MQTTJS_MAX_LINES (60000: MQTT.js only in cases up to this),
#        ONLY_TOOLS ("mosquitto_pub paho_c_pub mqttjs", a subset; mqtk always runs),
#        FILE_SIZES ("1 10 50 100", MB for (d)), FILE_QOSES ("0 1"),
#        SKIP_ONESHOT=1, SKIP_STREAM=1, SKIP_FILE=1, BENCH_KEEP_RESULTS=FILE (also copy the
#        raw per-run rows there). Raw rows: benchmarks/results/pub-COMMIT.tsv (see lib.sh).
#
# Each streaming trial gets its own fresh mosquitto. Tools are interleaved run by run
# (A B C A B C ...). Each ratio is given twice: the median of the ratios taken within each
# run, and the ratio of the medians shown; a target is met only when both meet it.
set -u
# shellcheck source=benchmarks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ONESHOT_RUNS=${ONESHOT_RUNS:-30}
N=${N:-200000}
QOSES=${QOSES:-"0 1"}
TRIAL_TIMEOUT=${TRIAL_TIMEOUT:-120}
MQTTJS_MAX_LINES=${MQTTJS_MAX_LINES:-60000}
FILE_SIZES=${FILE_SIZES:-"1 10 50 100"}
FILE_QOSES=${FILE_QOSES:-"0 1"}

bench_check_mqtk
bench_need mosquitto mosquitto
bench_need mosquitto_pub mosquitto-clients
bench_need /usr/bin/time time
HAVE_PAHO=0
bench_want paho_c_pub paho.mqtt.c-examples && HAVE_PAHO=1
HAVE_JS=0
bench_mqttjs && HAVE_JS=1

TOOLS=(mqtk mosquitto_pub)
((HAVE_PAHO)) && TOOLS+=(paho_c_pub)
((HAVE_JS)) && TOOLS+=(mqttjs)
if [[ -n ${ONLY_TOOLS:-} ]]; then # e.g. ONLY_TOOLS="mqtk paho_c_pub"; mqtk is always kept
    wanted=" mqtk $ONLY_TOOLS "
    kept=()
    for t in "${TOOLS[@]}"; do [[ $wanted == *" $t "* ]] && kept+=("$t"); done
    TOOLS=("${kept[@]}")
fi

bench_machine
echo "tools: ${TOOLS[*]}${MQTTJS_VERSION:+ (MQTT.js $MQTTJS_VERSION)}"

# publisher_cmd TOOL QOS MODE [MESSAGE]: the argv of one publisher (MODE: oneshot|lines).
publisher_cmd() {
    local tool=$1 qos=$2 mode=$3 msg=${4:-}
    local h=127.0.0.1 p=$BROKER_PORT t=bench/data
    case $tool:$mode in
        mqtk:oneshot) echo "$MQTK pub -h $h -p $p -t $t -q $qos -m $msg" ;;
        mqtk:lines) echo "$MQTK pub -h $h -p $p -t $t -q $qos -l" ;;
        mosquitto_pub:oneshot) echo "mosquitto_pub -h $h -p $p -t $t -q $qos -m $msg" ;;
        mosquitto_pub:lines) echo "mosquitto_pub -h $h -p $p -t $t -q $qos -l" ;;
        # paho_c_pub reads stdin when given no -m; it keeps the delimiter in each payload
        # and does not stop at EOF (it publishes 0xff-filled messages until killed).
        paho_c_pub:oneshot) echo "paho_c_pub -h $h -p $p -t $t -q $qos -m $msg" ;;
        paho_c_pub:lines) echo "paho_c_pub -h $h -p $p -t $t -q $qos --maxdatalen $((SIZE + 2))" ;;
        mqttjs:oneshot) echo "node $MQTTJS_CLI pub -h $h -p $p -t $t -q $qos -m $msg" ;;
        mqttjs:lines) echo "node $MQTTJS_CLI pub -h $h -p $p -t $t -q $qos -s -M" ;;
    esac
}

# ---------------------------------------------------------------------------------------
# (a) one-shot publish. A small Python runner starts each command from a quiet parent,
# interleaves the tools run by run and takes wall time and the child's own rusage (CPU).
# Peak RSS comes from /usr/bin/time in separate runs (a child forked from Python would
# inherit Python's RSS high-water mark).
oneshot() {
    local qos runner=$BENCH_TMP/oneshot.py
    cat >"$runner" <<'EOF'
import os, subprocess, sys, time
runs = int(sys.argv[1]); qos = sys.argv[2]
cmds = [(a.split("=", 1)[0], a.split("=", 1)[1].split()) for a in sys.argv[3:]]
for cmd in cmds:  # one untimed warm-up each (page cache)
    subprocess.run(cmd[1], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
for r in range(1, runs + 1):
    for name, argv in cmds:
        t = time.perf_counter_ns()
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid: break
            if time.monotonic() > deadline:
                p.kill(); pid, status, ru = os.wait4(p.pid, 0); status = 9; break
            time.sleep(0.0002)
        wall = (time.perf_counter_ns() - t) / 1e6
        cpu = (ru.ru_utime + ru.ru_stime) * 1e3
        code = os.waitstatus_to_exitcode(status) if status != 9 else -9
        print(f"a\tqos{qos}\t{name}\t{r}\twall_ms\t{wall:.3f}")
        print(f"a\tqos{qos}\t{name}\t{r}\tcpu_ms\t{cpu:.3f}")
        print(f"a\tqos{qos}\t{name}\t{r}\texit\t{code}")
EOF
    echo
    echo "== (a) one-shot publish: $ONESHOT_RUNS interleaved runs per tool and QoS =="
    broker_start true
    for qos in $QOSES; do
        local args=() tool
        for tool in "${TOOLS[@]}"; do
            args+=("$tool=$(publisher_cmd "$tool" "$qos" oneshot hello)")
        done
        # Poll-based wait: 0.2 ms granularity, negligible next to a 2 ms process.
        timeout $((ONESHOT_RUNS * ${#TOOLS[@]} * 30 + 60)) "$BENCH_PY" "$runner" "$ONESHOT_RUNS" "$qos" "${args[@]}" \
            >>"$BENCH_RESULTS_FILE" || bench_log "one-shot runner failed for QoS $qos"
        for tool in "${TOOLS[@]}"; do
            local r
            for r in 1 2 3; do
                /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$BENCH_TMP/time.out" \
                    timeout 30 $(publisher_cmd "$tool" "$qos" oneshot hello) </dev/null >/dev/null 2>&1
                read -r _ rss _ < <(bench_time_fields "$BENCH_TMP/time.out")
                bench_record a "qos$qos" "$tool" "$r" rss_kb "$rss"
            done
        done
    done
    broker_stop
}

# ---------------------------------------------------------------------------------------
# (b) streaming. One trial: fresh broker; the receiver is mosquitto_sub -C COUNT printing
# each payload's length and arrival time (%U); the broker's log shows when it has
# subscribed; then the publisher starts under /usr/bin/time with the lines on stdin. The
# rate is (messages delivered) / (last data message's arrival - publisher start). A
# watchdog stops the receiver if nothing has arrived for 3 s (lost messages) or after
# TRIAL_TIMEOUT.
#
# paho_c_pub needs two accommodations, both measured: it reads stdin before its connection
# is up and silently drops every line beyond Paho's 100 buffered messages (from a file it
# delivers ~100 of 200,000), and it never stops at EOF (it then publishes 0xff-filled
# messages until killed). So its lines go through a FIFO that is filled only once the
# broker has logged its CONNECT, and it is killed once the receiver is done; the clock
# still starts when the process starts. Its payloads keep the newline (SIZE+1 bytes).
stream_trial() { # TOOL QOS SIZE COUNT RUN
    local tool=$1 qos=$2 size=$3 count=$4 run=$5
    local case="${size}B-qos${qos}-$((count / 1000))k"
    local input=$BENCH_TMP/lines.$size.$count out=$BENCH_TMP/recv.out tout=$BENCH_TMP/pubtime.out
    local expect_len=$size
    [[ $tool == paho_c_pub ]] && expect_len=$((size + 1))
    broker_start false
    : >"$out"
    rm -f "$tout"
    mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -i bench-recv -t bench/data -q "$qos" -C "$count" -F '%l %U' >"$out" 2>/dev/null &
    local recv=$!
    bench_track "$recv"
    if ! broker_wait_subscribed bench-recv 10; then
        bench_log "receiver did not subscribe ($tool $case run $run)"
        bench_kill "$recv"
        broker_stop
        return
    fi
    local t0 pub feeder="" stdin_from=$input
    if [[ $tool == paho_c_pub ]]; then
        stdin_from=$BENCH_TMP/paho.fifo
        rm -f "$stdin_from"
        mkfifo "$stdin_from"
    fi
    t0=$(bench_now_us)
    if [[ $tool == paho_c_pub ]]; then
        # <> opens the FIFO without waiting for a writer (and paho never sees EOF).
        /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$tout" $(SIZE=$size publisher_cmd "$tool" "$qos" lines) \
            <>"$stdin_from" >/dev/null 2>"$BENCH_TMP/pub.err" &
        pub=$!
        bench_track "$pub"
        broker_wait_connected paho-c-pub 10 || bench_log "paho_c_pub did not connect"
        cat "$input" >"$stdin_from" &
        feeder=$!
        bench_track "$feeder"
    else
        /usr/bin/time -f "$BENCH_TIME_FORMAT" -o "$tout" $(SIZE=$size publisher_cmd "$tool" "$qos" lines) \
            <"$stdin_from" >/dev/null 2>"$BENCH_TMP/pub.err" &
        pub=$!
        bench_track "$pub"
    fi
    (   # watchdog: no growth for 3 s, or the trial's time limit
        last=-1 idle=0 start=$SECONDS
        while kill -0 "$recv" 2>/dev/null; do
            sleep 0.25
            if ((SECONDS - start > TRIAL_TIMEOUT)); then kill -TERM "$recv" 2>/dev/null; exit 0; fi
            size_now=$(stat -c %s "$out" 2>/dev/null || echo 0)
            if [[ $size_now == "$last" ]]; then
                idle=$((idle + 1))
                ((idle >= 12)) && { kill -TERM "$recv" 2>/dev/null; exit 0; }
            else
                idle=0 last=$size_now
            fi
        done
    ) &
    local dog=$!
    wait "$recv"
    bench_kill "$dog"
    # mqtk and mosquitto_pub exit by themselves: give them 10 s to finish their
    # acknowledgements (MQTT.js too). paho_c_pub never does: stop it now.
    local pub_child
    if [[ $tool == paho_c_pub ]]; then
        # SIGKILL: its SIGTERM handler only sets a flag that its blocked getchar() never sees.
        pub_child=$(pgrep -P "$pub" | head -n 1)
        [[ -n $pub_child ]] && kill -KILL "$pub_child" 2>/dev/null
        [[ -n $feeder ]] && bench_kill "$feeder"
    fi
    if ! bench_wait_pid "$pub" 10; then
        pub_child=$(pgrep -P "$pub" | head -n 1)
        [[ -n $pub_child ]] && kill -TERM "$pub_child" 2>/dev/null
        bench_wait_pid "$pub" 3 || {
            [[ -n $pub_child ]] && kill -KILL "$pub_child" 2>/dev/null
            bench_wait_pid "$pub" 3 || bench_kill "$pub"
        }
    fi
    local delivered total last_us cpu rss status rate seconds
    read -r delivered last_us < <(awk -v l="$expect_len" '$1==l {n++; t=$2} END {
            if (n) {split(t, p, "."); printf "%d %s%s\n", n, p[1], substr(p[2] "000000", 1, 6)} else print "0 0"}' "$out")
    total=$(wc -l <"$out")
    read -r cpu rss status < <(bench_time_fields "$tout")
    if ((delivered > 0)); then
        seconds=$(awk -v a="$last_us" -v b="$t0" 'BEGIN {printf "%.3f", (a - b) / 1e6}')
        rate=$(awk -v n="$delivered" -v a="$last_us" -v b="$t0" 'BEGIN {printf "%.0f", n / ((a - b) / 1e6)}')
    else
        seconds=NA rate=NA
    fi
    # msgs_per_s only when every message arrived; goodput (delivered/s) always.
    bench_record b "$case" "$tool" "$run" msgs_per_s "$( ((delivered == count)) && echo "$rate" || echo NA)"
    bench_record b "$case" "$tool" "$run" goodput "$rate"
    bench_record b "$case" "$tool" "$run" delivered "$delivered"
    bench_record b "$case" "$tool" "$run" seconds "$seconds"
    bench_record b "$case" "$tool" "$run" cpu_s "$cpu"
    bench_record b "$case" "$tool" "$run" rss_kb "$rss"
    bench_record b "$case" "$tool" "$run" exit "$status"
    printf '  %-14s %-17s run %s: %8s msgs/s, %6s/%s delivered (%s received), %7s s, pub CPU %s s, RSS %s KiB, exit %s\n' \
        "$tool" "$case" "$run" "$rate" "$delivered" "$count" "$total" "$seconds" "$cpu" "$rss" "$status"
    broker_stop
}

# Cases: SIZE:QOS:COUNT. The QoS 1 cases at 50,000 lines exist because mosquitto_pub -l
# cannot do 200,000 at QoS 1 (it stops after a few thousand, exit 0): below its 65,535
# message-id wrap it delivers everything, so it has a real rate to compare with.
STREAM_CASES=${STREAM_CASES:-"16:0:$N 16:1:$N 16:1:50000 1024:0:$N 1024:1:$N 1024:1:50000"}

stream() {
    echo
    echo "== (b) -l streaming into mosquitto_sub -C COUNT, $RUNS interleaved runs per case =="
    local spec size qos count run tool
    for spec in $STREAM_CASES; do
        IFS=: read -r size qos count <<<"$spec"
        [[ -f $BENCH_TMP/lines.$size.$count ]] || bench_payload_file "$BENCH_TMP/lines.$size.$count" "$count" "$size"
        for ((run = 1; run <= RUNS; run++)); do
            for tool in "${TOOLS[@]}"; do
                # MQTT.js runs at a few thousand lines/s: only the shorter cases.
                [[ $tool == mqttjs ]] && ((count > MQTTJS_MAX_LINES)) && continue
                stream_trial "$tool" "$qos" "$size" "$count" "$run"
            done
        done
    done
    rm -f "$BENCH_TMP"/lines.*
}

# ---------------------------------------------------------------------------------------
# (d) -f of a large file. One trial: fresh broker, a receiver (mosquitto_sub -C 1 printing
# the payload's length and arrival time) subscribed first, then the publisher, started by a
# small Python runner that takes its wall time (process start to exit) and CPU (wait4) and
# the start time for the arrival; the publisher runs under /usr/bin/time for its peak RSS
# (a child forked from Python would inherit Python's high-water mark). /usr/bin/time's own
# fork and exec (under 1 ms) is in both tools' wall time.
file_trial() { # TOOL QOS MB RUN
    local tool=$1 qos=$2 mb=$3 run=$4
    local case="${mb}MB-qos$qos" file=$BENCH_TMP/payload.$mb out=$BENCH_TMP/recv.out
    local bytes=$((mb * 1000000)) argv
    broker_start false
    : >"$out"
    mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -i bench-recv -t bench/file -q "$qos" -C 1 -F '%l %U' >"$out" 2>/dev/null &
    local recv=$!
    bench_track "$recv"
    if ! broker_wait_subscribed bench-recv 10; then
        bench_log "receiver did not subscribe ($tool $case run $run)"
        bench_kill "$recv"
        broker_stop
        return
    fi
    case $tool in
        mqtk) argv="$MQTK pub -h 127.0.0.1 -p $BROKER_PORT -t bench/file -q $qos -f $file" ;;
        mosquitto_pub) argv="mosquitto_pub -h 127.0.0.1 -p $BROKER_PORT -t bench/file -q $qos -f $file" ;;
    esac
    local start_us="" wall="" cpu="" status=""
    # shellcheck disable=SC2086  # argv: words on purpose
    read -r start_us wall cpu status < <(timeout "$TRIAL_TIMEOUT" "$BENCH_PY" "$BENCH_TMP/filepub.py" "$BENCH_TMP/rss.out" $argv)
    bench_wait_pid "$recv" 30 || bench_kill "$recv"
    local len="" arrival="" e2e=NA delivered=0 rss
    read -r len arrival <"$out"
    if [[ $len == "$bytes" && -n $start_us ]]; then
        delivered=1
        e2e=$(awk -v a="$arrival" -v b="$start_us" 'BEGIN {split(a, p, "."); printf "%.3f", (p[1] * 1e6 + substr(p[2] "000000", 1, 6) - b) / 1e3}')
    fi
    rss=$(awk 'NF {v=$1} END {print (v=="") ? "NA" : v}' "$BENCH_TMP/rss.out" 2>/dev/null)
    bench_record d "$case" "$tool" "$run" wall_ms "${wall:-NA}"
    bench_record d "$case" "$tool" "$run" cpu_ms "${cpu:-NA}"
    bench_record d "$case" "$tool" "$run" e2e_ms "$e2e"
    bench_record d "$case" "$tool" "$run" rss_kb "$rss"
    bench_record d "$case" "$tool" "$run" delivered "$delivered"
    bench_record d "$case" "$tool" "$run" exit "${status:-NA}"
    printf '  %-14s %-12s run %s: wall %9s ms, CPU %8s ms, arrived after %9s ms, RSS %s KiB, delivered %s, exit %s\n' \
        "$tool" "$case" "$run" "${wall:-NA}" "${cpu:-NA}" "$e2e" "$rss" "$delivered" "${status:-NA}"
    broker_stop
}

file_publish() {
    cat >"$BENCH_TMP/filepub.py" <<'EOF'
import os, subprocess, sys, time
rss_file, argv = sys.argv[1], sys.argv[2:]
start_us = time.time_ns() // 1000
t = time.perf_counter_ns()
p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, ru = os.wait4(p.pid, 0)
wall = (time.perf_counter_ns() - t) / 1e6
print(f"{start_us} {wall:.3f} {(ru.ru_utime + ru.ru_stime) * 1e3:.3f} {os.waitstatus_to_exitcode(status)}")
EOF
    echo
    echo "== (d) -f of a large file into mosquitto_sub -C 1, $RUNS interleaved runs per case =="
    local mb qos run tool
    for mb in $FILE_SIZES; do
        head -c $((mb * 1000000)) /dev/urandom >"$BENCH_TMP/payload.$mb"
        for qos in $FILE_QOSES; do
            for ((run = 1; run <= RUNS; run++)); do
                for tool in mqtk mosquitto_pub; do
                    file_trial "$tool" "$qos" "$mb" "$run"
                done
            done
        done
        rm -f "$BENCH_TMP/payload.$mb"
    done
}

file_report() {
    echo
    echo "(d) -f of a large file: publisher wall time (start to exit) and CPU; arrival at the receiver"
    local mb qos case tool
    {
        printf 'case\ttool\twall ms\tCPU ms\tarrived ms\tpeak RSS MiB\tdelivered\twall ratio\tCPU ratio\n'
        for mb in $FILE_SIZES; do
            for qos in $FILE_QOSES; do
                case="${mb}MB-qos$qos"
                for tool in mqtk mosquitto_pub; do
                    local wr=- cr=- del
                    if [[ $tool == mqtk ]]; then
                        wr=$(bench_ratios d "$case" mqtk mosquitto_pub wall_ms)
                        cr=$(bench_ratios d "$case" mqtk mosquitto_pub cpu_ms)
                    fi
                    del=$(awk -F'\t' -v c="$case" -v t="$tool" '$1=="d" && $2==c && $3==t && $5=="delivered" {r++; ok+=$6} END {printf "%d/%d", ok, r}' "$BENCH_RESULTS_FILE")
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$tool" \
                        "$(bench_fmt "$(bench_median d "$case" "$tool" wall_ms)" 1)" \
                        "$(bench_fmt "$(bench_median d "$case" "$tool" cpu_ms)" 1)" \
                        "$(bench_fmt "$(bench_median d "$case" "$tool" e2e_ms)" 1)" \
                        "$(bench_fmt "$(awk -v k="$(bench_median d "$case" "$tool" rss_kb)" 'BEGIN{print (k=="NA")?"NA":k/1024}')" 1)" \
                        "$del" "$wr" "$cr"
                done
            done
        done
    } | bench_table
    echo
    for mb in $FILE_SIZES; do
        for qos in $FILE_QOSES; do
            local c="${mb}MB-qos$qos"
            printf 'target %-12s mqtk wall <= 1.5x mosquitto_pub: %s (%s)\n' "$c:" \
                "$(bench_verdict2 "$(bench_ratio_median d "$c" mqtk mosquitto_pub wall_ms)" \
                    "$(bench_ratio_of_medians d "$c" mqtk mosquitto_pub wall_ms)" le 1.5)" \
                "$(bench_ratios d "$c" mqtk mosquitto_pub wall_ms)"
        done
    done
}

# ---------------------------------------------------------------------------------------
report() {
    echo
    echo "== summary (medians; ratios: the median of mqtk/reference taken within each run / the ratio of the medians shown) =="
    local qos tool size case
    if [[ -z ${SKIP_ONESHOT:-} ]]; then
        echo
        echo "(a) one-shot -m publish, whole process"
        {
            printf 'QoS\ttool\twall ms\tCPU ms\tpeak RSS MiB\twall ratio\tCPU ratio\n'
            for qos in $QOSES; do
                for tool in "${TOOLS[@]}"; do
                    local wr=- cr=-
                    if [[ $tool == mqtk ]]; then
                        wr=$(bench_ratios a "qos$qos" mqtk mosquitto_pub wall_ms)
                        cr=$(bench_ratios a "qos$qos" mqtk mosquitto_pub cpu_ms)
                    fi
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$qos" "$tool" \
                        "$(bench_fmt "$(bench_median a "qos$qos" "$tool" wall_ms)" 2)" \
                        "$(bench_fmt "$(bench_median a "qos$qos" "$tool" cpu_ms)" 2)" \
                        "$(bench_fmt "$(awk -v k="$(bench_median a "qos$qos" "$tool" rss_kb)" 'BEGIN{print (k=="NA")?"NA":k/1024}')" 1)" \
                        "$wr" "$cr"
                done
            done
        } | bench_table
        for qos in $QOSES; do
            local wv cv
            wv=$(bench_verdict2 "$(bench_ratio_median a "qos$qos" mqtk mosquitto_pub wall_ms)" \
                "$(bench_ratio_of_medians a "qos$qos" mqtk mosquitto_pub wall_ms)" le 5)
            cv=$(bench_verdict2 "$(bench_ratio_median a "qos$qos" mqtk mosquitto_pub cpu_ms)" \
                "$(bench_ratio_of_medians a "qos$qos" mqtk mosquitto_pub cpu_ms)" le 3)
            echo "target QoS $qos: mqtk wall <= 5x mosquitto_pub: $wv ($(bench_ratios a "qos$qos" mqtk mosquitto_pub wall_ms)); CPU <= 3x: $cv ($(bench_ratios a "qos$qos" mqtk mosquitto_pub cpu_ms))"
        done
    fi
    if [[ -z ${SKIP_STREAM:-} ]]; then
        echo
        echo "(b) -l streaming, end to end into mosquitto_sub; (c) publisher peak RSS"
        echo "    msgs/s = delivered / (last arrival - publisher start); '(lossy)' = not all delivered"
        local spec size qos count
        {
            printf 'case\ttool\tmsgs/s\tdelivered\tseconds\tpub CPU s\tpeak RSS MiB\tmqtk/mosquitto_pub\tmqtk/paho_c_pub\n'
            for spec in $STREAM_CASES; do
                IFS=: read -r size qos count <<<"$spec"
                case="${size}B-qos${qos}-$((count / 1000))k"
                for tool in "${TOOLS[@]}"; do
                    local rm=- rp=- lossy="" del
                    del=$(bench_median b "$case" "$tool" delivered)
                    [[ $del == NA ]] && continue # not run in this case
                    [[ $del != NA ]] && awk -v d="$del" -v c="$count" 'BEGIN {exit !(d < c)}' && lossy=" (lossy)"
                    if [[ $tool == mqtk ]]; then
                        rm=$(bench_ratios b "$case" mqtk mosquitto_pub msgs_per_s)
                        ((HAVE_PAHO)) && rp=$(bench_ratios b "$case" mqtk paho_c_pub goodput)
                    fi
                    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$tool" \
                        "$(bench_fmt "$(bench_median b "$case" "$tool" goodput)" 0)$lossy" \
                        "$(bench_fmt "$del" 0)/$count" \
                        "$(bench_fmt "$(bench_median b "$case" "$tool" seconds)" 2)" \
                        "$(bench_fmt "$(bench_median b "$case" "$tool" cpu_s)" 2)" \
                        "$(bench_fmt "$(awk -v k="$(bench_median b "$case" "$tool" rss_kb)" 'BEGIN{print (k=="NA")?"NA":k/1024}')" 1)" \
                        "$rm" "$rp"
                done
            done
        } | bench_table
        echo
        for spec in $STREAM_CASES; do
            IFS=: read -r size qos count <<<"$spec"
            case="${size}B-qos${qos}-$((count / 1000))k"
            local mv pv need all
            need=0.8
            [[ $qos != 0 ]] && need=1.0
            mv=$(bench_verdict2 "$(bench_ratio_median b "$case" mqtk mosquitto_pub msgs_per_s)" \
                "$(bench_ratio_of_medians b "$case" mqtk mosquitto_pub msgs_per_s)" ge "$need")
            pv=$(bench_verdict2 "$(bench_ratio_median b "$case" mqtk paho_c_pub goodput)" \
                "$(bench_ratio_of_medians b "$case" mqtk paho_c_pub goodput)" ge 2.5)
            all=$(awk -F'\t' -v c="$case" -v n="$count" '$1=="b" && $2==c && $3=="mqtk" && $5=="delivered" {r++; if ($6==n) ok++} END {printf "%d/%d runs", ok, r}' "$BENCH_RESULTS_FILE")
            printf 'target %-17s mqtk >= %sx mosquitto_pub: %s (%s); >= 2.5x paho_c_pub: %s (%s); mqtk delivered all %s in %s\n' \
                "$case:" "$need" "$mv" "$(bench_ratios b "$case" mqtk mosquitto_pub msgs_per_s)" \
                "$pv" "$(bench_ratios b "$case" mqtk paho_c_pub goodput)" "$count" "$all"
        done
        echo "(n/a vs mosquitto_pub where it lost messages: its QoS 1 comparison is the 50k case.)"
    fi
    [[ -z ${SKIP_FILE:-} ]] && file_report
    echo "load at end: $(bench_load)"
}

[[ -z ${SKIP_ONESHOT:-} ]] && oneshot
[[ -z ${SKIP_STREAM:-} ]] && stream
[[ -z ${SKIP_FILE:-} ]] && file_publish
report
