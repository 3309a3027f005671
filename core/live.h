// Live figures of a running command (bench, echo, sub, req), and the hub through which the
// observers started beside it (the --stats stream, the --metrics endpoint) read them while
// it runs. The engine owns the counters and attaches a source once they exist; observers
// call figures() from their own threads, about once a second, and never block the message
// path: a source copies its counters under its own short lock or reads atomics.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.h"

namespace mqtk {

// Cumulative since the command started. Field names follow bench's --json result.
struct LiveFigures {
    std::string command;  // "bench", "echo", "sub", "req"
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t lost = 0;
    std::uint64_t duplicated = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t connections_up = 0;  // a gauge: connected now
    std::uint64_t connections_lost = 0;
    std::uint64_t reconnected = 0;
    // By name: "round_trip" (echo), "end_to_end" and "publish_ack" (bench).
    std::vector<std::pair<std::string, Histogram>> latencies;
};

class LiveHub {
  public:
    using Source = std::function<LiveFigures()>;

    // The engine, once its counters exist. Replaces an earlier source.
    void attach(Source source) {
        std::lock_guard lock(mutex_);
        source_ = std::move(source);
    }
    // The engine, before its counters go: the last figures are kept, so that an observer's
    // final read equals the command's result.
    void finish() {
        std::lock_guard lock(mutex_);
        if (source_) last_ = source_();
        source_ = nullptr;
    }
    // Any thread: the current figures, the last ones after finish(), nothing before attach().
    std::optional<LiveFigures> figures() const {
        std::lock_guard lock(mutex_);
        if (source_) return source_();
        return last_;
    }

  private:
    mutable std::mutex mutex_;
    Source source_;
    std::optional<LiveFigures> last_;
};

}  // namespace mqtk
