// What a bench run measured, in a form that adds up: counts sum, histograms merge, and
// the JSON written by --json reads back losslessly, so the results of worker processes
// and of shards on other machines combine exactly (never by averaging percentiles).
//
// Loss is not counted by anyone during the run: a subscriber cannot know what publishers
// in other processes or shards sent. It is derived whenever a complete result (every
// shard present) is looked at: for each subscriber, the messages sent by the publishers
// it hears minus the distinct ones it received.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/bench/options.h"
#include "core/histogram.h"
#include "core/options.h"

namespace mqtk {

// The options that define a run, identical in every shard of it; merge refuses to mix
// results whose configs differ.
struct BenchConfig {
    std::string mode = "messages";  // or "storm"
    int publishers = 0;
    int subscribers = 0;
    int qos = 0;
    long size = 0;
    std::string topic;
    std::optional<double> rate;
    std::optional<double> duration;
    std::optional<long> count;
    double warmup = 0;
    bool retain = false;
    bool pairs = false;
    std::string protocol;
    std::optional<long> storm;
    std::optional<double> conn_rate;
    double hold = 0;

    friend bool operator==(const BenchConfig&, const BenchConfig&) = default;
};

BenchConfig make_bench_config(const BenchOptions& options, ProtocolVersion version);

// Loss, duplicates and order count measured messages only: what is sent during the
// warm-up is excluded from the results like everything else in it (a subscriber of a
// shard that subscribes a little late then costs nothing).
struct PublisherTally {
    std::uint32_t index = 0;
    std::uint64_t sent = 0;  // measured messages: what its subscribers should receive
};

struct SubscriberTally {
    std::uint32_t index = 0;
    std::int64_t hears = -1;   // -1: every publisher; otherwise that one (--pairs)
    std::uint64_t unique = 0;  // distinct measured messages received
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
};

struct ErrorTally {
    std::uint64_t count = 0;
    std::string example;  // the first one, in words
};

// A client whose connection broke during the run (counted once, however many ways Paho
// told of it).
struct ConnectionLoss {
    std::string role;  // "publisher" or "subscriber"
    std::uint32_t index = 0;
    double at = 0;  // seconds from the end of the warm-up (negative: during it)
    std::string cause;
};

struct StormTally {
    std::uint64_t requested = 0;
    std::uint64_t connected = 0;
    std::uint64_t failed = 0;
    std::uint64_t dropped = 0;       // lost while held
    double connect_window = 0;       // seconds from the start to the last CONNACK
    double hold = 0;                 // seconds all were held
    double disconnect_time = 0;      // seconds to disconnect them all
    std::uint64_t memory_bytes = 0;  // client-side RSS growth of the processes holding them
};

struct BenchResult {
    BenchConfig config;
    int shard_count = 1;
    std::vector<int> shards;  // the shard indices (1-based) this result includes
    int workers = 0;          // processes, summed over shards
    bool interrupted = false;

    // Messages. Windows are seconds from the end of the warm-up; the rates use the
    // windows of send_window_s() and receive_window_s(), which say which.
    std::uint64_t sent = 0;        // measured messages published (completed or not)
    std::uint64_t sent_total = 0;  // warm-up included
    // Open loop: measured messages the schedule made due before the run ended (those of
    // a publisher that lost its connection included). 0 in closed loop.
    std::uint64_t due = 0;
    // Closed loop: until the last measured publish completed (acknowledged at QoS 1/2,
    // handed over at QoS 0). Unused in open loop, whose window is the schedule's.
    double send_window = 0;
    std::uint64_t received = 0;  // measured first arrivals, summed over subscribers
    double receive_window = 0;   // until the last measured arrival
    std::vector<PublisherTally> publishers;
    std::vector<SubscriberTally> subscribers;

    Histogram end_to_end;   // measured arrivals from publishers on the same machine
    Histogram publish_ack;  // QoS 1/2: publish() to PUBACK/PUBCOMP
    Histogram connect;      // connect() to CONNACK (storm with --conn-rate: from the schedule)
    // Open loop: how late the generator itself handed each message over, after its slot.
    // Part of end_to_end (which counts from the slot); large values mean the generator,
    // not the broker, fell behind.
    Histogram schedule_lag;

    std::map<std::string, ErrorTally> errors;  // kind -> count, e.g. "connection_lost"
    std::vector<ConnectionLoss> connections_lost;
    std::optional<StormTally> storm;

    // Whether every shard of the run is included.
    bool all_shards() const;
    // Why the result does not cover the whole run as asked: shards missing, interrupted,
    // connections lost, due messages not sent. Empty: complete.
    std::vector<std::string> incomplete_reasons() const;
    bool complete() const { return incomplete_reasons().empty(); }
    // Loss is known once every shard is in, unless interrupted (an interrupted run stops
    // without waiting for its subscribers to catch up).
    bool loss_known() const { return all_shards() && !interrupted; }
    // The send window: open loop, the measured part of the schedule (due / --rate: at
    // --rate 1 --duration 2, 2 s; with --count 50 --rate 100, 0.5 s), so that a kept
    // schedule sends exactly --rate per second; closed loop, send_window.
    double send_window_s() const;
    // The receive window: until the last measured arrival, and never shorter than the
    // send window (arrivals cannot be faster than what was sent).
    double receive_window_s() const;
    double send_rate() const;
    double receive_rate() const;
    // Open loop: due messages never sent (the generator or the broker could not keep up).
    std::uint64_t unsent() const { return due > sent ? due - sent : 0; }
    // Arrivals whose end-to-end latency was timed: only those from a publisher of the
    // subscriber's own shard, whose clock it shares.
    std::uint64_t timed_arrivals() const { return end_to_end.count(); }
    // Sum over subscribers of the measured messages their publishers sent.
    std::uint64_t expected_arrivals() const;
    std::uint64_t unique_arrivals() const;
    // expected - received distinct, per subscriber, summed; meaningful when loss_known().
    std::uint64_t lost() const;
    std::uint64_t duplicates() const;
    std::uint64_t out_of_order() const;
    std::uint64_t error_count(const std::string& kind) const;

    void add_error(const std::string& kind, const std::string& message, std::uint64_t n = 1);
};

// Why messages were lost, as far as the result shows, and how to check it; empty kind
// when nothing was lost.
struct LossCause {
    std::string kind;  // "connection_lost", "broker_queue_limit"
    std::string why;
    std::string check;
};
LossCause likely_loss_cause(const BenchResult& result);

// Adds `part` into `total`: the results of one shard's worker processes (same shard), or
// of different shards of one run (same config, disjoint shards). Throws Error(Usage)
// saying why two results do not combine (different options, a shard twice...).
enum class MergeOf { Workers, Shards };
void merge_bench_results(BenchResult& total, const BenchResult& part, MergeOf kind);

// The --json document (schema: "mqtk_bench": 1), with derived figures (rates,
// percentiles, loss) next to the raw counts and histograms they come from.
nlohmann::json bench_result_to_json(const BenchResult& result);
// Reads the raw parts back (derived figures are recomputed); throws Error(Usage) naming
// what is wrong.
BenchResult bench_result_from_json(const nlohmann::json& json);

}  // namespace mqtk
