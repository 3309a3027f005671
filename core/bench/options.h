// What `mqtk bench` is asked to do: the plain option struct cli/bench.cpp fills from flags
// (contract: "bench"), and the progress callback through which the core reports a live
// line without knowing whether stderr is a terminal.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/properties.h"

namespace mqtk {

// This process's slice of a run spread over `count` machines; `index` is 1-based (K/N).
struct Shard {
    int index = 1;
    int count = 1;
};

struct BenchOptions {
    // Message scenario.
    int publishers = 1;
    int subscribers = 1;
    std::optional<double> duration;       // seconds measured; 10 when neither this nor count
    std::optional<long> count;            // measured messages per publisher
    std::optional<double> rate;           // open loop: messages/s in total; none = closed loop
    long size = 64;                       // payload bytes, bench header included
    std::string topic = "mqtk/bench/%i";  // %i = publisher index, %% = '%'
    double warmup = 1.0;                  // seconds before measuring; excluded
    int qos = 0;
    bool retain = false;
    bool pairs = false;  // subscriber i subscribes to publisher i's topic only
    Properties publish_properties;

    // Connection storm (instead of messages).
    std::optional<long> storm;        // connections to open
    std::optional<double> conn_rate;  // connections/s in total; none = as fast as possible
    double hold = 1.0;                // seconds to hold them all open

    Shard shard;
    int workers = 0;  // processes; 0 = automatic (see workers.h)
    int max_inflight = 20;
};

// What the live progress line shows; sent to the callback about four times a second.
struct BenchProgress {
    double elapsed = 0;      // seconds since the clients started
    std::string phase;       // "connecting", "warm-up", "measuring", "draining", "holding", ...
    std::uint64_t sent = 0;  // messages published so far (warm-up included)
    std::uint64_t received = 0;
    double send_rate = 0;  // messages/s over the last interval
    double receive_rate = 0;
    std::uint64_t connected = 0;  // storm
    std::uint64_t failed = 0;     // storm
    bool storm = false;
    bool final = false;  // the run is over: clear the line
};

using ProgressHandler = std::function<void(const BenchProgress&)>;

// "3.2 s measuring  sent 96,000 (31,020/s)  received 95,980 (31,000/s)"
std::string format_progress(const BenchProgress& progress);

}  // namespace mqtk
