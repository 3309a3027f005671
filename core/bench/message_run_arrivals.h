// The receiving side of a bench message run: every subscriber's arrivals on Paho's single
// receive thread, checked (a bench header of this run), counted (loss, duplicates, order)
// and timed end to end.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "core/bench/message_run.h"
#include "core/bench/message_run_state.h"
#include "core/bench/options.h"
#include "core/bench/result.h"
#include "core/histogram.h"
#include "core/live.h"
#include "core/message.h"

namespace mqtk::message_run {

class Arrivals {
  public:
    Arrivals(const BenchOptions& options, const BenchContext& context, RunLog& log)
        : options_(options), context_(context), log_(log) {}

    // On Paho's receive thread: `message` came to `s`.
    void arrived(SubscriberState& s, const Message& message);

    // When the last message of any kind arrived (monotonic_ns()), 0 before the first.
    std::uint64_t last_arrival_ns() const { return last_arrival_ns_.load(); }

    // What the subscribers received so far, into `figures` (any thread).
    void live(LiveFigures& figures, const SubscriberList& subscribers);

    // What the subscribers received, into `r` (after the clients disconnected).
    void collect(BenchResult& r, const SubscriberList& subscribers, std::uint64_t measure_ns);

  private:
    const BenchOptions& options_;
    const BenchContext& context_;
    RunLog& log_;

    // The receive-side state: taken on the receive thread only (hence uncontended), and
    // for the result at the end.
    std::mutex mutex_;
    Histogram end_to_end_;
    std::atomic<std::uint64_t> measured_received_{0};
    std::atomic<std::uint64_t> last_arrival_ns_{0};
    std::uint64_t last_measured_ns_ = 0;
};

}  // namespace mqtk::message_run
