// The publishing thread of a bench message run, and its publishes' completions.
//
// Timing: every payload carries the time it was meant to leave. In closed loop that is
// the moment it is handed to the client (a publisher sends only while its in-flight
// window has room, so the broker's pace sets the rate); in open loop it is the message's
// slot on the fixed schedule, so a stalled broker - or a late generator - shows up as
// latency of the messages that queued behind it rather than as fewer samples
// (coordinated omission).
#include "core/bench/message_run_publishing.h"

#include <fmt/format.h>
#include <sys/prctl.h>

#include <algorithm>
#include <chrono>

#include "core/bench/parallel.h"
#include "core/bench/payload.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/interrupt.h"

namespace mqtk::message_run {
namespace {

// Open loop: a due message is still sent this long after the end of the schedule (a
// generator a few slots late at the end is not a partial run); what is left then is
// reported as due and not sent.
constexpr std::uint64_t kLateGrace = 100 * kMs;
// Closed loop with --count: a publisher whose window has been full without any
// acknowledgement this long gives up (RabbitMQ 3.10 answers QoS 2 with PUBACK, and Paho
// then waits for ever for a PUBREC).
constexpr std::uint64_t kStall = 10 * kSecond;
constexpr auto kAckRecheck = std::chrono::milliseconds(100);

// The first slot k with slot(k) >= t.
template <typename Slot>
std::uint64_t first_slot_from(std::uint64_t t, const Slot& slot, double interval) {
    const std::uint64_t start = slot(0);
    if (t <= start) return 0;
    auto k = static_cast<std::uint64_t>(static_cast<double>(t - start) / interval);
    while (k > 0 && slot(k - 1) >= t)
        --k;
    while (slot(k) < t)
        ++k;
    return k;
}

// Measured slots in [from, to), publisher k % n each, at most `count` per publisher.
std::uint64_t due_slots(std::uint64_t from, std::uint64_t to, std::size_t n, std::uint64_t count) {
    if (to <= from) return 0;
    std::uint64_t due = 0;
    const std::uint64_t slots = to - from;
    for (std::size_t j = 0; j < n; ++j) {
        // Slots of publisher (from + j) % n among them.
        std::uint64_t mine = slots > j ? (slots - j + n - 1) / n : 0;
        if (count) mine = std::min(mine, count);
        due += mine;
    }
    return due;
}

}  // namespace

void Publishing::start() {
    SignalBlock block;  // the thread inherits it: signals go to the supervisor
    if (publishers_.empty()) return;
    thread_ = std::thread([this] {
        if (options_.rate) {
            open_loop();
        } else {
            closed_loop();
        }
        await_acknowledgements();
        done_.store(true);
    });
}

// Stamps and publishes the next message of `p`: Sent::NoRoom when its window is full
// (closed loop), Sent::Never once it cannot publish.
Publishing::Sent Publishing::send(PublisherState& p, std::uint64_t stamp, bool warmup,
                                  const Connection::GiveUp* give_up) {
    p.header.sent_ns = stamp;
    p.header.warmup = warmup;
    encode_bench_header(p.header, p.message.payload);
    try {
        // Closed loop fills every window without waiting on any; open loop waits for room,
        // but never past the end of the schedule.
        if (!give_up) {
            if (!p.client->publish_if_room(p.message)) return Sent::NoRoom;
        } else if (!p.client->publish(p.message, *give_up)) {
            return Sent::Never;
        }
    } catch (const Error& error) {
        p.failed = true;
        if (p.client->is_connected()) {
            log_.note_error("publish_failed", error.what());
        } else {
            log_.connection_lost("publisher", p.index, p.lost, error.what());
        }
        return Sent::Never;
    }
    ++p.header.sequence;
    p.sent_total.fetch_add(1, std::memory_order_relaxed);
    if (!warmup) {
        ++p.measured;
        last_handover_ns_ = stamp;
    }
    return Sent::Yes;
}

// Whether `p` may publish a message stamped `now`; false once it is done for good.
bool Publishing::may_continue(const PublisherState& p, std::uint64_t now) const {
    if (timeline_.stopping || p.failed) return false;
    if (now < timeline_.measure_ns) return true;
    if (timeline_.end_ns != 0 && now >= timeline_.end_ns) return false;
    return !options_.count || p.measured < static_cast<std::uint64_t>(*options_.count);
}

// Closed loop: every publisher keeps its in-flight window full, all from this one
// thread. A thread per publisher would cost a wake-up (and a fight over Paho's lock)
// per message; here one wake-up refills every window that has room.
void Publishing::closed_loop() {
    sleep_until_ns(timeline_.go_ns, [this] { return !timeline_.stopping; });
    std::vector<PublisherState*> active;
    for (auto& p : publishers_)
        active.push_back(p.get());
    while (!active.empty()) {
        bool sent = false;
        // Cleared before any window is tried: room made from here on is seen by the wait.
        room_signalled_.store(false);
        for (std::size_t i = 0; i < active.size();) {
            PublisherState& p = *active[i];
            bool done = false;
            for (;;) {
                const std::uint64_t now = monotonic_ns();
                if (!may_continue(p, now)) {
                    done = true;
                    break;
                }
                const Sent result = send(p, now, now < timeline_.measure_ns, nullptr);
                if (result == Sent::NoRoom) break;
                if (result == Sent::Never) {
                    done = true;
                    break;
                }
                sent = true;
            }
            // Asked with a full window too: one that never drains (a lost connection,
            // whose in-flight publishes Paho need not fail) must not hold the thread
            // past the end of the run, a stop or the failure (seen: a bench whose
            // broker died under load hung until killed).
            if (!done && !may_continue(p, monotonic_ns())) done = true;
            if (done) {
                active[i] = active.back();
                active.pop_back();
            } else {
                ++i;
            }
        }
        if (!sent && !active.empty()) {
            drop_stalled(active);
            if (!active.empty()) wait_for_room();
        }
    }
}

// Closed loop with --count has no end of its own: a publisher that has waited kStall
// for any acknowledgement gives up (looked at when the thread is about to wait, at
// most every 100 ms: nothing per message).
void Publishing::drop_stalled(std::vector<PublisherState*>& active) {
    if (!options_.count || options_.qos == 0) return;
    const std::uint64_t now = monotonic_ns();
    if (now < next_stall_check_) return;
    next_stall_check_ = now + 100 * kMs;
    for (std::size_t i = 0; i < active.size();) {
        PublisherState& p = *active[i];
        if (static_cast<std::uint64_t>(p.client->unacknowledged_for().count()) < kStall) {
            ++i;
            continue;
        }
        log_.note_error("stalled", fmt::format("publisher {} gave up: the broker acknowledged "
                                               "nothing for {} s",
                                               p.index, kStall / kSecond));
        active[i] = active.back();
        active.pop_back();
    }
}

// Sleeps until some full window has drained to its refill mark (room()), or 10 ms passed,
// to notice the end of the run.
void Publishing::wait_for_room() {
    std::unique_lock lock(room_mutex_);
    waiting_for_room_ = true;
    room_.wait_for(lock, std::chrono::milliseconds(10), [this] { return room_signalled_.load(); });
    waiting_for_room_ = false;
}

void Publishing::room() {
    room_signalled_.store(true);
    // The flag first: a publishing thread that starts to wait after this sees it.
    if (waiting_for_room_.load()) {
        std::lock_guard lock(room_mutex_);
        room_.notify_one();
    }
}

// All of this worker's publishers in turn on one fixed schedule: message k is due at
// go + k / (this worker's share of --rate). The schedule ends at --duration (with
// --count, after the count's slots); what is due by then and not sent by kLateGrace
// later is left unsent and reported, so a rate beyond what the setup carries ends on
// time too.
void Publishing::open_loop() {
    const std::size_t n = publishers_.size();
    const double share = static_cast<double>(n) / static_cast<double>(options_.publishers);
    const double interval = 1e9 / (*options_.rate * share);
    const auto count = static_cast<std::uint64_t>(options_.count.value_or(0));
    const std::uint64_t go_ns = timeline_.go_ns;
    const auto slot = [&](std::uint64_t k) {
        return go_ns + static_cast<std::uint64_t>(static_cast<double>(k) * interval);
    };
    const std::uint64_t measure_ns = timeline_.measure_ns;
    const std::uint64_t first_measured = first_slot_from(measure_ns, slot, interval);
    const std::uint64_t schedule_end =
        timeline_.end_ns != 0 ? timeline_.end_ns : slot(first_measured + count * n);
    const std::uint64_t give_up_at = schedule_end + kLateGrace;
    const Connection::GiveUp give_up = [this, give_up_at] {
        return timeline_.stopping.load() || monotonic_ns() >= give_up_at;
    };
    // The default 50 us timer slack would bunch messages at high rates.
    prctl(PR_SET_TIMERSLACK, 1000UL);
    std::uint64_t k = 0;
    bool out_of_time = false;
    for (; !timeline_.stopping; ++k) {
        const std::uint64_t due = slot(k);
        const bool warmup = due < timeline_.measure_ns;
        if (!warmup && due >= schedule_end) break;
        PublisherState& p = *publishers_[k % n];
        if (k % n == 0 && !any_active(warmup, count)) break;
        if (p.failed || (!warmup && count && p.measured >= count)) continue;
        if (!wait_for_slot(due, interval)) break;
        const std::uint64_t now = monotonic_ns();
        if (now >= give_up_at) {
            out_of_time = true;
            break;
        }
        if (!warmup) schedule_lag_.record(now - due);
        send(p, due, warmup, &give_up);
    }
    // Out of time: every slot before the end was due. Otherwise the run ended at slot
    // k (its end, a stop, or no publisher left), and what came after was never due.
    const std::uint64_t limit = out_of_time || (!timeline_.stopping && monotonic_ns() >= give_up_at)
                                    ? first_slot_from(schedule_end, slot, interval)
                                    : k;
    due_ = due_slots(first_measured, limit, n, count);
}

// Sleeps until `due`. A timer wakes this thread some 40-60 us late on a VM, and that
// lateness is latency (it counts from the slot); when slots are under 2 ms apart it
// wakes 50 us early and spins the rest, which costs at most 50 us of CPU per message
// (5% of a core at 1,000 msg/s) and took the p50 at 1,000 msg/s from ~1.8x to ~1.4x
// of an echo ping-pong's. Slower schedules sleep all the way (CPU matters more there).
bool Publishing::wait_for_slot(std::uint64_t due, double interval) {
    constexpr std::uint64_t kSpin = 50'000;
    constexpr double kSpinBelow = 2e6;
    if (interval >= kSpinBelow || due < kSpin) {
        return sleep_until_ns(due, [this] { return !timeline_.stopping; });
    }
    if (!sleep_until_ns(due - kSpin, [this] { return !timeline_.stopping; })) return false;
    while (monotonic_ns() < due) {
    }
    return true;
}

bool Publishing::any_active(bool warmup, std::uint64_t count) const {
    return std::any_of(publishers_.begin(), publishers_.end(), [&](const auto& p) {
        return !p->failed && (warmup || count == 0 || p->measured < count);
    });
}

void Publishing::acknowledged(std::uint64_t published_ns, bool ok) {
    if (!ok || published_ns < timeline_.measure_ns.load(std::memory_order_relaxed)) return;
    const std::uint64_t now = monotonic_ns();
    std::lock_guard lock(ack_mutex_);
    publish_ack_.record(now - published_ns);
    last_ack_ns_ = std::max(last_ack_ns_, now);
}

// On the publishing thread, when it is done: waits for the acknowledgements still
// out, until none came for kQuiet or the drain's cap.
void Publishing::await_acknowledgements() {
    const std::uint64_t deadline = timeline_.drain_deadline(monotonic_ns());
    timeline_.drain_deadline_ns = deadline;
    for (auto& p : publishers_) {
        if (timeline_.stopping || p->failed) continue;
        bool done = false;
        while (!done && !timeline_.stopping && !p->failed) {
            done = p->client->wait_for_completion(std::chrono::steady_clock::now() + kAckRecheck);
            const auto quiet = static_cast<std::uint64_t>(p->client->unacknowledged_for().count());
            if (quiet >= kQuiet || monotonic_ns() >= deadline) break;
            if (!p->client->is_connected()) break;
        }
        if (done || p->failed) continue;
        const auto counts = p->client->counts();
        const auto missing = counts.sent - counts.completed - counts.failed - counts.dropped;
        log_.note_error("unacknowledged",
                        fmt::format("{} publishes of publisher {} not acknowledged at the end of "
                                    "the drain",
                                    missing, p->index),
                        missing);
    }
}

void Publishing::clear_retained() {
    if (!options_.retain) return;
    for (auto& p : publishers_) {
        if (p->failed) continue;
        Message empty = p->message;
        empty.payload.clear();
        try {
            p->client->publish(empty, [] { return interrupted(); });
            p->client->wait_for_completion(std::chrono::steady_clock::now() +
                                           std::chrono::nanoseconds(kQuiet));
        } catch (const Error&) {
            // Gone: nothing to clean with it.
        }
    }
}

void Publishing::collect(BenchResult& r) {
    for (const auto& p : publishers_) {
        r.sent += p->measured;
        r.sent_total += p->sent_total;
        r.publishers.push_back({p->index, p->measured});
        const auto counts = p->client->counts();
        if (counts.failed > 0) {
            log_.note_error("publish_failed", p->client->first_publish_error(), counts.failed);
        }
        if (counts.dropped > 0) {
            log_.note_error("publish_dropped", "in flight when the connection was lost",
                            counts.dropped);
        }
    }
    r.due = due_;
    std::lock_guard ack_lock(ack_mutex_);
    const std::uint64_t send_end = std::max(last_handover_ns_, last_ack_ns_);
    const std::uint64_t measure_ns = timeline_.measure_ns;
    if (send_end > measure_ns) r.send_window = ns_to_seconds(send_end - measure_ns);
    r.publish_ack = publish_ack_;
    r.schedule_lag = schedule_lag_;
}

}  // namespace mqtk::message_run
