// The connection storm (see storm.h for what limits it and how).
#include "core/bench/storm.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>

#include "core/bench/parallel.h"
#include "core/clock.h"
#include "core/connection/client.h"
#include "core/error.h"

namespace mqtk {
namespace {

constexpr std::uint64_t kMs = 1'000'000;
// Connects in flight at once: enough that each turn of Paho's receive thread (which
// polls every socket, so costs grow with the connections already open) finds many
// sockets ready, few enough that Paho's command queue stays short (it is scanned per
// command).
constexpr std::size_t kConnectWindow = 256;
// Disconnects in flight at once (Client::disconnect blocks until Paho is done).
constexpr std::size_t kCloseThreads = 8;
constexpr std::uint64_t kStatusEvery = 250 * kMs;
constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kDisconnectTimeout = std::chrono::milliseconds(1000);

std::string error_kind(const Error& error) {
    switch (error.code()) {
        case ExitCode::Unreachable:
            return "connect_unreachable";
        case ExitCode::Refused:
            return "connect_refused";
        default:
            return "connect_failed";
    }
}

class StormRun {
  public:
    StormRun(const ConnectOptions& connection, const BenchOptions& options,
             const BenchContext& context, const WorkerPlan& plan, BenchCoordinator& coordinator)
        : connection_(connection),
          options_(options),
          context_(context),
          plan_(plan),
          coordinator_(coordinator),
          clients_(plan.connections.count) {}

    BenchResult run() {
        const std::size_t memory_before = resident_bytes();
        const auto go = coordinator_.ready();
        if (!go) return collect(true);
        go_ns_ = *go;
        {
            const ConnectBurst connecting;
            open_all();
        }
        connect_window_ = last_connack_ns_ > go_ns_ ? last_connack_ns_ - go_ns_ : 0;
        const std::size_t memory_after = resident_bytes();
        memory_ = memory_after > memory_before ? memory_after - memory_before : 0;
        hold();
        close_all();
        return collect(stopping_);
    }

  private:
    ConnectOptions client_options(std::size_t index) const {
        ConnectOptions o = connection_;
        o.client_id = fmt::format("{}-c{}", context_.client_base, index);
        o.id_prefix.clear();
        o.tcp_nodelay = false;  // idle connections; the helper is O(fds) per connect
        return o;
    }

    std::uint64_t due(std::size_t k) const {
        if (plan_.connection_rate <= 0) return go_ns_;
        return go_ns_ +
               static_cast<std::uint64_t>(static_cast<double>(k) * 1e9 / plan_.connection_rate);
    }

    // Starts connection k at its slot on the schedule, once fewer than kConnectWindow
    // connects are in flight; finished() hears the outcome on Paho's thread.
    void start_all() {
        for (std::size_t k = 0; k < clients_.size() && !stopping_; ++k) {
            const std::uint64_t scheduled = due(k);
            if (!sleep_until_ns(scheduled, [this] { return !stopping_; })) break;
            {
                std::unique_lock lock(window_mutex_);
                room_.wait(lock, [this] { return in_flight_ < kConnectWindow || stopping_; });
                if (stopping_) break;
                ++in_flight_;
            }
            auto client =
                std::make_unique<Client>(client_options(plan_.connections.first + k), "bench");
            client->on_connection_lost([this](const std::string& cause) {
                if (closing_) return;
                dropped_.fetch_add(1);
                note_error("connection_lost", cause);
            });
            Client& started = *client;
            {
                // Kept even if the connect fails: a client is never destroyed from inside
                // its own callback.
                std::lock_guard lock(mutex_);
                clients_[k] = std::move(client);
            }
            const std::uint64_t start = monotonic_ns();
            try {
                started.connect_async([this, start, scheduled](const Error* failure) {
                    finished(start, scheduled, failure);
                });
            } catch (const Error& error) {
                finished(start, scheduled, &error);
            }
        }
    }

    void finished(std::uint64_t start, std::uint64_t scheduled, const Error* failure) {
        const std::uint64_t now = monotonic_ns();
        if (failure) {
            failed_.fetch_add(1);
            note_error(error_kind(*failure), failure->what());
        } else {
            // With --conn-rate the clock starts at the connection's slot on the schedule,
            // so a backlog shows as latency (as --rate does for messages).
            const std::uint64_t took = now - (plan_.connection_rate > 0 ? scheduled : start);
            std::lock_guard lock(mutex_);
            connect_.record(took);
            last_connack_ns_ = std::max(last_connack_ns_, now);
            ++connected_;
        }
        {
            std::lock_guard lock(window_mutex_);
            --in_flight_;
        }
        room_.notify_one();
    }

