# shellcheck shell=bash disable=SC2034  # variables here are used by the scripts that source it
# benchmarks/lib.sh: helpers shared by the mqtk benchmark scripts. Source it; do not run it.
#
# What it provides:
#   - MQTK (the binary under test: $MQTK, default build/mqtk under the repository root),
#     BENCH_TMP (a private temporary directory) and a trap that stops everything this
#     script started (by PID) and removes the directory on exit or on a signal.
#   - broker_start/broker_stop: a private mosquitto on a free 127.0.0.1 port, with a
#     generated configuration, one per run. broker_wait_subscribed waits for the broker to
#     log a client's SUBSCRIBE, so a receiver is known to be subscribed before a test starts.
#   - bench_need/bench_want: check for a tool and install its Debian package if missing.
#   - Timing (bench_now_us), bounded waiting (bench_wait_pid, bench_kill), results
#     (bench_record, bench_median, bench_ratio_median, bench_ratio_of_medians) and table
#     printing (bench_table).
#   - The raw rows of every run, kept: on exit they are copied to
#     benchmarks/results/SCRIPT-COMMIT.tsv (COMMIT: the newest commit of the mqtk sources,
#     "-dirty" if they have uncommitted changes; -2, -3 ... when that file exists), with
#     '#' lines for the command, machine, knobs and the load at start and end.
#     BENCH_RESULTS_DIR moves it; BENCH_KEEP_RESULTS=FILE also copies it to FILE.
#
# Every wait in here is bounded; nothing listens anywhere but 127.0.0.1.

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MQTK=${MQTK:-build/mqtk}
case $MQTK in
    /*) ;;
    *) if [[ -x $MQTK && $MQTK == */* && ! -x $BENCH_ROOT/$MQTK ]]; then MQTK=$(pwd)/$MQTK; else MQTK=$BENCH_ROOT/$MQTK; fi ;;
esac
RUNS=${RUNS:-3}
BENCH_PY=/usr/bin/python3
[[ -x $BENCH_PY ]] || BENCH_PY=python3

BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mqtk-bench.XXXXXX")
BENCH_RESULTS_FILE=$BENCH_TMP/results.tsv
: >"$BENCH_RESULTS_FILE"
BENCH_SCRIPT=$(basename "$0" .sh)
BENCH_RESULTS_DIR=${BENCH_RESULTS_DIR:-$BENCH_ROOT/benchmarks/results}
BENCH_PIDS=()
BROKER_PID=""
BROKER_PORT=""
BROKER_DIR=""

bench_log() { printf '%s\n' "$*" >&2; }
bench_die() {
    bench_log "error: $*"
    exit 1
}

# Remembers a background PID so that the exit trap can stop it.
bench_track() { BENCH_PIDS+=("$1"); }

