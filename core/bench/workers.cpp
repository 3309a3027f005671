// Worker processes for bench: fork, the pipe protocol on both sides, and the parent's
// supervision loop (see workers.h).
#include "core/bench/workers.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/bench/parallel.h"
#include "core/clock.h"
#include "core/connection/client.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/live/figures_json.h"

namespace mqtk {
namespace {

using nlohmann::json;

constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint64_t kSilenceLimit = 60'000 * kMs;  // a worker quiet this long is stuck
constexpr std::uint64_t kHeartbeat = 1'000 * kMs;
constexpr std::uint64_t kProgressEvery = 250 * kMs;
// A worker's live figures (histograms included, a few kB) go up this often: the observers
// read about once a second, and the final figures come from the results anyway.
constexpr std::uint64_t kLiveEvery = 500 * kMs;
constexpr std::uint64_t kStartDelay = 5 * kMs;  // from "go" sent to the common start

// Writes all of `text` (EINTR and short writes handled); false when the reader is gone.
bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Reads what is available into `buffer`; false at end of file or on an error.
bool read_some(int fd, std::string& buffer) {
    char chunk[65536];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        buffer.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
}

// Calls handle(line) for each complete line in `buffer` and keeps the rest.
template <typename Handler>
void take_lines(std::string& buffer, Handler&& handle) {
    std::size_t start = 0;
    for (std::size_t end; (end = buffer.find('\n', start)) != std::string::npos; start = end + 1)
        handle(std::string_view(buffer).substr(start, end - start));
    buffer.erase(0, start);
}

std::pair<std::string_view, std::string_view> split_word(std::string_view line) {
    const auto space = line.find(' ');
    if (space == std::string_view::npos) return {line, {}};
    return {line.substr(0, space), line.substr(space + 1)};
}

json tallies_to_json(const std::vector<PublisherTally>& tallies) {
    json array = json::array();
    for (const auto& t : tallies)
        array.push_back({t.index, t.sent});
    return array;
}

std::vector<PublisherTally> tallies_from_json(std::string_view text) {
    std::vector<PublisherTally> tallies;
    for (const auto& pair : json::parse(text))
        tallies.push_back({pair.at(0).get<std::uint32_t>(), pair.at(1).get<std::uint64_t>()});
    return tallies;
}

// ---- the worker's side -------------------------------------------------------------

class PipeCoordinator : public BenchCoordinator {
  public:
    PipeCoordinator(int up, int down) : up_(up), down_(down) {}

    std::optional<std::uint64_t> ready() override {
        send("ready");
        std::uint64_t next_alive = monotonic_ns() + kHeartbeat;
        for (;;) {
            // stop_requested() reads the pipe too: check for "go" after it, not before.
            if (stop_requested()) return std::nullopt;
            if (go_) break;
            pump(std::chrono::milliseconds(100));
            if (monotonic_ns() >= next_alive) {
                send("alive");
                next_alive += kHeartbeat;
            }
        }
        sleep_until_ns(*go_, nullptr);
        return go_;
    }

    void status(const WorkerStatus& s) override {
        send(fmt::format("status {} {} {} {} {}", s.phase, s.sent, s.received, s.connected,
                         s.failed));
        const std::uint64_t now = monotonic_ns();
        if (now < next_live_) return;
        next_live_ = now + kLiveEvery;
        if (const auto figures = live_.figures()) {
            send("live " + live_figures_to_json(*figures).dump());
        }
    }

    LiveHub* live() override { return &live_; }

    void published(const std::vector<PublisherTally>& mine) override {
        send("published " + tallies_to_json(mine).dump());
    }

    std::optional<std::vector<PublisherTally>> expected() override {
        pump(std::chrono::milliseconds(0));
        return expected_;
    }

    bool stop_requested() override {
        pump(std::chrono::milliseconds(0));
        return stop_ || interrupted();
    }

    void wait(std::chrono::milliseconds timeout) override { pump(timeout); }

    void send_result(const BenchResult& result) {
        send("result " + bench_result_to_json(result).dump());
    }
    void send_fatal(ExitCode code, const std::string& message) {
        std::string line = message;
        for (auto& c : line) {
            if (c == '\n') c = ' ';
        }
        send(fmt::format("fatal {} {}", static_cast<int>(code), line));
    }

  private:
    void send(const std::string& line) { write_all(up_, line + "\n"); }

