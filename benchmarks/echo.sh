#!/usr/bin/env bash
# shellcheck disable=SC2046  # commands are built as words on purpose (publisher_cmd, subscriber_cmd)
# benchmarks/echo.sh: `mqtk echo --delay 0` round trips against the shell's way of echoing
# (`mosquitto_sub -t A | mosquitto_pub -l -t B`) (issue 4, "Speed").
#
# A private mosquitto with set_tcp_nodelay true (otherwise every client, mosquitto's own
# included, shows ~40 ms at QoS 1: Nagle against delayed ACKs). QoS 0 and 1, 16 B and
# 1 KiB payloads, RUNS interleaved runs, ROUNDS round trips each (one message in flight):
#
#   mqtk-reply  `mqtk echo --clean --delay 0 -n -t A --reply-topic B`, driven by a pinger:
#               pinger -> broker -> mqtk -> broker -> pinger, two broker hops.
#   pipeline    `mosquitto_sub -t A | mosquitto_pub -l -t B`, driven by the same pinger over
#               the same two hops. mqtk-reply against pipeline is the headline (like for
#               like) and the one the targets are checked on.
#   mqtk-self   `mqtk echo --clean --delay 0 -C ROUNDS -m PAYLOAD`: the board's loop, one
#               process publishing and receiving its own message, ONE broker hop; the
#               percentiles are the ones mqtk prints on stderr. Shown for reference only:
#               against the pipeline's two hops it is not like for like.
#
# The pinger is a small C program compiled here: raw MQTT 3.1.1 over one TCP socket with
# TCP_NODELAY, one message at a time: publish on A, wait for the same payload on B, time it
# with CLOCK_MONOTONIC; WARMUP round trips are dropped first.
#
# Usage: MQTK=/path/to/mqtk benchmarks/echo.sh       (default MQTK: build/mqtk in the repo)
# Knobs: RUNS (3), ROUNDS (10000), WARMUP (200), SIZES ("16 1024"), QOSES ("0 1"),
#        BENCH_KEEP_RESULTS=FILE. Raw rows: benchmarks/results/echo-COMMIT.tsv (see lib.sh).
set -u
# shellcheck source=benchmarks/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${ROUNDS:-10000}
WARMUP=${WARMUP:-200}
SIZES=${SIZES:-"16 1024"}
QOSES=${QOSES:-"0 1"}
TOOLS=(mqtk-reply pipeline mqtk-self)

bench_check_mqtk
bench_need mosquitto mosquitto
bench_need mosquitto_pub mosquitto-clients
bench_need gcc gcc
bench_machine