# bench_kill PID: SIGTERM, up to 1 s for it to go, then SIGKILL; reaps it.
bench_kill() {
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || {
        wait "$pid" 2>/dev/null
        return 0
    }
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || {
            wait "$pid" 2>/dev/null
            return 0
        }
        sleep 0.02
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# bench_wait_pid PID SECONDS: waits for a child to exit; returns 0 if it did in time.
bench_wait_pid() {
    local pid=$1 limit=$2 i
    for ((i = 0; i < limit * 50; i++)); do
        kill -0 "$pid" 2>/dev/null || {
            wait "$pid" 2>/dev/null
            return 0
        }
        sleep 0.02
    done
    return 1
}

bench_cleanup() {
    local status=$? pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null
    done
    broker_stop
    bench_save_results "$status"
    if [[ -n ${BENCH_KEEP_RESULTS:-} && -s $BENCH_RESULTS_FILE ]]; then
        cp "$BENCH_RESULTS_FILE" "$BENCH_KEEP_RESULTS" 2>/dev/null &&
            bench_log "raw results: $BENCH_KEEP_RESULTS"
    fi
    rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM HUP
trap 'exit 141' PIPE # e.g. | head: still clean up

# The commit the mqtk sources are at: the newest commit touching anything but benchmarks/
# and docs/ (so a results file keeps its name when only scripts or records change), with
# "-dirty" when those sources have uncommitted changes. "unknown" outside a git checkout.
bench_commit() {
    local c
    c=$(git -C "$BENCH_ROOT" log -1 --format=%h --abbrev=7 -- . ':!benchmarks' ':!docs' 2>/dev/null) || c=""
    [[ -n $c ]] || {
        echo unknown
        return
    }
    [[ -n $(git -C "$BENCH_ROOT" status --porcelain --untracked-files=no -- . ':!benchmarks' ':!docs' 2>/dev/null) ]] && c+=-dirty
    echo "$c"
}

# bench_results_header MACHINE_LINES: the '#' header of the results file: what ran, where,
# and the load when it started.
bench_results_header() {
    {
        printf '# %s\n' "benchmarks/$BENCH_SCRIPT.sh, mqtk sources at $(bench_commit) (scripts at $(git -C "$BENCH_ROOT" rev-parse --short=7 HEAD 2>/dev/null || echo unknown))"
        printf '# %s\n' "started $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf '# knobs: %s\n' "$(env | grep -E '^(RUNS|N|ROUNDS|WARMUP|SIZES|QOSES|STORM|RATES|SKIP[A-Z_]*|ONESHOT_RUNS|STREAM_CASES|FILE_SIZES|FILE_QOSES|ONLY_TOOLS|MQTTJS|TRIAL_TIMEOUT)=' | sort | tr '\n' ' ')(defaults otherwise)"
        printf '%s\n' "$1" | sed 's/^/# /'
        printf '# columns: section\tcase\ttool\trun\tmetric\tvalue\n'
    } >"$BENCH_TMP/header"
}

# Writes the rows with their header and the load at the end to benchmarks/results/.
bench_save_results() {
    local status=$1 base file i=2
    [[ -s $BENCH_RESULTS_FILE && -n ${BENCH_RESULTS_DIR:-} ]] || return 0
    mkdir -p "$BENCH_RESULTS_DIR" 2>/dev/null || return 0
    base=$BENCH_RESULTS_DIR/$BENCH_SCRIPT-$(bench_commit)
    file=$base.tsv
    while [[ -e $file ]]; do file=$base-$((i++)).tsv; done
    {
        cat "$BENCH_TMP/header" 2>/dev/null
        cat "$BENCH_RESULTS_FILE"
        printf '# load at end: %s\n' "$(bench_load)"
        printf '# ended %s, exit status %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$status"
    } >"$file" && bench_log "raw rows: ${file#"$BENCH_ROOT"/}"
}

# bench_need COMMAND DEBIAN_PACKAGE: the tool must be there; installs it as root if not.
bench_need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    bench_install "$2"
    command -v "$1" >/dev/null 2>&1 || bench_die "$1 is needed (Debian package $2)"
}

# bench_want COMMAND DEBIAN_PACKAGE: optional tool; returns 1 (quietly) if unavailable.
bench_want() {
    command -v "$1" >/dev/null 2>&1 && return 0
    bench_install "$2"
    command -v "$1" >/dev/null 2>&1
}

bench_install() {
    [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1 || return 1
    bench_log "installing Debian package $1 ..."
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q "$1" >/dev/null 2>&1 && return 0
    timeout 300 apt-get update -q >/dev/null 2>&1
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q "$1" >/dev/null 2>&1
}

# bench_mqttjs: sets MQTTJS_CLI to MQTT.js's CLI (npm package "mqtt"), installing it into a
# cache directory if npm is there and it installs within two minutes. MQTTJS=0 skips it.
MQTTJS_CLI=""
bench_mqttjs() {
    [[ ${MQTTJS:-1} == 0 ]] && return 1
    command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
    local dir=${MQTTJS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mqtk-bench/mqttjs}
    if [[ ! -f $dir/node_modules/mqtt/package.json ]]; then
        bench_log "installing MQTT.js (npm install mqtt) into $dir ..."
        mkdir -p "$dir" &&
            (cd "$dir" && timeout 120 npm install --no-audit --no-fund --silent mqtt >/dev/null 2>&1) ||
            {
                bench_log "MQTT.js did not install; skipping it"
                return 1
            }
    fi
    local bin
    bin=$(cd "$dir" && node -e 'const p=require("mqtt/package.json");const b=typeof p.bin==="string"?p.bin:(p.bin.mqtt||Object.values(p.bin)[0]);console.log(require("path").join(require("path").dirname(require.resolve("mqtt/package.json")),b))' 2>/dev/null) || return 1
    [[ -f $bin ]] || return 1
    MQTTJS_CLI=$bin
    MQTTJS_VERSION=$(cd "$dir" && node -p 'require("mqtt/package.json").version' 2>/dev/null)
    return 0
}

bench_check_mqtk() {
    [[ -x $MQTK ]] || bench_die "no mqtk binary at $MQTK (build it, or set MQTK=/path/to/mqtk)"
}

# A free TCP port on 127.0.0.1 (the kernel picks it; the broker start retries on a race).
bench_free_port() {
    "$BENCH_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# broker_start [NODELAY]: a fresh private mosquitto; sets BROKER_PORT, BROKER_PID, BROKER_DIR.
# NODELAY is "true" for latency runs. The broker logs subscriptions (for
# broker_wait_subscribed) and nothing per connection.
broker_start() {
    local nodelay=${1:-false} i
    broker_stop
    for _ in 1 2 3 4 5; do
        BROKER_PORT=$(bench_free_port)
        BROKER_DIR=$BENCH_TMP/broker.$BROKER_PORT
        mkdir -p "$BROKER_DIR"
        cat >"$BROKER_DIR/mosquitto.conf" <<EOF
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
user root
persistence false
max_queued_messages 0
max_queued_bytes 0
queue_qos0_messages true
max_inflight_messages 20
set_tcp_nodelay $nodelay
connection_messages true
log_dest file $BROKER_DIR/mosquitto.log
log_type error
log_type warning
log_type notice
log_type subscribe
EOF
        # Extra configuration lines for this broker (e.g. "sys_interval 1").
        [[ -n ${BROKER_EXTRA:-} ]] && printf '%s\n' "$BROKER_EXTRA" >>"$BROKER_DIR/mosquitto.conf"
        mosquitto -c "$BROKER_DIR/mosquitto.conf" >"$BROKER_DIR/stderr" 2>&1 &
        BROKER_PID=$!
        for ((i = 0; i < 250; i++)); do
            kill -0 "$BROKER_PID" 2>/dev/null || break
            if (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null; then
                return 0
            fi
            sleep 0.02
        done
        broker_stop
    done
    bench_die "cannot start mosquitto: $(tail -n 3 "$BROKER_DIR/stderr" "$BROKER_DIR/mosquitto.log" 2>/dev/null)"
}

broker_stop() {
    if [[ -n $BROKER_PID ]]; then
        bench_kill "$BROKER_PID"
        BROKER_PID=""
    fi
    [[ -n $BROKER_DIR ]] && rm -rf "$BROKER_DIR"
    BROKER_DIR=""
}

# broker_wait_subscribed CLIENT_ID [SECONDS]: waits until the broker has logged a
# SUBSCRIBE from CLIENT_ID (mosquitto logs "<id> <qos> <filter>" before its SUBACK).
broker_wait_subscribed() {
    broker_wait_log " $1 [0-2] " "${2:-10}"
}

# broker_wait_connected CLIENT_ID [SECONDS]: waits until the broker has logged CLIENT_ID's
# CONNECT ("New client connected from ... as <id> (...)").
broker_wait_connected() {
    broker_wait_log " as $1 [(]" "${2:-10}"
}

broker_wait_log() {
    local pattern=$1 limit=$2 i
    for ((i = 0; i < limit * 100; i++)); do
        grep -q -- "$pattern" "$BROKER_DIR/mosquitto.log" 2>/dev/null && return 0
        sleep 0.01
    done
    return 1
}

# Microseconds since the epoch, without a fork.
bench_now_us() {
    local t=$EPOCHREALTIME
    printf '%s\n' "${t/./}"
}

# /usr/bin/time -o FILE output (format "%e %U %S %M %x", last line) -> "cpu_s rss_kb status"
BENCH_TIME_FORMAT='%e %U %S %M %x'
bench_time_fields() {
    awk 'NF>=5 && $1 ~ /^[0-9.]+$/ {cpu=$2+$3; rss=$4; st=$5} END {if (cpu=="") print "NA NA NA"; else printf "%.3f %d %s\n", cpu, rss, st}' "$1" 2>/dev/null
}

# Results are rows of: section, case, tool, run, metric, value (tab separated).
bench_record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_RESULTS_FILE"
}

# bench_median SECTION CASE TOOL METRIC: the median over runs ("NA" if no numeric value).
bench_median() {
    awk -F'\t' -v s="$1" -v c="$2" -v t="$3" -v m="$4" '
        $1==s && $2==c && $3==t && $5==m && $6 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ {v[n++]=$6+0}
        END {
            if (n==0) {print "NA"; exit}
            for (i=0;i<n;i++) for (j=i+1;j<n;j++) if (v[j]<v[i]) {x=v[i]; v[i]=v[j]; v[j]=x}
            med = (n%2) ? v[(n-1)/2] : (v[n/2-1]+v[n/2])/2
            print med
        }' "$BENCH_RESULTS_FILE"
}

# bench_ratio_median SECTION CASE TOOL_A TOOL_B METRIC: median over runs of A/B, each
# ratio taken within one run (same broker, same minute).
bench_ratio_median() {
    awk -F'\t' -v s="$1" -v c="$2" -v a="$3" -v b="$4" -v m="$5" '
        $1==s && $2==c && $5==m && $6 ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ {
            if ($3==a) A[$4]=$6+0; else if ($3==b) B[$4]=$6+0
        }
        END {
            n=0
            for (r in A) if ((r in B) && B[r] != 0) v[n++]=A[r]/B[r]
            if (n==0) {print "NA"; exit}
            for (i=0;i<n;i++) for (j=i+1;j<n;j++) if (v[j]<v[i]) {x=v[i]; v[i]=v[j]; v[j]=x}
            print (n%2) ? v[(n-1)/2] : (v[n/2-1]+v[n/2])/2
        }' "$BENCH_RESULTS_FILE"
}

# bench_ratio_of_medians SECTION CASE TOOL_A TOOL_B METRIC: median(A) / median(B), the
# ratio of the two medians a table shows (next to the median of per-run ratios).
bench_ratio_of_medians() {
    local a b
    a=$(bench_median "$1" "$2" "$3" "$5")
    b=$(bench_median "$1" "$2" "$4" "$5")
    awk -v a="$a" -v b="$b" 'BEGIN { if (a == "NA" || b == "NA" || b + 0 == 0) print "NA"; else print a / b }'
}

# bench_ratios SECTION CASE TOOL_A TOOL_B METRIC: "R1x / R2x", the median of per-run ratios
# and the ratio of medians, two decimals.
bench_ratios() {
    printf '%s / %s' "$(bench_fmt "$(bench_ratio_median "$@")" 2 x)" "$(bench_fmt "$(bench_ratio_of_medians "$@")" 2 x)"
}

# bench_verdict2 R1 R2 OP LIMIT: the verdict of the two ratio figures. "met" or "MISSED"
# when they agree; "split" (named in full) when one meets the target and the other not:
# then the runs do not decide it.
bench_verdict2() {
    local a b
    a=$(bench_verdict "$1" "$3" "$4")
    b=$(bench_verdict "$2" "$3" "$4")
    if [[ $a == "$b" ]]; then printf '%s' "$a"; else printf 'split (median of ratios %s, ratio of medians %s)' "$a" "$b"; fi
}

# bench_fmt VALUE [DECIMALS] [SUFFIX]: rounds a number and appends SUFFIX; "NA" stays "NA".
bench_fmt() {
    local v=$1 d=${2:-1} suffix=${3:-}
    [[ $v =~ ^-?[0-9.]+(e[-+]?[0-9]+)?$ ]] || {
        printf '%s' "${v:-NA}"
        return
    }
    LC_ALL=C printf "%.${d}f%s" "$v" "$suffix"
}

# bench_verdict VALUE OP LIMIT: "met" or "MISSED" (or "n/a"); OP is le or ge.
bench_verdict() {
    local v=$1 op=$2 limit=$3
    [[ $v =~ ^-?[0-9.]+(e[-+]?[0-9]+)?$ ]] || {
        printf 'n/a'
        return
    }
    awk -v v="$v" -v op="$op" -v l="$limit" 'BEGIN { ok = (op=="le") ? (v<=l) : (v>=l); printf "%s", ok ? "met" : "MISSED" }'
}

# bench_table: prints tab-separated rows from stdin as aligned columns (first row = header).
bench_table() {
    awk -F'\t' '
        {for (i=1;i<=NF;i++) {cell[NR,i]=$i; if (length($i)>w[i]) w[i]=length($i)}; if (NF>nf) nf=NF}
        END {
            for (r=1;r<=NR;r++) {
                line=""
                for (i=1;i<=nf;i++) line = line sprintf("%-" w[i] "s", cell[r,i]) (i<nf ? "  " : "")
                sub(/ +$/, "", line); print line
                if (r==1) {line=""; for (i=1;i<=nf;i++) {s=""; for (k=0;k<w[i];k++) s=s "-"; line=line s (i<nf?"  ":"")}; print line}
            }
        }'
}

# Lines describing the machine, the versions and the load, for the top of every report;
# the same lines head the results file.
bench_machine() {
    local lines
    lines=$(bench_machine_lines)
    printf '%s\n' "$lines"
    bench_results_header "$lines"
}
bench_machine_lines() {
    local cpu mosq paho_c paho_cpp
    cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
    mosq=$(mosquitto -h 2>/dev/null | awk 'NR==1 {print $3}')
    paho_c=$(dpkg-query -W -f='${Version}' libpaho-mqtt1.3 2>/dev/null)
    paho_cpp=$(dpkg-query -W -f='${Version}' libpaho-mqttpp3-1 2>/dev/null)
    printf 'machine: %s cores, %s, Linux %s; mosquitto %s; Paho C %s, Paho C++ %s (Debian)\n' \
        "$(nproc)" "${cpu:-unknown CPU}" "$(uname -r)" "${mosq:-?}" "${paho_c:-?}" "${paho_cpp:-?}"
    printf 'mqtk: %s (%s)\n' "$MQTK" "$("$MQTK" --version 2>/dev/null | head -n 1)"
    printf 'mqtk sources: %s\n' "$(bench_commit)"
    printf 'load at start: %s\n' "$(bench_load)"
}

# Load average and CPU pressure (the share of time something runnable waited for a CPU):
# wall-clock figures from a machine under pressure are not comparable with quiet ones.
bench_load() {
    local psi=""
    [[ -r /proc/pressure/cpu ]] && psi=$(awk '/^some/ {gsub(/avg[0-9]+=/, ""); print $2 "% / " $3 "% / " $4 "%"}' /proc/pressure/cpu)
    printf 'load average %s; CPU pressure (some, avg10/avg60/avg300) %s' "$(cut -d' ' -f1-3 /proc/loadavg)" "${psi:-n/a}"
}

# bench_payload_file FILE COUNT SIZE: COUNT lines, each SIZE bytes before the newline, every
# line distinct (a zero-padded sequence number, padded with 'x').
bench_payload_file() {
    "$BENCH_PY" - "$1" "$2" "$3" <<'EOF'
import sys
path, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    for i in range(count):
        head = "%010d" % i
        f.write((head + "x" * size)[:size] + "\n")
EOF
}
