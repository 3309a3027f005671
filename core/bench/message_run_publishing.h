// The publishing side of a bench message run: one thread that serves all of the worker's
// publishers (closed loop: every window kept full; open loop: a fixed schedule), their
// completions on the connections' threads, the wait for the last acknowledgements, and the clean-up
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
#include "core/connection/connection.h"
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

    // On the connection's threads: a publish completed (QoS 1/2: its latency is kept).
    void acknowledged(std::uint64_t published_ns, bool ok);
    // On the connection's threads: a window that was full has room again.
    void room();

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
    enum class Sent { Yes, NoRoom, Never };
    // `give_up` null: only if the window has room (closed loop).
    Sent send(PublisherState& p, std::uint64_t stamp, bool warmup,
              const Connection::GiveUp* give_up);
    bool may_continue(const PublisherState& p, std::uint64_t now) const;
    void closed_loop();
    void drop_stalled(std::vector<PublisherState*>& active);
    void wait_for_room();
    void open_loop();
    bool wait_for_slot(std::uint64_t due, double interval);
    bool any_active(bool warmup, std::uint64_t count) const;
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

    // Closed loop: the publishing thread waits until some full window has room.
    std::mutex room_mutex_;
    std::condition_variable room_;
    std::atomic<bool> waiting_for_room_{false};
    std::atomic<bool> room_signalled_{false};  // since the publishing thread last looked

    mutable std::mutex ack_mutex_;
    Histogram publish_ack_;
    std::uint64_t last_ack_ns_ = 0;  // of a measured publish
    Histogram schedule_lag_;         // publishing thread only, until joined
};

}  // namespace mqtk::message_run