PINGER=$BENCH_TMP/pinger
cat >"$PINGER.c" <<'CEOF'
/* pinger HOST PORT QOS SIZE COUNT WARMUP TOPIC_A TOPIC_B
 * MQTT 3.1.1 round-trip timer over a raw TCP socket with TCP_NODELAY. Publishes SIZE bytes
 * (a sequence number padded with 'x', no newline) on A at QOS, waits for the same payload
 * on B, one at a time. Prints: n= lost= min= p50= p90= p99= max= (microseconds). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd;
static unsigned char rbuf[1 << 16];
static size_t rlen, rpos;

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}
static void die(const char *what) {
    fprintf(stderr, "pinger: %s: %s\n", what, strerror(errno));
    exit(2);
}
static void send_all(const unsigned char *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("send");
        }
        p += w;
        n -= (size_t)w;
    }
}
/* Reads more into the buffer; 0 on timeout. */
static int fill(int timeout_ms) {
    if (rpos > 0) {
        memmove(rbuf, rbuf + rpos, rlen - rpos);
        rlen -= rpos;
        rpos = 0;
    }
    struct pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) return 1;
    if (r < 0) die("poll");
    if (r == 0) return 0;
    ssize_t got = recv(fd, rbuf + rlen, sizeof rbuf - rlen, 0);
    if (got == 0) {
        fprintf(stderr, "pinger: the broker closed the connection\n");
        exit(2);
    }
    if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) return 1;
        die("recv");
    }
    rlen += (size_t)got;
    return 1;
}
/* The next whole packet; 0 on timeout. */
static int next_packet(int timeout_ms, unsigned char *type, unsigned char **body, size_t *blen) {
    double deadline = now_us() + timeout_ms * 1e3;
    for (;;) {
        size_t avail = rlen - rpos;
        if (avail >= 2) {
            size_t len = 0, mult = 1, i = 1;
            int complete = 0;
            while (i < avail && i <= 4) {
                unsigned char b = rbuf[rpos + i];
                len += (b & 127) * mult;
                mult *= 128;
                ++i;
                if (!(b & 128)) {
                    complete = 1;
                    break;
                }
            }
            if (complete && avail >= i + len) {
                *type = rbuf[rpos];
                *body = rbuf + rpos + i;
                *blen = len;
                rpos += i + len;
                return 1;
            }
        }
        int left = (int)((deadline - now_us()) / 1e3);
        if (left <= 0) return 0;
        if (!fill(left)) return 0;
    }
}
static size_t put_len(unsigned char *p, size_t len) {
    size_t n = 0;
    do {
        unsigned char b = len % 128;
        len /= 128;
        if (len) b |= 128;
        p[n++] = b;
    } while (len);
    return n;
}
static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
int main(int argc, char **argv) {
    if (argc != 9) {
        fprintf(stderr, "usage: pinger HOST PORT QOS SIZE COUNT WARMUP TOPIC_A TOPIC_B\n");
        return 2;
    }
    int port = atoi(argv[2]), qos = atoi(argv[3]);
    size_t size = (size_t)atol(argv[4]);
    long count = atol(argv[5]), warmup = atol(argv[6]);
    const char *ta = argv[7], *tb = argv[8];
    if (size < 16) size = 16;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, argv[1], &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    unsigned char pkt[512], *body, type;
    size_t blen, n = 0;
    char cid[32];
    snprintf(cid, sizeof cid, "pinger-%d", (int)getpid());
    const unsigned char vh[] = {0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60}; /* clean, keep-alive 60 */
    size_t cl = strlen(cid);
    pkt[n++] = 0x10;
    n += put_len(pkt + n, sizeof vh + 2 + cl);
    memcpy(pkt + n, vh, sizeof vh), n += sizeof vh;
    pkt[n++] = (unsigned char)(cl >> 8), pkt[n++] = (unsigned char)cl;
    memcpy(pkt + n, cid, cl), n += cl;
    send_all(pkt, n);
    if (!next_packet(5000, &type, &body, &blen) || (type >> 4) != 2 || blen < 2 || body[1] != 0) {
        fprintf(stderr, "pinger: no CONNACK\n");
        return 2;
    }
    size_t tbl = strlen(tb);
    n = 0;
    pkt[n++] = 0x82;
    n += put_len(pkt + n, 2 + 2 + tbl + 1);
    pkt[n++] = 0, pkt[n++] = 1;
    pkt[n++] = (unsigned char)(tbl >> 8), pkt[n++] = (unsigned char)tbl;
    memcpy(pkt + n, tb, tbl), n += tbl;
    pkt[n++] = (unsigned char)qos;
    send_all(pkt, n);
    if (!next_packet(5000, &type, &body, &blen) || (type >> 4) != 9) {
        fprintf(stderr, "pinger: no SUBACK\n");
        return 2;
    }

    size_t tal = strlen(ta), rem = 2 + tal + (qos ? 2 : 0) + size, hdr = 0;
    unsigned char *pub = malloc(rem + 8);
    char *payload = malloc(size + 1);
    double *rtt = malloc(sizeof(double) * (size_t)(count > 0 ? count : 1));
    pub[hdr++] = (unsigned char)(0x30 | (qos << 1));
    hdr += put_len(pub + hdr, rem);
    pub[hdr++] = (unsigned char)(tal >> 8), pub[hdr++] = (unsigned char)tal;
    memcpy(pub + hdr, ta, tal), hdr += tal;
    size_t id_at = hdr;
    if (qos) hdr += 2;
    size_t payload_at = hdr;

    long ok = 0, lost = 0, seq = 0;
    unsigned short pid = 0;
    for (long i = -1; i < warmup + count; ++i) {
        int probing = (i == -1); /* first: probe until the echo path answers (<= 10 s) */
        int attempts = probing ? 200 : 1, got = 0;
        for (int a = 0; a < attempts && !got; ++a) {
            ++seq;
            memset(payload, 'x', size);
            int w = snprintf(payload, size + 1, "%ld:", seq);
            payload[w] = 'x';
            memcpy(pub + payload_at, payload, size);
            if (qos) {
                if (++pid == 0) pid = 1;
                pub[id_at] = (unsigned char)(pid >> 8), pub[id_at + 1] = (unsigned char)pid;
            }
            double t0 = now_us(), limit = probing ? 50e3 : 2e6;
            send_all(pub, payload_at + size);
            for (;;) {
                int left = (int)((t0 + limit - now_us()) / 1e3);
                if (left < 0) left = 0;
                if (!next_packet(left, &type, &body, &blen)) break;
                if ((type >> 4) != 3) continue; /* PUBACK etc. */
                size_t off = 2 + (((size_t)body[0] << 8) | body[1]);
                if ((type >> 1) & 3) {
                    unsigned char ack[4] = {0x40, 2, body[off], body[off + 1]};
                    send_all(ack, 4);
                    off += 2;
                }
                if (blen - off == size && memcmp(body + off, payload, size) == 0) {
                    double t1 = now_us();
                    got = 1;
                    if (!probing && i >= warmup) rtt[ok++] = t1 - t0;
                    break;
                }
            }
        }
        if (probing && !got) {
            fprintf(stderr, "pinger: the echo path never answered\n");
            return 3;
        }
        if (!probing && !got && i >= warmup) ++lost;
    }
    qsort(rtt, (size_t)ok, sizeof(double), cmp);
#define PCT(p) (ok ? rtt[(size_t)((p) / 100.0 * (ok - 1) + 0.5)] : 0)
    printf("n=%ld lost=%ld min=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", ok, lost,
           ok ? rtt[0] : 0, PCT(50), PCT(90), PCT(99), ok ? rtt[ok - 1] : 0);
    return 0;
}
CEOF
gcc -O2 -o "$PINGER" "$PINGER.c" || bench_die "cannot compile the pinger"

