// ParallelLoop and the bench's precise sleep (see parallel.h).
#include "core/bench/parallel.h"

#include <time.h>

#include <algorithm>

#include "core/clock.h"
#include "core/interrupt.h"

namespace mqtk {

ParallelLoop::ParallelLoop(std::size_t n, std::size_t threads,
                           std::function<void(std::size_t)> body)
    : n_(n), body_(std::move(body)) {
    const std::size_t count = std::min(threads, n);
    SignalBlock block;  // inherited by the threads
    threads_.reserve(count);
    for (std::size_t t = 0; t < count; ++t)
        threads_.emplace_back([this] { work(); });
}

ParallelLoop::~ParallelLoop() {
    join();
}

void ParallelLoop::work() {
    for (;;) {
        const std::size_t i = next_.fetch_add(1);
        if (i >= n_) return;
        if (stopping_.load()) {
            skipped_.fetch_add(1);
            continue;
        }
        body_(i);
        finished_.fetch_add(1);
    }
}

void ParallelLoop::join() {
    for (auto& thread : threads_) {
        if (thread.joinable()) thread.join();
    }
}

void ParallelLoop::run(std::size_t n, std::size_t threads, std::function<void(std::size_t)> body) {
    ParallelLoop loop(n, threads, std::move(body));
    loop.join();
}

bool sleep_until_ns(std::uint64_t when_ns, const std::function<bool()>& keep_waiting) {
    // Long waits in slices, so a stop is noticed within 50 ms.
    constexpr std::uint64_t kSlice = 50'000'000;
    for (;;) {
        const std::uint64_t now = monotonic_ns();
        if (now >= when_ns) return true;
        if (keep_waiting && !keep_waiting()) return false;
        const std::uint64_t until = std::min(when_ns, now + kSlice);
        timespec at{};
        at.tv_sec = static_cast<time_t>(until / 1'000'000'000);
        at.tv_nsec = static_cast<long>(until % 1'000'000'000);
        // steady_clock (monotonic_ns) is CLOCK_MONOTONIC on Linux.
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr);
    }
}

}  // namespace mqtk
