// The supervision of a bench message run, on the caller's thread: progress to the
// coordinator, the phase, the report of what this worker published, and the end of the
// drain (everything arrived, silence, or the cap).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bench/coordinator.h"
#include "core/bench/message_run.h"
#include "core/bench/message_run_arrivals.h"
#include "core/bench/message_run_publishing.h"
#include "core/bench/message_run_state.h"
#include "core/bench/result.h"

namespace mqtk::message_run {

class Supervision {
  public:
    Supervision(const BenchContext& context, BenchCoordinator& coordinator, Timeline& timeline,
                RunLog& log, const PublisherList& publishers, const SubscriberList& subscribers,
                const Publishing& publishing, const Arrivals& arrivals,
                const std::atomic<std::uint64_t>& connected)
        : context_(context),
          coordinator_(coordinator),
          timeline_(timeline),
          log_(log),
          publishers_(publishers),
          subscribers_(subscribers),
          publishing_(publishing),
          arrivals_(arrivals),
          connected_(connected) {}

    // Until the drain is over, or a stop (then the timeline says interrupted).
    void supervise();

    // The progress so far, in `phase`.
    WorkerStatus status(const char* phase) const;

  private:
    const char* phase() const;
    void report_published();
    std::uint64_t expected_for(const SubscriberState& s) const;
    bool drained();

    const BenchContext& context_;
    BenchCoordinator& coordinator_;
    Timeline& timeline_;
    RunLog& log_;
    const PublisherList& publishers_;
    const SubscriberList& subscribers_;
    const Publishing& publishing_;
    const Arrivals& arrivals_;
    const std::atomic<std::uint64_t>& connected_;

    bool published_ = false;
    std::optional<std::vector<PublisherTally>> expected_;
    std::uint64_t drain_start_ns_ = 0;
};

}  // namespace mqtk::message_run