# record_stats CASE TOOL RUN "n=.. lost=.. min=.. p50=.. ..." (microseconds)
record_stats() {
    local case=$1 tool=$2 run=$3 line=$4 kv
    for kv in $line; do
        bench_record echo "$case" "$tool" "$run" "${kv%%=*}" "${kv#*=}"
    done
    printf '  %-10s %-10s run %s: %s\n' "$tool" "$case" "$run" "$line"
}

# mqtk echo's own report -> the pinger's format (its figures are in ms).
parse_mqtk_report() {
    awk '
        /own messages:/ {for (i=1;i<=NF;i++) {if ($i ~ /^sent,?$/) sent=$(i-1); if ($i ~ /^lost,?$/) lost=$(i-1); if ($i ~ /^returned,?$/) ret=$(i-1)}}
        /round trip/ {
            for (i=1;i<=NF;i++) {
                k=$i; sub(/,$/, "", k)
                if (k=="min"||k=="p50"||k=="p90"||k=="p99"||k=="max") v[k]=$(i+1)*1000
            }
        }
        END {
            if (!("p50" in v)) {print "n=0 lost=NA"; exit}
            printf "n=%s lost=%s min=%.1f p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", ret, lost, v["min"], v["p50"], v["p90"], v["p99"], v["max"]
        }' "$1"
}

