#!/usr/bin/env bash
# benchmarks/soak.sh: the board's loop through broker restarts, for a long time (not a CI
# test). `mqtk echo --delay 0` and `mqtk sub` run against a private mosquitto that is
# restarted every RESTART_EVERY seconds (alternately with and without a pause of 2 s),
# for SOAK_MINUTES. Reported: echo's round trips and re-seeds, sub's lines, reconnects,
# and each process's resident memory once a minute (flat is the target) and at its peak.
#
#   SOAK_MINUTES=10 RESTART_EVERY=60 benchmarks/soak.sh
set -euo pipefail
# shellcheck source=benchmarks/lib.sh
source "$(dirname "$0")/lib.sh"

minutes=${SOAK_MINUTES:-10}
every=${RESTART_EVERY:-60}
bench_need mosquitto mosquitto
[[ -x $MQTK ]] || bench_die "no $MQTK: build first (scripts/setup.sh)"

port=$(bench_free_port)
dir=$BENCH_TMP/soak
mkdir -p "$dir"
cat >"$dir/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
user root
persistence false
set_tcp_nodelay true
EOF
broker=""
start_broker() {
    mosquitto -c "$dir/mosquitto.conf" >>"$dir/broker.log" 2>&1 &
    broker=$!
    BENCH_PIDS+=("$broker")
    for _ in $(seq 250); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.02
    done
    bench_die "mosquitto did not start"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -; }

start_broker
/usr/bin/time -f "%M" -o "$dir/echo.peak" "$MQTK" echo -p "$port" -h 127.0.0.1 --delay 0 \
    -i soak-echo -t soak/loop >/dev/null 2>"$dir/echo.err" &
echo_pid=$!
/usr/bin/time -f "%M" -o "$dir/sub.peak" "$MQTK" sub -p "$port" -h 127.0.0.1 -t soak/loop \
    -i soak-sub >"$dir/sub.out" 2>"$dir/sub.err" &
sub_pid=$!
BENCH_PIDS+=("$echo_pid" "$sub_pid")

printf 'seconds\techo_rss_kb\tsub_rss_kb\tsub_lines\n'
start=$(date +%s)
restarts=0
while (($(date +%s) - start < minutes * 60)); do
    sleep "$every"
    # /usr/bin/time's child is mqtk: its RSS is what is sampled.
    echo_mqtk=$(pgrep -P "$echo_pid" || echo "$echo_pid")
    sub_mqtk=$(pgrep -P "$sub_pid" || echo "$sub_pid")
    printf '%d\t%s\t%s\t%d\n' $(($(date +%s) - start)) "$(rss_kb "$echo_mqtk")" \
        "$(rss_kb "$sub_mqtk")" "$(wc -l <"$dir/sub.out")"
    kill "$broker"
    wait "$broker" 2>/dev/null || true
    ((restarts % 2)) && sleep 2
    start_broker
    restarts=$((restarts + 1))
done
sleep 2  # the loop resumes after the last restart
kill -INT "$(pgrep -P "$echo_pid" || echo "$echo_pid")" "$(pgrep -P "$sub_pid" || echo "$sub_pid")"
wait "$echo_pid" "$sub_pid" 2>/dev/null || true

printf '\nrestarts: %d in %d min\n' "$restarts" "$minutes"
printf 'echo: %s\n' "$(grep -m1 'own messages' "$dir/echo.err" || echo 'no summary')"
printf 'echo: re-seeds %d, reconnects %d\n' "$(grep -c 'again' "$dir/echo.err" || true)" \
    "$(grep -c '^mqtk: reconnected' "$dir/echo.err" || true)"
printf 'sub: %d lines, reconnects %d\n' "$(wc -l <"$dir/sub.out")" \
    "$(grep -c '^mqtk: reconnected' "$dir/sub.err" || true)"
printf 'peak RSS: echo %s kB, sub %s kB\n' "$(tail -n 1 "$dir/echo.peak")" "$(tail -n 1 "$dir/sub.peak")"
