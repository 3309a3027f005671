// A tiny parallel loop for bench: items 0..n-1 handed out to a few threads, so that many
// connects (or disconnects) are in flight at once while the calling thread stays free to
// report progress. Client::connect blocks until CONNACK; with one thread the connection
// rate would be bounded by one round trip plus Paho's command latency.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace mqtk {

class ParallelLoop {
  public:
    // Starts min(threads, n) threads (SIGINT/SIGTERM blocked in them, so signals reach
    // the main thread) that call body(i) for every i in 0..n-1, each exactly once.
    ParallelLoop(std::size_t n, std::size_t threads, std::function<void(std::size_t)> body);
    ~ParallelLoop();  // join()
    ParallelLoop(const ParallelLoop&) = delete;
    ParallelLoop& operator=(const ParallelLoop&) = delete;

    // Items whose body returned.
    std::size_t finished() const { return finished_.load(std::memory_order_relaxed); }
    bool done() const { return finished() + skipped_.load(std::memory_order_relaxed) >= n_; }
    // Hands out no further items (those running finish).
    void stop() { stopping_.store(true); }
    void join();

    // Runs the whole loop and returns when every item is done.
    static void run(std::size_t n, std::size_t threads, std::function<void(std::size_t)> body);

  private:
    void work();

    std::size_t n_;
    std::function<void(std::size_t)> body_;
    std::atomic<std::size_t> next_{0};
    std::atomic<std::size_t> finished_{0};
    std::atomic<std::size_t> skipped_{0};
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;
};

// Sleeps until monotonic_ns() >= when_ns, asking keep_waiting() (if given) at least every
// 50 ms; false when it said stop before the time came.
bool sleep_until_ns(std::uint64_t when_ns, const std::function<bool()>& keep_waiting);

}  // namespace mqtk
