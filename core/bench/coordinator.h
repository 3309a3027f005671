// The seam between one bench worker (the clients of one process) and whoever runs the
// whole test: in a single process, LocalCoordinator; with worker processes, a
// coordinator that talks to the parent through pipes (workers.cpp).
//
// Every worker goes through the same phases:
//   connect and subscribe -> ready() -> (common start) -> publish ... -> published()
//   -> expected() known -> drain -> disconnect -> result
// so that no publisher starts before every subscriber of the run is subscribed, and no
// subscriber stops waiting before it knows what every publisher sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/bench/options.h"
#include "core/bench/result.h"
#include "core/live.h"

namespace mqtk {

struct WorkerStatus {
    std::string phase;  // one word: "connecting", "warm-up", "measuring", "draining", ...
    std::uint64_t sent = 0;
    std::uint64_t received = 0;
    std::uint64_t connected = 0;
    std::uint64_t failed = 0;
};

class BenchCoordinator {
  public:
    virtual ~BenchCoordinator() = default;

    // This worker is connected and subscribed. Blocks until every worker is, and returns
    // the common start (a monotonic_ns() time), or nothing when the run is called off.
    virtual std::optional<std::uint64_t> ready() = 0;
    // Live figures, about four times a second.
    virtual void status(const WorkerStatus& status) = 0;
    // This worker's publishers are done; their totals (warm-up included).
    virtual void published(const std::vector<PublisherTally>& mine) = 0;
    // What every publisher of the run sent, once every worker has reported; nothing yet
    // before that.
    virtual std::optional<std::vector<PublisherTally>> expected() = 0;
    // Interrupted, or told to stop by the parent.
    virtual bool stop_requested() = 0;
    // Waits up to `timeout`, returning early when news (go, expected, stop) arrives.
    virtual void wait(std::chrono::milliseconds timeout) = 0;
    // Where this worker attaches its live figures: the command's hub in a single process;
    // in a worker process, one whose figures status() passes on to the parent. Null: none.
    virtual LiveHub* live() { return nullptr; }
};

// Turns cumulative counts into a progress line with rates over the last interval.
class ProgressMeter {
  public:
    ProgressMeter(ProgressHandler handler, bool storm, std::uint64_t start_ns);
    void update(const WorkerStatus& status);
    void finish();
    bool enabled() const { return static_cast<bool>(handler_); }

  private:
    ProgressHandler handler_;
    bool storm_;
    std::uint64_t start_ns_;
    std::uint64_t last_ns_ = 0;
    std::uint64_t last_sent_ = 0;
    std::uint64_t last_received_ = 0;
};

// The single-process case: this worker is the whole run (of its shard).
class LocalCoordinator : public BenchCoordinator {
  public:
    LocalCoordinator(ProgressMeter& progress, LiveHub* live) : progress_(progress), live_(live) {}
    std::optional<std::uint64_t> ready() override;
    void status(const WorkerStatus& status) override { progress_.update(status); }
    void published(const std::vector<PublisherTally>& mine) override { published_ = mine; }
    std::optional<std::vector<PublisherTally>> expected() override { return published_; }
    bool stop_requested() override;
    void wait(std::chrono::milliseconds timeout) override;
    LiveHub* live() override { return live_; }

  private:
    ProgressMeter& progress_;
    LiveHub* live_;
    std::optional<std::vector<PublisherTally>> published_;
};

}  // namespace mqtk