    void open_all() {
        ParallelLoop scheduler(1, 1, [this](std::size_t) { start_all(); });
        watch("connecting", [&] {
            std::lock_guard lock(window_mutex_);
            return !scheduler.done() || in_flight_ > 0;
        });
        scheduler.join();
    }

    void close_all() {
        closing_ = true;
        const std::uint64_t start = monotonic_ns();
        ParallelLoop loop(clients_.size(), kCloseThreads, [this](std::size_t k) {
            if (clients_[k]) clients_[k]->disconnect(kDisconnectTimeout);
        });
        watch(
            "closing", [&] { return !loop.done(); }, [&] { loop.stop(); });
        loop.join();
        disconnect_time_ = static_cast<double>(monotonic_ns() - start) / 1e9;
    }

    // Reports progress while `busy()`; a stop request is passed on to the schedule (and to
    // `stop`, if given).
    void watch(const char* phase, const std::function<bool()>& busy,
               const std::function<void()>& stop = nullptr) {
        std::uint64_t next_status = 0;
        while (busy()) {
            if (coordinator_.stop_requested() && !stopping_) {
                stopping_ = true;
                room_.notify_all();
                if (stop) stop();
            }
            if (monotonic_ns() >= next_status) {
                report(phase);
                next_status = monotonic_ns() + kStatusEvery;
            }
            coordinator_.wait(kPoll);
        }
    }

    void report(const char* phase) {
        WorkerStatus status;
        status.phase = phase;
        status.connected = connected_.load() - std::min(connected_.load(), dropped_.load());
        status.failed = failed_.load();
        coordinator_.status(status);
    }

    void hold() {
        const std::uint64_t start = monotonic_ns();
        const std::uint64_t until = start + static_cast<std::uint64_t>(options_.hold * 1e9);
        std::uint64_t next_status = 0;
        while (!stopping_ && monotonic_ns() < until) {
            if (coordinator_.stop_requested()) stopping_ = true;
            if (monotonic_ns() >= next_status) {
                report("holding");
                next_status = monotonic_ns() + kStatusEvery;
            }
            coordinator_.wait(kPoll);
        }
        held_ = static_cast<double>(monotonic_ns() - start) / 1e9;
    }

    void note_error(const std::string& kind, const std::string& message) {
        std::lock_guard lock(errors_mutex_);
        auto& tally = errors_[kind];
        ++tally.count;
        if (tally.example.empty()) tally.example = message;
    }

    BenchResult collect(bool interrupted) {
        BenchResult r;
        r.config = context_.config;
        r.shard_count = context_.shard.count;
        r.shards = {context_.shard.index};
        r.workers = 1;
        r.interrupted = interrupted;
        StormTally s;
        s.requested = plan_.connections.count;
        s.connected = connected_;
        s.failed = failed_;
        s.dropped = dropped_;
        s.connect_window = static_cast<double>(connect_window_) / 1e9;
        s.hold = held_;
        s.disconnect_time = disconnect_time_;
        s.memory_bytes = memory_;
        r.storm = s;
        {
            std::lock_guard lock(mutex_);
            r.connect = connect_;
        }
        std::lock_guard lock(errors_mutex_);
        r.errors = errors_;
        return r;
    }

    const ConnectOptions& connection_;
    const BenchOptions& options_;
    const BenchContext& context_;
    const WorkerPlan& plan_;
    BenchCoordinator& coordinator_;

    std::vector<std::unique_ptr<Client>> clients_;  // by slot; empty where a connect failed
    std::uint64_t go_ns_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> closing_{false};
    std::atomic<std::uint64_t> connected_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::uint64_t connect_window_ = 0;
    std::size_t memory_ = 0;
    double held_ = 0;
    double disconnect_time_ = 0;

    std::mutex window_mutex_;  // in_flight_
    std::condition_variable room_;
    std::size_t in_flight_ = 0;

    std::mutex mutex_;  // connect_, last_connack_ns_, clients_ slots
    Histogram connect_;
    std::uint64_t last_connack_ns_ = 0;

    std::mutex errors_mutex_;
    std::map<std::string, ErrorTally> errors_;
};

}  // namespace

std::size_t raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<std::size_t>(limit.rlim_cur);
}

std::size_t resident_bytes() {
    FILE* file = std::fopen("/proc/self/statm", "re");
    if (file == nullptr) return 0;
    unsigned long size = 0;
    unsigned long resident = 0;
    const int got = std::fscanf(file, "%lu %lu", &size, &resident);
    std::fclose(file);
    if (got != 2) return 0;
    return static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

BenchResult run_storm_worker(const ConnectOptions& connection, const BenchOptions& options,
                             const BenchContext& context, const WorkerPlan& plan,
                             BenchCoordinator& coordinator) {
    StormRun run(connection, options, context, plan, coordinator);
    return run.run();
}

}  // namespace mqtk
