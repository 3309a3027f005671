// The in-flight window of one connection's publishes: how many may be outstanding, when a
// publisher waiting for room may go on, and what became of each message (completed,
// failed, dropped with the session, or resent by a kept session after a reconnect). It
// knows nothing of the client library: Client (core/connection/client.cpp) tells it each outcome,
// already classified, and the unit tests (tests/unit/publish_window_test.cpp) drive it
// without a broker.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "core/publish_counts.h"

namespace mqtk {

// How far a full window of `window` messages at `qos` must drain before a waiting
// publisher refills it; why in publish_window.cpp.
std::size_t publish_refill_mark(int qos, std::size_t window);

class PublishWindow {
  public:
    // When a publish was admitted, in the clock's nanoseconds: it names the publish in
    // complete() and cancel().
    using Stamp = std::uint64_t;
    using Clock = std::function<std::uint64_t()>;  // monotonic nanoseconds
    // Optional: told the stamp and the success of every outcome (bench's latencies).
    using Completion = std::function<void(Stamp published, bool ok)>;

    enum class Outcome {
        Completed,    // written (QoS 0) or acknowledged (QoS 1/2)
        SessionLost,  // discarded by the client library: the session went with the connection
        WriteBroken,  // a QoS 1/2 write cut by the loss: resent if the session is kept
        Failed,       // refused by the broker, or failed otherwise (`error` says how)
    };

    // `recheck`: how often a waiting publisher looks again without being woken (tests
    // lengthen it to see who wakes whom).
    explicit PublishWindow(Clock clock,
                           std::chrono::milliseconds recheck = std::chrono::milliseconds(100));

    // Whether the broker keeps the session across a reconnect, so that what is in flight
    // at a loss is sent again (see settle_after_reconnect()).
    void set_keeps_session(bool keeps);
    // Before the first admit(): it is read without the lock, on the hot path.
    void set_completion(Completion completion);

    // Admits one publish into a window of `capacity`. While it is full, waits until it has
    // drained to `refill_mark`, asking `give_up` at every recheck and whenever woken: true
    // ends the wait with nullopt (nothing admitted). `may_wait` false admits at once, even
    // beyond the window (from the thread that processes the completions, or while a
    // disconnected client queues). `give_up` runs without the lock.
    std::optional<Stamp> admit(std::size_t capacity, std::size_t refill_mark,
                               const std::function<bool()>& give_up,
                               const std::function<bool()>& may_wait);
    // For a publisher that must not block (bench's one publishing thread serves many
    // connections): admits one publish if the window has room. When it is full, nothing is
    // admitted and the room hook is armed: it runs once the window has drained to
    // `refill_mark` (or on a wake_now completion, a reconnect or wake()).
    std::optional<Stamp> try_admit(std::size_t capacity, std::size_t refill_mark);
    // Before the first try_admit(). Runs without the window's lock, on the thread that
    // completed a publish (the client library's): it must be quick and must not block.
    void set_room_hook(std::function<void()> hook);
    // The publish admitted at `stamp` was never handed over (the library refused it).
    void cancel(Stamp stamp);
    // The outcome of the publish admitted at `stamp`. `wake_now` wakes a waiting publisher
    // whatever the refill mark (see Client: a QoS 0 write finished on the receive thread).
    void complete(Stamp stamp, Outcome outcome, const std::string& error = {},
                  bool wake_now = false);
    // After a reconnect: with a kept session what was in flight counts as resent and
    // leaves the window, whose tokens may never complete; a late outcome of a publish
    // admitted before it only corrects the counts. Without a kept session it does nothing
    // (the library reports those publishes as SessionLost).
    void settle_after_reconnect();
    // Wakes a waiting publisher to look at the connection again (a loss).
    void wake();

    // Until the window is empty (true), `deadline` passes, or `may_wait` says stop (false).
    // Asks `may_wait` at every recheck and whenever woken.
    bool wait_until_empty(std::optional<std::chrono::steady_clock::time_point> deadline,
                          const std::function<bool()>& may_wait);

    std::uint64_t in_flight() const;
    PublishCounts counts() const;
    bool failed_any() const { return failed_any_.load(std::memory_order_relaxed); }
    std::string first_error() const;
    // Nanoseconds since the last outcome (or since the first publish after an idle spell)
    // while something is in flight; 0 when nothing is.
    std::uint64_t unacknowledged_for() const;

  private:
    bool settled(Stamp stamp) const { return stamp < reconnected_; }
    // With the lock held; true when the room hook is to run (after unlocking).
    bool record(Stamp stamp, Outcome outcome, const std::string& error, bool wake_now);
    bool release(bool wake_now);
    bool disarm_hook();

    Clock clock_;
    std::chrono::milliseconds recheck_;
    mutable std::mutex mutex_;
    std::condition_variable room_;
    PublishCounts counts_;
    std::uint64_t in_flight_ = 0;
    bool waiting_ = false;
    std::uint64_t wake_at_ = 0;  // in_flight_ at which the waiter wants to hear of it
    std::string first_error_;
    std::atomic<bool> failed_any_{false};  // first_error_ is set: readable without the lock
    Completion completion_;
    std::function<void()> room_hook_;
    bool hook_armed_ = false;
    std::uint64_t hook_at_ = 0;  // in_flight_ at which the armed hook runs
    bool keeps_session_ = false;
    Stamp reconnected_ = 0;  // clock at the last settle_after_reconnect()
    std::uint64_t progress_ = 0;
};

}  // namespace mqtk