    // Reads the parent's news, waiting up to `timeout` for the first of it.
    void pump(std::chrono::milliseconds timeout) {
        if (closed_) {
            if (timeout.count() > 0) usleep(static_cast<useconds_t>(timeout.count() * 1000));
            return;
        }
        pollfd p{down_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return;
        if (!read_some(down_, buffer_)) {
            closed_ = true;  // the parent is gone: stop
            stop_ = true;
        }
        take_lines(buffer_, [this](std::string_view line) { handle(line); });
    }

    void handle(std::string_view line) {
        const auto [word, rest] = split_word(line);
        if (word == "go") {
            go_ = std::stoull(std::string(rest));
        } else if (word == "expected") {
            expected_ = tallies_from_json(rest);
        } else if (word == "stop") {
            stop_ = true;
        }
    }

    int up_;
    int down_;
    std::string buffer_;
    bool closed_ = false;
    bool stop_ = false;
    std::optional<std::uint64_t> go_;
    std::optional<std::vector<PublisherTally>> expected_;
    LiveHub live_;  // this worker's figures, passed on by status()
    std::uint64_t next_live_ = 0;
};

[[noreturn]] void worker_main(const WorkerPlan& plan, const WorkerBody& body, int up, int down) {
    // Die with the parent rather than hold connections for nobody.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    PipeCoordinator coordinator(up, down);
    try {
        coordinator.send_result(body(plan, coordinator));
    } catch (const Error& error) {
        coordinator.send_fatal(error.code(), error.what());
    } catch (const std::exception& error) {
        coordinator.send_fatal(ExitCode::Failure, error.what());
    }
    exit_process(0);
}

// ---- the parent's side -------------------------------------------------------------

struct Worker {
    pid_t pid = -1;
    int up = -1;    // we read
    int down = -1;  // we write
    std::string buffer;
    bool ready = false;
    bool published = false;
    bool ended = false;  // end of file on `up`
    std::uint64_t last_heard = 0;
    WorkerStatus status;
    std::optional<LiveFigures> live;  // under Supervisor::live_mutex_
    std::vector<PublisherTally> tallies;
    std::optional<BenchResult> result;
    std::optional<Error> fatal;
};

class Supervisor {
  public:
    Supervisor(const std::vector<WorkerPlan>& plans, const WorkerBody& body,
               ProgressMeter& progress, LiveHub* live)
        : plans_(plans), body_(body), progress_(progress), live_(live), workers_(plans.size()) {}

    ~Supervisor() {
        for (auto& w : workers_) {
            if (w.up >= 0) ::close(w.up);
            if (w.down >= 0) ::close(w.down);
            if (w.pid > 0) {
                ::kill(w.pid, SIGKILL);
                ::waitpid(w.pid, nullptr, 0);
            }
        }
    }

    BenchResult run() {
        std::fflush(stdout);  // or the children would flush our buffers again
        std::fflush(stderr);
        for (std::size_t w = 0; w < plans_.size(); ++w)
            start(w, plans_[w], body_);
        const LiveAttachment live(live_, [this] { return live_figures(); });
        while (!all_ended()) {
            poll_workers();
            steer();
        }
        reap();
        for (const auto& w : workers_) {
            if (w.fatal) throw *w.fatal;
        }
        std::optional<BenchResult> total;
        for (auto& w : workers_) {
            if (!total) {
                total = std::move(w.result);
            } else {
                merge_bench_results(*total, *w.result, MergeOf::Workers);
            }
        }
        return std::move(*total);
    }

  private:
    void start(std::size_t index, const WorkerPlan& plan, const WorkerBody& body) {
        int up[2];
        int down[2];
        if (::pipe(up) != 0 || ::pipe(down) != 0) {
            throw make_error(ExitCode::Failure, "cannot create a pipe for a bench worker: {}",
                             std::strerror(errno));
        }
        const pid_t pid = ::fork();
        if (pid < 0) {
            throw make_error(ExitCode::Failure, "cannot start a bench worker: {}",
                             std::strerror(errno));
        }
        if (pid == 0) {
            // Only this worker's own ends stay open; the parent's ends of earlier workers'
            // pipes would otherwise keep their end-of-file from ever arriving.
            for (std::size_t k = 0; k < index; ++k) {
                ::close(workers_[k].up);
                ::close(workers_[k].down);
            }
            ::close(up[0]);
            ::close(down[1]);
            worker_main(plan, body, up[1], down[0]);
        }
        ::close(up[1]);
        ::close(down[0]);
        Worker& w = workers_[index];
        w.pid = pid;
        w.up = up[0];
        w.down = down[1];
        w.last_heard = monotonic_ns();
    }

    bool all_ended() const {
        return std::all_of(workers_.begin(), workers_.end(),
                           [](const Worker& w) { return w.ended; });
    }

    void poll_workers() {
        std::vector<pollfd> fds;
        std::vector<std::size_t> which;
        for (std::size_t i = 0; i < workers_.size(); ++i) {
            if (workers_[i].ended) continue;
            fds.push_back({workers_[i].up, POLLIN, 0});
            which.push_back(i);
        }
        if (::poll(fds.data(), fds.size(), 50) <= 0) return;
        for (std::size_t k = 0; k < fds.size(); ++k) {
            if (fds[k].revents == 0) continue;
            Worker& w = workers_[which[k]];
            if (!read_some(w.up, w.buffer)) {
                w.ended = true;
                continue;
            }
            w.last_heard = monotonic_ns();
            take_lines(w.buffer, [&](std::string_view line) { handle(w, line); });
        }
    }

