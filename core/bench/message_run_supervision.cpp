// The supervision of a bench message run (the caller's thread).
#include "core/bench/message_run_supervision.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/clock.h"

namespace mqtk::message_run {
namespace {

// How often the supervisor looks (measurements never depend on it: every end and
// arrival is timed where it happens).
constexpr auto kPoll = std::chrono::milliseconds(50);

}  // namespace

WorkerStatus Supervision::status(const char* phase) const {
    WorkerStatus st;
    st.phase = phase;
    for (const auto& p : publishers_)
        st.sent += p->sent_total.load(std::memory_order_relaxed);
    for (const auto& s : subscribers_)
        st.received += s->seen.load(std::memory_order_relaxed);
    st.connected = connected_;
    return st;
}

const char* Supervision::phase() const {
    const std::uint64_t now = monotonic_ns();
    if (now < timeline_.measure_ns) return "warm-up";
    // A worker without publishers knows the publishing is over when `expected` comes.
    const bool over = publishers_.empty() ? expected_.has_value() : published_;
    return over ? "draining" : "measuring";
}

void Supervision::supervise() {
    std::uint64_t next_status = 0;
    for (;;) {
        if (!timeline_.stopping && coordinator_.stop_requested()) {
            timeline_.stopping = true;
            timeline_.interrupted = true;
        }
        const std::uint64_t now = monotonic_ns();
        if (now >= next_status) {
            coordinator_.status(status(phase()));
            next_status = now + kStatusEvery;
        }
        if (!published_ && (publishers_.empty() || publishing_.done())) report_published();
        if (published_) {
            if (timeline_.stopping) return;
            if (!expected_) {
                expected_ = coordinator_.expected();
                if (expected_) drain_start_ns_ = monotonic_ns();
            }
            if (expected_ && drained()) return;
        }
        coordinator_.wait(kPoll);
    }
}

// Tells the coordinator what this worker's publishers sent.
void Supervision::report_published() {
    std::vector<PublisherTally> mine;
    for (const auto& p : publishers_)
        mine.push_back({p->index, p->measured});
    coordinator_.published(mine);
    published_ = true;
}

std::uint64_t Supervision::expected_for(const SubscriberState& s) const {
    std::uint64_t n = 0;
    for (const auto& p : *expected_) {
        if (s.hears < 0 || static_cast<std::int64_t>(p.index) == s.hears) n += p.sent;
    }
    return n;
}

bool Supervision::drained() {
    if (subscribers_.empty()) return true;
    const std::uint64_t now = monotonic_ns();
    const std::uint64_t cap = timeline_.drain_deadline_ns != 0
                                  ? timeline_.drain_deadline_ns.load()
                                  : timeline_.drain_deadline(drain_start_ns_);
    if (now >= cap) {
        log_.note_error("drain_cap", fmt::format("messages were still arriving after {:.1f} s of "
                                                 "draining",
                                                 ns_to_seconds(now - drain_start_ns_)));
        return true;
    }
    // An arrival timed on the receive thread after `now` was read is later than it:
    // unsigned, now - last would be huge and end the drain in the middle of a stream
    // (seen: half of a worker process's messages reported lost).
    const std::uint64_t last = std::max(arrivals_.last_arrival_ns(), drain_start_ns_);
    if (now > last && now - last >= kQuiet) return true;
    // Other shards' publishers are not in `expected`: only silence ends their drain.
    if (context_.shard.count > 1) return false;
    return std::all_of(subscribers_.begin(), subscribers_.end(), [&](const auto& s) {
        return s->lost || s->unique.load() >= expected_for(*s);
    });
}

}  // namespace mqtk::message_run
