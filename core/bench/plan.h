// How a bench run is laid out before any connection exists: topics from the template, the
// subscription filter that matches them, this shard's slice of the clients, client ids,
// and which worker process runs which clients.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bench/options.h"

namespace mqtk {

// [first, first + count)
struct IndexRange {
    std::size_t first = 0;
    std::size_t count = 0;

    std::size_t end() const { return first + count; }
    bool contains(std::size_t i) const { return i >= first && i < end(); }
    friend bool operator==(const IndexRange&, const IndexRange&) = default;
};

// Part `part` (0-based) of `total` items cut into `parts` contiguous slices whose sizes
// differ by at most one, the larger ones first. Every item is in exactly one slice.
IndexRange split_range(std::size_t total, std::size_t parts, std::size_t part);

// "K/N" with 1 <= K <= N; throws Error(Usage) otherwise.
Shard parse_shard(std::string_view text);

// --topic: "%i" stands for the publisher index, "%%" for a '%'.
class TopicTemplate {
  public:
    // Throws Error(Usage) for an unknown %-escape or a template whose topics or filter
    // would be invalid.
    explicit TopicTemplate(std::string_view text);

    std::string topic(std::size_t publisher) const;
    // Matches every publisher's topic: each level that holds "%i" becomes '+'. Without
    // "%i" it is the topic itself.
    const std::string& filter() const { return filter_; }
    bool per_publisher() const { return per_publisher_; }

  private:
    std::vector<std::string> pieces_;  // literal text between the "%i"s
    std::string filter_;
    bool per_publisher_ = false;
};

// Which global client indices this shard runs.
struct ShardSlice {
    IndexRange publishers;
    IndexRange subscribers;
    IndexRange connections;  // storm
};
ShardSlice shard_slice(const BenchOptions& options);

// One worker process's clients (global indices) and its share of the rates.
struct WorkerPlan {
    std::vector<std::uint32_t> publishers;
    std::vector<std::uint32_t> subscribers;
    IndexRange connections;
    double connection_rate = 0;  // storm: connections/s of this worker; 0 = as fast as it can
};

// How many worker processes to use: the user's --workers, else one more than there are
// CPUs (never more than there are clients): a Paho engine is bound by the hand-offs
// between its threads more than by CPU, so one extra process keeps the cores busy, while
// many more only add context switches (measurements in plan.cpp). A light
// open-loop rate (<= 5,000 msg/s) gets one process: a second engine buys nothing there
// and costs start-up and CPU. A storm gets one process per 5,000 connections (up to one
// per CPU), because Paho's cost per connect grows with the connections its process
// already holds.
int choose_workers(const BenchOptions& options, const ShardSlice& slice, int cpus);

// Spreads the shard's clients over `workers` processes by expected work: a publisher
// counts one, a subscriber as many as the publishers it hears (all of them, or one with
// --pairs), each going to the least loaded worker. Storm connections are cut into
// contiguous slices and the connection rate shared in proportion.
std::vector<WorkerPlan> plan_workers(const BenchOptions& options, const ShardSlice& slice,
                                     int workers);

// Client ids: "<base>-p<i>" for publisher i, "-s<j>" for subscriber j, "-c<k>" for
// storm connection k. `base` is -i, else the -I prefix plus the pid, else
// "mqtk_bench_<pid>"; in a sharded run the host name is added to the default, so shards
// on machines with equal pids still differ.
std::string bench_client_base(const std::string& client_id, const std::string& id_prefix, long pid,
                              bool sharded);

}  // namespace mqtk