    void handle(Worker& w, std::string_view line) {
        const auto [word, rest] = split_word(line);
        try {
            if (word == "ready") {
                w.ready = true;
            } else if (word == "status") {
                std::istringstream in{std::string(rest)};
                in >> w.status.phase >> w.status.sent >> w.status.received >> w.status.connected >>
                    w.status.failed;
            } else if (word == "live") {
                auto figures = live_figures_from_json(json::parse(rest));
                std::lock_guard lock(live_mutex_);
                w.live = std::move(figures);
            } else if (word == "published") {
                w.tallies = tallies_from_json(rest);
                w.published = true;
            } else if (word == "result") {
                w.result = bench_result_from_json(json::parse(rest));
            } else if (word == "fatal") {
                const auto [code, message] = split_word(rest);
                w.fatal = Error(static_cast<ExitCode>(std::stoi(std::string(code))),
                                std::string(message));
            }
        } catch (const std::exception& error) {
            w.fatal = make_error(ExitCode::Failure, "garbled message from a bench worker: {}",
                                 error.what());
        }
    }

    void broadcast(const std::string& line) {
        for (auto& w : workers_) {
            if (!w.ended) write_all(w.down, line + "\n");
        }
    }

    // Decides what the workers are told, and watches them.
    void steer() {
        const bool failed = std::any_of(workers_.begin(), workers_.end(), [](const Worker& w) {
            return w.fatal || (w.ended && !w.result);
        });
        if (!stopped_ && (failed || interrupted())) {
            broadcast("stop");
            stopped_ = true;
        }
        if (!went_ && !stopped_ &&
            std::all_of(workers_.begin(), workers_.end(),
                        [](const Worker& w) { return w.ready; })) {
            broadcast(fmt::format("go {}", monotonic_ns() + kStartDelay));
            went_ = true;
        }
        if (!expected_sent_ && std::all_of(workers_.begin(), workers_.end(),
                                           [](const Worker& w) { return w.published; })) {
            std::vector<PublisherTally> all;
            for (const auto& w : workers_)
                all.insert(all.end(), w.tallies.begin(), w.tallies.end());
            broadcast("expected " + tallies_to_json(all).dump());
            expected_sent_ = true;
        }
        const std::uint64_t now = monotonic_ns();
        for (auto& w : workers_) {
            if (!w.ended && now - w.last_heard > kSilenceLimit) {
                w.fatal = make_error(ExitCode::Failure, "a bench worker stopped responding");
                ::kill(w.pid, SIGKILL);
            }
        }
        if (now >= next_progress_) {
            report_progress();
            next_progress_ = now + kProgressEvery;
        }
    }

    void report_progress() {
        if (!progress_.enabled()) return;
        // The run is in the earliest phase any worker is still in.
        constexpr std::string_view kOrder[] = {"connecting", "warm-up", "measuring",
                                               "draining",   "holding", "closing"};
        const auto rank = [&](const std::string& phase) {
            return std::find(std::begin(kOrder), std::end(kOrder), phase) - std::begin(kOrder);
        };
        WorkerStatus sum;
        for (const auto& w : workers_) {
            if (sum.phase.empty() || rank(w.status.phase) < rank(sum.phase)) {
                sum.phase = w.status.phase;
            }
            sum.sent += w.status.sent;
            sum.received += w.status.received;
            sum.connected += w.status.connected;
            sum.failed += w.status.failed;
        }
        if (!sum.phase.empty()) progress_.update(sum);
    }

    // The whole run as the workers last reported it (an observer's thread).
    LiveFigures live_figures() const {
        LiveFigures total;
        total.command = "bench";
        std::lock_guard lock(live_mutex_);
        for (const auto& w : workers_) {
            if (w.live) add_live_figures(total, *w.live);
        }
        return total;
    }

    void reap() {
        for (std::size_t i = 0; i < workers_.size(); ++i) {
            Worker& w = workers_[i];
            int status = 0;
            ::waitpid(w.pid, &status, 0);
            w.pid = -1;
            if (w.result || w.fatal) continue;
            const std::string how = WIFSIGNALED(status)
                                        ? fmt::format("was killed by signal {}", WTERMSIG(status))
                                        : fmt::format("exited with status {}", WEXITSTATUS(status));
            w.fatal =
                make_error(ExitCode::Failure, "bench worker {} {} without a result", i + 1, how);
        }
    }

    const std::vector<WorkerPlan>& plans_;
    const WorkerBody& body_;
    ProgressMeter& progress_;
    LiveHub* live_;
    mutable std::mutex live_mutex_;  // each worker's `live`, read by the observers
    std::vector<Worker> workers_;
    bool stopped_ = false;
    bool went_ = false;
    bool expected_sent_ = false;
    std::uint64_t next_progress_ = 0;
};

}  // namespace

BenchResult run_worker_processes(const std::vector<WorkerPlan>& plans, const WorkerBody& body,
                                 ProgressMeter& progress, LiveHub* live) {
    Supervisor supervisor(plans, body, progress, live);
    return supervisor.run();
}

}  // namespace mqtk
