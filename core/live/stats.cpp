// The --stats stream (see stats.h).
#include "core/live/stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/error.h"

namespace mqtk {
namespace {

using json = nlohmann::ordered_json;

double rate(std::uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

std::uint64_t minus(std::uint64_t now, std::uint64_t before) {
    return now >= before ? now - before : 0;
}

json latency_json(const Histogram& h) {
    return {{"count", h.count()},
            {"min_ns", h.min()},
            {"p50_ns", h.value_at_percentile(50)},
            {"p90_ns", h.value_at_percentile(90)},
            {"p99_ns", h.value_at_percentile(99)},
            {"p99.9_ns", h.value_at_percentile(99.9)},
            {"max_ns", h.max()}};
}

json figures_json(const LiveFigures& f, double seconds) {
    json latency = json::object();
    for (const auto& [name, histogram] : f.latencies)
        latency[name] = latency_json(histogram);
    return {
        {"seconds", seconds},
        {"messages",
         {{"sent", f.sent},
          {"received", f.received},
          {"lost", f.lost},
          {"duplicates", f.duplicated},
          {"out_of_order", f.out_of_order},
          {"send_rate", rate(f.sent, seconds)},
          {"receive_rate", rate(f.received, seconds)}}},
        {"connections",
         {{"up", f.connections_up}, {"lost", f.connections_lost}, {"reconnected", f.reconnected}}},
        {"latency", std::move(latency)}};
}

const Histogram* find_latency(const LiveFigures& f, const std::string& name) {
    for (const auto& [n, histogram] : f.latencies) {
        if (n == name) return &histogram;
    }
    return nullptr;
}

// now - before, the gauge as it is now.
LiveFigures difference(const LiveFigures& now, const LiveFigures& before) {
    LiveFigures d;
    d.command = now.command;
    d.sent = minus(now.sent, before.sent);
    d.received = minus(now.received, before.received);
    d.lost = minus(now.lost, before.lost);
    d.duplicated = minus(now.duplicated, before.duplicated);
    d.out_of_order = minus(now.out_of_order, before.out_of_order);
    d.connections_up = now.connections_up;
    d.connections_lost = minus(now.connections_lost, before.connections_lost);
    d.reconnected = minus(now.reconnected, before.reconnected);
    for (const auto& [name, histogram] : now.latencies) {
        const Histogram* earlier = find_latency(before, name);
        d.latencies.emplace_back(name, earlier ? histogram.since(*earlier) : histogram);
    }
    return d;
}

std::string wall_clock_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:03d}Z", std::string_view(text, n), static_cast<int>(ms));
}

// One write(2) per line: no stdio lock, which a bench worker forked meanwhile could
// inherit held.
void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // a full disk or a closed pipe costs the stream, not the run
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

json stats_line(const LiveFigures& now, const LiveFigures* before, const StatsMoment& moment) {
    const LiveFigures interval = before ? difference(now, *before) : now;
    return json{{"time", moment.time},
                {"elapsed_s", moment.elapsed},
                {"command", now.command},
                {"final", moment.final},
                {"interval", figures_json(interval, moment.interval)},
                {"total", figures_json(now, moment.elapsed)}};
}

StatsStream::StatsStream(const std::string& path, double interval, std::string command,
                         const LiveHub& hub)
    : interval_ns_(static_cast<std::uint64_t>(interval * 1e9)),
      command_(std::move(command)),
      hub_(hub) {
    if (!(interval > 0)) throw usage_error("--stats-interval must be positive");
    interval_ns_ = std::max<std::uint64_t>(interval_ns_, 1'000'000);  // 1 ms at least
    if (path == "-") {
        fd_ = STDERR_FILENO;
        return;
    }
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) throw usage_error("--stats {}: {}", path, std::strerror(errno));
    owns_fd_ = true;
}

StatsStream::~StatsStream() {
    stop();
    if (owns_fd_) ::close(fd_);
}

void StatsStream::start() {
    start_ns_ = monotonic_ns();
    last_ns_ = start_ns_;
    thread_ = std::thread([this] { run(); });
}

void StatsStream::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (start_ns_ != 0) write_line(/*final=*/true);
}

void StatsStream::run() {
    // Lines at start + k * interval, whatever writing one cost.
    std::uint64_t next = start_ns_ + interval_ns_;
    std::unique_lock lock(mutex_);
    for (;;) {
        const auto due = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next));
        if (wake_.wait_until(lock, due, [this] { return stopping_; })) return;
        lock.unlock();
        write_line(/*final=*/false);
        lock.lock();
        next += interval_ns_;
        const std::uint64_t now = monotonic_ns();
        if (next <= now) next = now + interval_ns_;  // fell behind (a stopped process)
    }
}

void StatsStream::write_line(bool final) {
    LiveFigures now = hub_.figures().value_or(LiveFigures{});
    if (now.command.empty()) now.command = command_;
    const std::uint64_t now_ns = monotonic_ns();
    StatsMoment moment;
    moment.time = wall_clock_now();
    moment.elapsed = static_cast<double>(now_ns - start_ns_) / 1e9;
    moment.interval = static_cast<double>(now_ns - last_ns_) / 1e9;
    moment.final = final;
    const std::string line = stats_line(now, last_ ? &*last_ : nullptr, moment).dump() + "\n";
    write_all(fd_, line);
    last_ = std::move(now);
    last_ns_ = now_ns;
}

}  // namespace mqtk