trial() { # TOOL QOS SIZE RUN
    local tool=$1 qos=$2 size=$3 run=$4 case="${3}B-qos$2" line pids=() p
    broker_start true
    local payload
    payload=$(printf '%*s' "$size" '' | tr ' ' x)
    case $tool in
        mqtk-self)
            timeout 120 "$MQTK" echo -h 127.0.0.1 -p "$BROKER_PORT" --clean --delay 0 -C "$ROUNDS" \
                -t bench/loop -q "$qos" -m "$payload" >/dev/null 2>"$BENCH_TMP/echo.err"
            line=$(parse_mqtk_report "$BENCH_TMP/echo.err")
            ;;
        pipeline)
            rm -f "$BENCH_TMP/pipe"
            mkfifo "$BENCH_TMP/pipe"
            mosquitto_sub -h 127.0.0.1 -p "$BROKER_PORT" -i bench-pipe-sub -t bench/a -q "$qos" >"$BENCH_TMP/pipe" 2>/dev/null &
            pids+=($!)
            mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -i bench-pipe-pub -t bench/b -q "$qos" -l <"$BENCH_TMP/pipe" 2>/dev/null &
            pids+=($!)
            ;;
        mqtk-reply)
            "$MQTK" echo -h 127.0.0.1 -p "$BROKER_PORT" -i bench-echo --clean --delay 0 -n \
                -t bench/a --reply-topic bench/b -q "$qos" >/dev/null 2>&1 &
            pids+=($!)
            ;;
    esac
    for p in "${pids[@]}"; do bench_track "$p"; done
    if [[ $tool != mqtk-self ]]; then
        local id=bench-echo
        [[ $tool == pipeline ]] && id=bench-pipe-sub
        broker_wait_subscribed "$id" 10 || bench_log "$tool did not subscribe"
        line=$(timeout 300 "$PINGER" 127.0.0.1 "$BROKER_PORT" "$qos" "$size" "$ROUNDS" "$WARMUP" bench/a bench/b) ||
            line="n=0 lost=NA"
        for p in "${pids[@]}"; do bench_kill "$p"; done
    fi
    record_stats "$case" "$tool" "$run" "$line"
    broker_stop
}

echo
echo "== round trips: $ROUNDS per run (pinger: +$WARMUP warm-up), $RUNS interleaved runs, broker set_tcp_nodelay true =="
for size in $SIZES; do
    for qos in $QOSES; do
        for ((run = 1; run <= RUNS; run++)); do
            for tool in "${TOOLS[@]}"; do trial "$tool" "$qos" "$size" "$run"; done
        done
    done
done

echo
echo "== summary (microseconds, medians over runs) =="
echo "   p50 vs pipeline: median of per-run ratios / ratio of the medians shown"
echo "   mqtk-reply is like for like with the pipeline (two broker hops); mqtk-self is one hop (reference only)"
{
    printf 'case\ttool\thops\tmin\tp50\tp90\tp99\tmax\tlost\tp50 vs pipeline\n'
    for size in $SIZES; do
        for qos in $QOSES; do
            case="${size}B-qos$qos"
            for tool in "${TOOLS[@]}"; do
                r=- hops=2
                [[ $tool == mqtk-self ]] && hops=1
                [[ $tool != pipeline ]] && r=$(bench_ratios echo "$case" "$tool" pipeline p50)
                printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$tool" "$hops" \
                    "$(bench_fmt "$(bench_median echo "$case" "$tool" min)" 0)" \
                    "$(bench_fmt "$(bench_median echo "$case" "$tool" p50)" 0)" \
                    "$(bench_fmt "$(bench_median echo "$case" "$tool" p90)" 0)" \
                    "$(bench_fmt "$(bench_median echo "$case" "$tool" p99)" 0)" \
                    "$(bench_fmt "$(bench_median echo "$case" "$tool" max)" 0)" \
                    "$(bench_fmt "$(bench_median echo "$case" "$tool" lost)" 0)" "$r"
            done
        done
    done
} | bench_table
echo
for size in $SIZES; do
    for qos in $QOSES; do
        case="${size}B-qos$qos"
        r1=$(bench_ratio_median echo "$case" mqtk-reply pipeline p50)
        r2=$(bench_ratio_of_medians echo "$case" mqtk-reply pipeline p50)
        p99=$(bench_median echo "$case" mqtk-reply p99)
        printf 'target %-11s mqtk-reply p50 <= 0.9x pipeline (two hops each): %s (%s); p99 < 1000 us: %s (%s us)\n' "$case:" \
            "$(bench_verdict2 "$r1" "$r2" le 0.9)" "$(bench_ratios echo "$case" mqtk-reply pipeline p50)" \
            "$(bench_verdict "$p99" le 999.9)" "$(bench_fmt "$p99" 0)"
    done
done
echo "load at end: $(bench_load)"
