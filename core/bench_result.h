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

#include "core/bench_options.h"
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

    // Messages. Windows are seconds from the end of the warm-up.
    std::uint64_t sent = 0;        // measured messages published (completed or not)
    std::uint64_t sent_total = 0;  // warm-up included
    double send_window = 0;        // until the last measured publish completed
    std::uint64_t received = 0;    // measured first arrivals, summed over subscribers
    double receive_window = 0;     // until the last measured arrival
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
    std::optional<StormTally> storm;

    // Whether every shard of the run is included.
    bool complete() const;
    // Loss is known for a complete run that was not interrupted (an interrupted run stops
    // without waiting for its subscribers to catch up).
    bool loss_known() const { return complete() && !interrupted; }
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
