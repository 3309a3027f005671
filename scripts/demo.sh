#!/usr/bin/env bash
# The README's first command: set up (packages, build), start a private mosquitto on a
# free loopback port, and run the board's loopback live: `mqtk echo` publishes `hello`
# on foo_topic and republishes whatever arrives there once a second. After 3 seconds a
# message is injected from outside, as a person would with `mqtk pub`, and joins the loop.
# Runs until Ctrl-C (or for DEMO_SECONDS seconds when set); the broker is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mqtk=build/mqtk

workdir=$(mktemp -d /tmp/mqtk-demo.XXXXXX)
broker_pid=""
cleanup() {
  [[ -n "$broker_pid" ]] && kill "$broker_pid" 2>/dev/null && wait "$broker_pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap cleanup EXIT

# A free port: nothing answers there (bash's /dev/tcp probes it).
port=""
for _ in $(seq 50); do
  candidate=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
done
[[ -n "$port" ]] || { echo "demo: no free port found" >&2; exit 1; }

cat >"$workdir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
user root
CONF
mosquitto -c "$workdir/mosquitto.conf" >"$workdir/mosquitto.log" 2>&1 &
broker_pid=$!
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

echo "demo: private mosquitto on 127.0.0.1:$port (pid $broker_pid)" >&2
echo "demo: the board's loopback: mqtk echo -p $port -v   (Ctrl-C to stop)" >&2
echo "demo: in another terminal:  $mqtk pub -p $port -t foo_topic -m '11 22 3311'" >&2
(
  sleep 3
  "$mqtk" pub -p "$port" -t foo_topic -m "11 22 3311"
  echo "demo: injected '11 22 3311' from outside; it joins the loop" >&2
) &
limit=()
[[ -n "${DEMO_SECONDS:-}" ]] && limit=(-W "$DEMO_SECONDS")
status=0
"$mqtk" echo -p "$port" --clean -v "${limit[@]}" || status=$?
[[ $status -eq 130 ]] && status=0  # Ctrl-C is how the demo ends
exit "$status"
