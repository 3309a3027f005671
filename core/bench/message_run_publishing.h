// The publishing side of a bench message run: one thread that serves all of the worker's
// publishers (closed loop: every window kept full; open loop: a fixed schedule), their
// completions on Paho's threads, the wait for the last acknowledgements, and the clean-up
// of retained messages.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "core/bench/message_run_state.h"
#include "core/bench/options.h"
#include "core/bench/result.h"
#include "core/connection/client.h"
#include "core/histogram.h"

namespace mqtk::message_run {

class Publishing {
  public:
    Publishing(const BenchOptions& options, Timeline& timeline, RunLog& log,
               PublisherList& publishers)
        : options_(options), timeline_(timeline), log_(log), publishers_(publishers) {}
    Publishing(const Publishing&) = delete;
    Publishing& operator=(const Publishing&) = delete;

    // Starts the publishing thread (none without publishers) on the timeline's schedule.
    void start();
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    // The publishing thread has finished, its acknowledgements awaited.
    bool done() const { return done_.load(); }

    // On Paho's threads: a publish of `p` completed.
    void completed(PublisherState& p, std::uint64_t published_ns, bool ok);

    // --retain leaves a retained bench message on every topic; an empty retained publish
    // removes it, so the next run starts clean.
    void clear_retained();

    // The publish-to-ack latencies so far (any thread: the live figures).
    Histogram publish_ack() const {
        std::lock_guard lock(ack_mutex_);
        return publish_ack_;
    }

    // What was sent, due, acknowledged and how late, into `r` (after join()).
    void collect(BenchResult& r);

  private:
    bool send(PublisherState& p, std::uint64_t stamp, bool warmup, const Client::GiveUp& give_up);
    bool may_continue(const PublisherState& p, std::uint64_t now) const;
    void closed_loop();
    void drop_stalled(std::vector<PublisherState*>& active);
    void wait_for_room(const std::vector<PublisherState*>& active);
    void open_loop();
    bool wait_for_slot(std::uint64_t due, double interval);
    bool any_active(bool warmup, std::uint64_t count) const;
    void acknowledged(std::uint64_t published_ns, bool ok);
    void await_acknowledgements();

    const BenchOptions& options_;
    Timeline& timeline_;
    RunLog& log_;
    PublisherList& publishers_;
    std::thread thread_;
    std::atomic<bool> done_{false};

    std::uint64_t last_handover_ns_ = 0;  // of a measured message; publishing thread, until joined
    std::uint64_t due_ = 0;               // open loop; publishing thread, until joined
    std::uint64_t next_stall_check_ = 0;  // publishing thread

    std::mutex room_mutex_;  // closed loop: the publishing thread waits for window room
    std::condition_variable room_;
    std::atomic<bool> waiting_for_room_{false};

    mutable std::mutex ack_mutex_;
    Histogram publish_ack_;
    std::uint64_t last_ack_ns_ = 0;  // of a measured publish
    Histogram schedule_lag_;         // publishing thread only, until joined
};

}  // namespace mqtk::message_run
