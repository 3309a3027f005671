// What the parts of one bench message run share: its timeline, each publisher's and
// subscriber's state, and the log of errors and lost connections. The parts:
// message_run.cpp (set-up, the order of the run, the result), the publishing
// (message_run_publishing.*, one publishing thread), the arrivals (message_run_arrivals.*,
// Paho's receive thread) and the supervision (message_run_supervision.*, the caller's
// thread).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/bench/options.h"
#include "core/bench/payload.h"
#include "core/bench/result.h"
#include "core/bench/sequence.h"
#include "core/clock.h"
#include "core/connection/client.h"
#include "core/live.h"
#include "core/message.h"

namespace mqtk::message_run {

inline constexpr std::uint64_t kMs = 1'000'000;
inline constexpr std::uint64_t kSecond = 1'000 * kMs;
inline constexpr std::uint64_t kStatusEvery = 250 * kMs;
// The drain after the publishing ends once every publish is acknowledged and every
// subscriber has everything, or after two seconds without any acknowledgement (resp.
// arrival): what has not come by then is unacknowledged (resp. lost). And it ends at the
// cap while they still trickle in: 10 s after the publishing, or as long again as the
// publishing lasted if that is longer (mosquitto 2.0.11 flooded with QoS 2 delivers in
// bursts seconds apart, and then not at all: mosquitto_sub sees the same). So a run ends
// by --warmup + --duration + the cap + the disconnect, whatever the broker does.
inline constexpr std::uint64_t kQuiet = 2 * kSecond;
inline constexpr std::uint64_t kDrainCap = 10 * kSecond;
// QoS 0 publishes queued per client: 10 publishers x 20,000 at 16 B measured 5.4 us of
// CPU per message at 32, 5.8-6.3 at 128, 9-11 at 512 (Paho's command queue is scanned)
// and 6.5-7.9 at 8 (more wake-ups).
inline constexpr std::uint64_t kQos0Window = 32;

inline std::uint64_t seconds_to_ns(double seconds) {
    return static_cast<std::uint64_t>(seconds * 1e9);
}

inline double ns_to_seconds(std::uint64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

// When the run's phases begin and end (monotonic_ns()), and whether it is stopping.
struct Timeline {
    std::uint64_t go_ns = 0;
    std::atomic<std::uint64_t> measure_ns{UINT64_MAX};
    std::uint64_t end_ns = 0;                         // 0: ends by count
    std::atomic<std::uint64_t> drain_deadline_ns{0};  // set when the publishing thread drains
    std::atomic<bool> stopping{false};
    bool interrupted = false;  // the caller's thread

    void schedule(std::uint64_t go, const BenchOptions& options) {
        go_ns = go;
        measure_ns = go + seconds_to_ns(options.warmup);
        if (!options.count) {
            end_ns = measure_ns + seconds_to_ns(options.duration.value_or(10.0));
        }
    }

    // When the drain that starts at `from` must end (see kDrainCap).
    std::uint64_t drain_deadline(std::uint64_t from) const {
        return from + std::max(kDrainCap, from > go_ns ? from - go_ns : 0);
    }
};

struct PublisherState {
    std::uint32_t index = 0;
    std::unique_ptr<Client> client;
    Message message;
    BenchHeader header;
    std::atomic<std::uint64_t> sent_total{0};  // read by the supervisor for progress
    std::atomic<std::uint64_t> completed{0};   // written on Paho's threads
    LiveCounter measured;                      // written by the publishing thread only
    std::atomic<bool> failed{false};
    std::atomic<bool> lost{false};  // its connection broke (counted once)
    // Publishes in flight at once: the broker's receive maximum at QoS 1/2; at QoS 0,
    // which completes as soon as it is written, kQos0Window.
    std::uint64_t window = 20;

    std::uint64_t in_flight() const { return sent_total.load() - completed.load(); }
    // Enough room to be worth a refill, by the rule Client::publish follows.
    bool has_room(int qos) const {
        return in_flight() <= publish_refill_mark(qos, static_cast<std::size_t>(window));
    }
};

struct SubscriberState {
    explicit SubscriberState(std::size_t streams) : tracker(streams) {}
    std::uint32_t index = 0;
    std::int64_t hears = -1;
    std::unique_ptr<Client> client;
    SequenceTracker tracker;  // receive thread only; every arrival, warm-up included
    // Measured messages only (warm-up ones are excluded from the results, loss included):
    std::atomic<std::uint64_t> unique{0};  // distinct, also read by the drain
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
    std::atomic<std::uint64_t> seen{0};  // distinct arrivals of any kind, for progress
    std::atomic<bool> lost{false};
};

using PublisherList = std::vector<std::unique_ptr<PublisherState>>;
using SubscriberList = std::vector<std::unique_ptr<SubscriberState>>;

// Errors by kind, and the connections lost, from any thread.
class RunLog {
  public:
    void note_error(const std::string& kind, const std::string& message, std::uint64_t n = 1) {
        std::lock_guard lock(mutex_);
        auto& tally = errors_[kind];
        tally.count += n;
        if (tally.example.empty()) tally.example = message;
    }

    // Counts the connection of `role` `index` as lost, unless `lost` says it already was.
    void connection_lost(const char* role, std::uint32_t index, std::atomic<bool>& lost,
                         const std::string& cause) {
        if (lost.exchange(true)) return;
        const std::uint64_t now = monotonic_ns();
        note_error("connection_lost", cause);
        std::lock_guard lock(mutex_);
        losses_.push_back({now, {role, index, 0.0, cause}});
    }

    // Connections lost so far (the live figures).
    std::uint64_t losses() const {
        std::lock_guard lock(mutex_);
        return losses_.size();
    }

    // The errors, and the losses in order, timed from the start of the measurement (or
    // from the loss itself, when the run never got there).
    void collect(BenchResult& r, std::uint64_t measure_ns) {
        std::lock_guard lock(mutex_);
        r.errors = errors_;
        for (auto [at_ns, loss] : losses_) {
            const std::uint64_t zero = measure_ns == UINT64_MAX ? at_ns : measure_ns;
            loss.at = at_ns >= zero ? ns_to_seconds(at_ns - zero) : -ns_to_seconds(zero - at_ns);
            r.connections_lost.push_back(loss);
        }
        std::sort(r.connections_lost.begin(), r.connections_lost.end(),
                  [](const auto& a, const auto& b) { return a.at < b.at; });
    }

  private:
    mutable std::mutex mutex_;
    std::map<std::string, ErrorTally> errors_;
    std::vector<std::pair<std::uint64_t, ConnectionLoss>> losses_;  // monotonic_ns(), what
};

}  // namespace mqtk::message_run
