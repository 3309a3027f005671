// The progress meter and the single-process coordinator (see coordinator.h).
#include "core/bench/coordinator.h"

#include <thread>

#include "core/clock.h"
#include "core/interrupt.h"

namespace mqtk {

ProgressMeter::ProgressMeter(ProgressHandler handler, bool storm, std::uint64_t start_ns)
    : handler_(std::move(handler)), storm_(storm), start_ns_(start_ns), last_ns_(start_ns) {}

void ProgressMeter::update(const WorkerStatus& status) {
    if (!handler_) return;
    const std::uint64_t now = monotonic_ns();
    const double interval = static_cast<double>(now - last_ns_) / 1e9;
    BenchProgress p;
    p.elapsed = static_cast<double>(now - start_ns_) / 1e9;
    p.phase = status.phase;
    p.sent = status.sent;
    p.received = status.received;
    p.connected = status.connected;
    p.failed = status.failed;
    p.storm = storm_;
    if (interval > 0) {
        p.send_rate =
            static_cast<double>(status.sent - std::min(status.sent, last_sent_)) / interval;
        p.receive_rate =
            static_cast<double>(status.received - std::min(status.received, last_received_)) /
            interval;
    }
    last_ns_ = now;
    last_sent_ = status.sent;
    last_received_ = status.received;
    handler_(p);
}

void ProgressMeter::finish() {
    if (!handler_) return;
    BenchProgress p;
    p.final = true;
    p.storm = storm_;
    handler_(p);
}

std::optional<std::uint64_t> LocalCoordinator::ready() {
    if (stop_requested()) return std::nullopt;
    return monotonic_ns();
}

bool LocalCoordinator::stop_requested() {
    return interrupted();
}

void LocalCoordinator::wait(std::chrono::milliseconds timeout) {
    std::this_thread::sleep_for(timeout);
}

}  // namespace mqtk
