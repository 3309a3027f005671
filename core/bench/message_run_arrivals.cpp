// A bench message run's arrivals, on Paho's receive thread.
#include "core/bench/message_run_arrivals.h"

#include <fmt/format.h>

#include "core/bench/payload.h"
#include "core/bench/sequence.h"
#include "core/clock.h"

namespace mqtk::message_run {

void Arrivals::arrived(SubscriberState& s, const Message& message) {
    const std::uint64_t now = monotonic_ns();
    last_arrival_ns_.store(now, std::memory_order_relaxed);
    // Empty: the clean-up of a retained message. Retained on arrival: left over on
    // the broker from before this run (live messages arrive with retain unset).
    if (message.payload.empty() || message.retain) return;
    const auto header = decode_bench_header(message.payload);
    if (!header || header->publisher >= options_.publishers ||
        (s.hears >= 0 && header->publisher != s.hears)) {
        log_.note_error(
            "invalid_payload",
            fmt::format("a message on '{}' without a valid bench header", message.topic));
        return;
    }
    if (header->run != context_.run_tag) {
        log_.note_error("foreign",
                        fmt::format("a bench message of another run on '{}'", message.topic));
        return;
    }
    std::lock_guard lock(mutex_);
    const std::size_t stream = s.hears >= 0 ? 0 : header->publisher;
    const Arrival arrival = s.tracker.record(stream, header->sequence);
    if (arrival != Arrival::Duplicate) s.seen.fetch_add(1, std::memory_order_relaxed);
    if (header->warmup) return;
    if (arrival == Arrival::Duplicate) {
        ++s.duplicates;
        return;
    }
    if (arrival == Arrival::OutOfOrder) ++s.out_of_order;
    s.unique.fetch_add(1, std::memory_order_relaxed);
    measured_received_.fetch_add(1, std::memory_order_relaxed);
    last_measured_ns_ = now;
    // Only a publisher of this shard shares our clock.
    if (context_.slice.publishers.contains(header->publisher)) {
        end_to_end_.record(bench_latency_ns(header->sent_ns, now));
    }
}

// Under the receive thread's lock, briefly (a copy of the histogram): the per-subscriber
// counts are plain, and the histogram must be read whole.
void Arrivals::live(LiveFigures& figures, const SubscriberList& subscribers) {
    std::lock_guard lock(mutex_);
    figures.received = measured_received_;
    for (const auto& s : subscribers) {
        figures.duplicated += s->duplicates;
        figures.out_of_order += s->out_of_order;
    }
    figures.latencies.emplace_back("end_to_end", end_to_end_);
}

void Arrivals::collect(BenchResult& r, const SubscriberList& subscribers,
                       std::uint64_t measure_ns) {
    std::lock_guard lock(mutex_);
    r.received = measured_received_;
    if (last_measured_ns_ > measure_ns) {
        r.receive_window = ns_to_seconds(last_measured_ns_ - measure_ns);
    }
    for (const auto& s : subscribers)
        r.subscribers.push_back({s->index, s->hears, s->unique, s->duplicates, s->out_of_order});
    r.end_to_end = end_to_end_;
}

}  // namespace mqtk::message_run
