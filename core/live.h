// Live figures of a running command (bench, echo, sub, req), and the hub through which the
// observers started beside it (the --stats stream, the --metrics endpoint) read them while
// it runs. The engine owns the counters and attaches a source once they exist; observers
// call figures() from their own threads, about once a second, and never block the message
// path: a source copies its counters under its own short lock or reads atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/histogram.h"

namespace mqtk {

// A counter with one writing thread that other threads read: a relaxed load and store, no
// locked instruction, so counting on the message path costs what a plain increment does.
class LiveCounter {
  public:
    LiveCounter& operator++() noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        return *this;
    }
    operator std::uint64_t() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

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
    // The same with the command's final figures as its result says them (bench derives
    // loss only at the end; echo counts what never came back as lost).
    void finish(LiveFigures final_figures) {
        std::lock_guard lock(mutex_);
        last_ = std::move(final_figures);
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

// Attaches a source for as long as it lives (none when `hub` is null), and finishes the hub
// when it goes, so that a source never outlives the counters it reads, even on a throw.
class LiveAttachment {
  public:
    LiveAttachment(LiveHub* hub, LiveHub::Source source) : hub_(hub) {
        if (hub_) hub_->attach(std::move(source));
    }
    ~LiveAttachment() {
        if (hub_) hub_->finish();
    }
    LiveAttachment(const LiveAttachment&) = delete;
    LiveAttachment& operator=(const LiveAttachment&) = delete;

  private:
    LiveHub* hub_;
};

}  // namespace mqtk
