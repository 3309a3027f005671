// The in-flight window: admission, outcomes and the accounting across reconnects.
#include "core/publish_window.h"

#include <utility>

namespace mqtk {

// QoS 0 completes locally, when written: waiting for half the window refills it in
// batches (waking per completion made the publisher and Paho's thread ping-pong on one
// mutex for every message). QoS 1/2 complete when the broker answers, and a publisher
// that falls silent until several answers are in stalls against a broker with Nagle's
// algorithm on (mosquitto's default, set_tcp_nodelay false): the broker holds each answer
// after the first until our TCP ACK, which our side delays (up to 40 ms) when it has
// nothing to send. A publish as soon as there is room carries that ACK. Measured: pub -l
// -q 1 fell from ~18,000 to ~1,800 msgs/s against a default mosquitto with the
// half-window mark.
std::size_t publish_refill_mark(int qos, std::size_t window) {
    return qos == 0 ? window / 2 : window - 1;
}

PublishWindow::PublishWindow(Clock clock, std::chrono::milliseconds recheck)
    : clock_(std::move(clock)), recheck_(recheck) {}

void PublishWindow::set_keeps_session(bool keeps) {
    std::lock_guard lock(mutex_);
    keeps_session_ = keeps;
}

void PublishWindow::set_completion(Completion completion) {
    completion_ = std::move(completion);
}

std::optional<PublishWindow::Stamp> PublishWindow::admit(std::size_t capacity,
                                                         std::size_t refill_mark,
                                                         const std::function<bool()>& give_up,
                                                         const std::function<bool()>& may_wait) {
    std::unique_lock lock(mutex_);
    while (in_flight_ >= capacity && may_wait()) {
        // Unlocked: give_up may look at the client (counts, errors), and so at us.
        lock.unlock();
        if (give_up()) return std::nullopt;
        lock.lock();
        if (in_flight_ < capacity) break;
        waiting_ = true;
        wake_at_ = refill_mark;
        // A broker that stops acknowledging (RabbitMQ 3.10 with QoS 2) never makes room:
        // wake regularly so the caller's deadline and signals are looked at.
        room_.wait_for(lock, recheck_);
        waiting_ = false;
    }
    const Stamp now = clock_();
    if (in_flight_ == 0) progress_ = now;
    ++in_flight_;
    ++counts_.sent;
    // Stamped under the lock, so settle_after_reconnect() is either before the stamp or
    // counts this publish.
    return now;
}

std::optional<PublishWindow::Stamp> PublishWindow::try_admit(std::size_t capacity,
                                                             std::size_t refill_mark) {
    std::lock_guard lock(mutex_);
    if (in_flight_ >= capacity) {
        hook_armed_ = true;
        hook_at_ = refill_mark;
        return std::nullopt;
    }
    const Stamp now = clock_();
    if (in_flight_ == 0) progress_ = now;
    ++in_flight_;
    ++counts_.sent;
    return now;
}

void PublishWindow::set_room_hook(std::function<void()> hook) {
    room_hook_ = std::move(hook);
}

void PublishWindow::cancel(Stamp stamp) {
    std::lock_guard lock(mutex_);
    if (!settled(stamp)) {
        --in_flight_;
    } else if (counts_.resent > 0) {
        --counts_.resent;
    }
    --counts_.sent;
}

void PublishWindow::complete(Stamp stamp, Outcome outcome, const std::string& error,
                             bool wake_now) {
    if (completion_) completion_(stamp, outcome == Outcome::Completed);
    bool room = false;
    {
        std::lock_guard lock(mutex_);
        room = record(stamp, outcome, error, wake_now);
    }
    if (room) room_hook_();
}

bool PublishWindow::record(Stamp stamp, Outcome outcome, const std::string& error, bool wake_now) {
    progress_ = clock_();
    if (outcome == Outcome::Completed) {
        ++counts_.completed;
        if (settled(stamp)) {
            // Counted as resent at the reconnect; it got through after all.
            if (counts_.resent > 0) --counts_.resent;
            return false;
        }
        return release(wake_now);
    }
    if (settled(stamp)) return false;  // already counted as resent at the reconnect
    switch (outcome) {
        case Outcome::SessionLost:
            ++counts_.dropped;
            break;
        case Outcome::WriteBroken:
            ++(keeps_session_ ? counts_.resent : counts_.dropped);
            break;
        case Outcome::Failed:
            ++counts_.failed;
            if (first_error_.empty()) {
                first_error_ = error;
                failed_any_ = true;
            }
            break;
        case Outcome::Completed:
            break;
    }
    return release(wake_now);
}

void PublishWindow::settle_after_reconnect() {
    bool room = false;
    {
        std::lock_guard lock(mutex_);
        if (!keeps_session_) return;
        counts_.resent += in_flight_;
        in_flight_ = 0;
        reconnected_ = clock_();
        if (waiting_) room_.notify_one();
        room = disarm_hook();
    }
    if (room) room_hook_();
}

void PublishWindow::wake() {
    bool room = false;
    {
        std::lock_guard lock(mutex_);
        if (waiting_) room_.notify_one();
        room = disarm_hook();
    }
    if (room) room_hook_();
}

bool PublishWindow::wait_until_empty(std::optional<std::chrono::steady_clock::time_point> deadline,
                                     const std::function<bool()>& may_wait) {
    std::unique_lock lock(mutex_);
    while (in_flight_ > 0) {
        if (!may_wait()) return false;
        waiting_ = true;
        wake_at_ = 0;
        // release() signals only when someone waits; wake periodically anyway so a
        // connection loss without a callback cannot strand us.
        const auto wake = std::chrono::steady_clock::now() + recheck_;
        if (deadline && *deadline < wake) {
            if (room_.wait_until(lock, *deadline) == std::cv_status::timeout && in_flight_ > 0) {
                waiting_ = false;
                return false;
            }
        } else {
            room_.wait_until(lock, wake);
        }
        waiting_ = false;
    }
    return true;
}

std::uint64_t PublishWindow::in_flight() const {
    std::lock_guard lock(mutex_);
    return in_flight_;
}

PublishCounts PublishWindow::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

std::string PublishWindow::first_error() const {
    std::lock_guard lock(mutex_);
    return first_error_;
}

std::uint64_t PublishWindow::unacknowledged_for() const {
    std::lock_guard lock(mutex_);
    return in_flight_ == 0 ? 0 : clock_() - progress_;
}

// Wakes the waiting publisher once the window has drained to wake_at_ (see
// publish_refill_mark()), or at once when the caller says so; says whether the armed room
// hook is due by the same rule.
bool PublishWindow::release(bool wake_now) {
    if (in_flight_ > 0) --in_flight_;
    if (waiting_ && (in_flight_ <= wake_at_ || wake_now)) room_.notify_one();
    if (!hook_armed_ || (in_flight_ > hook_at_ && !wake_now)) return false;
    hook_armed_ = false;
    return static_cast<bool>(room_hook_);
}

bool PublishWindow::disarm_hook() {
    const bool armed = hook_armed_;
    hook_armed_ = false;
    return armed && room_hook_;
}

}  // namespace mqtk
