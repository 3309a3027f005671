// The subscriber. Messages are handled on Paho's receive thread (filter, render, write),
// so a slow stdout slows the socket reads instead of growing a queue; the main thread
// only waits for an end condition and owns connecting, subscribing and disconnecting.
#include "core/sub.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <regex>

#include "core/format.h"
#include "core/interrupt.h"
#include "core/notice.h"
#include "core/output.h"
#include "core/topic.h"

namespace mqtk {
namespace {

using Clock = std::chrono::steady_clock;

// The --ready-file is created only once subscribed; a directory it cannot be created in
// is a usage error found before connecting, not a failure after subscribing.
void check_ready_file_directory(const std::string& path) {
    const auto slash = path.rfind('/');
    const std::string directory =
        slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    struct stat info {};
    if (stat(directory.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) ||
        access(directory.c_str(), W_OK | X_OK) != 0) {
        throw usage_error("cannot create --ready-file '{}': no writable directory '{}'", path,
                          directory);
    }
}

}  // namespace

void check_sub_options(const ConnectOptions& connection, const SubOptions& options) {
    if (options.filters.empty()) throw usage_error("a filter is needed: -t FILTER");
    for (const auto& filter : options.filters)
        check_topic_filter(filter, "filter");
    for (const auto& filter : options.filters_out)
        check_topic_filter(filter, "-T filter");
    for (const auto& filter : options.unsubscribe)
        check_topic_filter(filter, "-U filter");
    if (options.count && *options.count < 1) throw usage_error("-C must be at least 1");
    if (options.timeout && *options.timeout <= 0) throw usage_error("-W must be positive");
    if (options.retained_only && options.skip_retained) {
        throw usage_error("--retained-only and -R cannot be used together");
    }
    const bool v5 = connection.version == ProtocolVersion::V5;
    if (!v5 && (options.no_local || options.retain_handling != 0 ||
                !options.subscribe_properties.empty())) {
        throw usage_error("--no-local, --retain-handling and -D need -V 5");
    }
    // mosquitto_sub ignores it under MQTT 3.1.1, which always clears the retain flag of a
    // message delivered to an existing subscription: nothing is lost but the flag.
    if (!v5 && options.retain_as_published) {
        notice("warning: --retain-as-published is ignored: it needs MQTT 5 (-V 5)");
    }
    if (options.retain_handling < 0 || options.retain_handling > 2) {
        throw usage_error("--retain-handling must be 0, 1 or 2");
    }
    if (!options.ready_file.empty()) check_ready_file_directory(options.ready_file);
}

namespace {

std::regex compile_expectation(const std::optional<std::string>& expect) {
    if (!expect) return {};
    try {
        return std::regex(*expect, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& error) {
        throw usage_error("invalid --expect regular expression '{}': {}", *expect, error.what());
    }
}

void create_ready_file(const std::string& path) {
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw make_error(ExitCode::Failure, "cannot create --ready-file '{}': {}", path,
                         std::strerror(errno));
    }
    close(fd);
}

// Why the run ended, decided on whichever thread saw it first.
enum class Ending { None, Done, ReaderGone, Failed, Unmatched };

class Subscriber {
  public:
    Subscriber(const ConnectOptions& connection, const SubOptions& options,
               const ConnectionFactory& connect, OutputSink& output, LiveHub* live)
        : options_(options),
          live_(live),
          formatter_(options.output),
          expectation_(compile_expectation(options.expect)),
          output_(output),
          connection_(connect(connection, "sub", SessionBehaviour{.auto_reconnect = true})),
          client_(*connection_) {
        client_.on_message([this](const Message& message) { handle(message); });
        client_.on_reconnected([this] {
            resubscribe_ = true;
            up_ = true;
            ++reconnected_;
        });
        client_.on_connection_lost([this](const std::string&) {
            up_ = false;
            ++connections_lost_;
        });
        // -E: what follows the SUBACK (retained messages) is not printed, as mosquitto_sub,
        // which disconnects in its subscribe callback. Decided on the receive thread: from
        // the main thread, after the SUBACK's wait, it raced the messages behind it.
        if (options_.exit_after_subscribe) client_.on_subscribed([this] { end(Ending::Done); });
    }

    ExitCode run() {
        const LiveAttachment live(live_, [this] { return live_figures(); });
        client_.connect();
        up_ = true;
        // -W counts from the moment we are connected, as mosquitto_sub's does.
        auto deadline = Clock::time_point::max();
        if (options_.timeout) {
            deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(*options_.timeout));
        }
        subscribe(deadline);
        if (!options_.ready_file.empty()) create_ready_file(options_.ready_file);
        next_rate_at_ = Clock::now() + std::chrono::seconds(1);
        ExitCode code = options_.exit_after_subscribe ? ExitCode::Success : wait(deadline);
        client_.disconnect();
        up_ = false;
        output_.flush();
        // A failure while an interrupt was being handled (--remove-retained publishing as
        // the DISCONNECT goes out: messages reach us until disconnect() is done) is no news.
        if (ending_ == Ending::Failed && code != ExitCode::Interrupted) {
            throw Error(ExitCode::Failure, failure_);
        }
        return code;
    }

  private:
    // Any thread: atomics only.
    LiveFigures live_figures() const {
        LiveFigures f;
        f.command = "sub";
        f.received = received_;
        f.connections_up = up_ ? 1 : 0;
        f.connections_lost = connections_lost_;
        f.reconnected = reconnected_;
        return f;
    }

    // Within -W, like everything after the connect: a broker that never sends the SUBACK
    // is a timeout, not a hang.
    void subscribe(Clock::time_point deadline) {
        client_.subscribe(requests(), deadline);
        unsubscribe(deadline);
    }

    // After a reconnect. A connection lost again before the SUBACK is no failure (a broker
    // that is shutting down still takes the first attempt): the next reconnect comes back.
    void resubscribe(Clock::time_point deadline) {
        if (!client_.resubscribe(requests(), deadline)) return;
        client_.unless_lost_again([&] { unsubscribe(deadline); });
    }

    void unsubscribe(Clock::time_point deadline) {
        if (options_.unsubscribe.empty()) return;
        client_.unsubscribe(options_.unsubscribe, options_.unsubscribe_properties, deadline);
    }

    std::vector<SubscribeRequest> requests() const { return subscribe_requests(options_); }

    ExitCode wait(Clock::time_point deadline) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (ending_ == Ending::Unmatched) {
                throw make_error(ExitCode::Timeout, "no payload matched '{}' in {} messages",
                                 *options_.expect, *options_.count);
            }
            if (ending_ != Ending::None) return ExitCode::Success;
            if (interrupted()) {
                print_rate();  // as mosquitto_sub 2.1: the part-second so far
                return ExitCode::Interrupted;
            }
            if (Clock::now() >= deadline) {
                print_rate();
                if (options_.expect) {
                    throw make_error(ExitCode::Timeout, "timed out: no payload matched '{}'",
                                     *options_.expect);
                }
                throw make_error(ExitCode::Timeout, "timed out after {} s", *options_.timeout);
            }
            if (options_.message_rate && Clock::now() >= next_rate_at_) {
                print_rate();
                // On the second, from the first: a late wake-up does not shift the rest.
                next_rate_at_ += std::chrono::seconds(1);
            }
            lock.unlock();
            output_.flush();  // a file reader sees data within ~100 ms
            if (resubscribe_.exchange(false)) resubscribe(deadline);
            lock.lock();
            auto wake = Clock::now() + std::chrono::milliseconds(100);
            if (options_.message_rate) wake = std::min(wake, next_rate_at_);
            changed_.wait_until(lock, wake);
        }
    }

    // --message-rate: the arrivals since the last line, in mosquitto_sub 2.1's words.
    void print_rate() {
        if (!options_.message_rate) return;
        const std::uint64_t n = rate_count_.exchange(0, std::memory_order_relaxed);
        if (!output_.write_with([&](std::string& out) { out += fmt::format("{} msgs/s\n", n); })) {
            ending_ = Ending::ReaderGone;
        }
    }

    void end(Ending ending, std::string failure = {}) {
        std::lock_guard lock(mutex_);
        if (ending_ != Ending::None) return;
        ending_ = ending;
        failure_ = std::move(failure);
        changed_.notify_one();
    }

    // On Paho's receive thread: must not throw and must not wait on the client.
    void handle(const Message& message) {
        if (ending_ != Ending::None) return;
        if (options_.message_rate) {
            // As mosquitto_sub 2.1: counted before anything else looks at it, and nothing
            // else does.
            rate_count_.fetch_add(1, std::memory_order_relaxed);
            ++received_;
            return;
        }
        try {
            for (const auto& filter : options_.filters_out) {
                if (topic_matches(filter, message.topic)) return;
            }
            if (options_.retained_only && !message.retain) return end(Ending::Done);
            // As mosquitto_sub: a retained message -R skips is not cleared either.
            if (options_.skip_retained && message.retain) return;
            if (options_.remove_retained && message.retain) clear_retained(message.topic);
            // mosquitto_sub's --random-filter skips only the printing: -C still counts.
            if (options_.random_filter < 100 && !chosen()) return count(message);
            RenderProblems problems;
            const bool written = output_.write_with(
                [&](std::string& out) { problems = formatter_.render(message, out); });
            report(problems, message);
            if (!written) return end(Ending::ReaderGone);
            count(message);
        } catch (const std::exception& error) {
            end(Ending::Failed, error.what());
        }
    }

    // As mosquitto_sub: once per field, the message still printed without it.
    static void report(const RenderProblems& problems, const Message& message) {
        if (problems.undecoded != nullptr) notice(*problems.undecoded);
        for (int i = 0; i < problems.not_json; ++i) {
            notice("message payload is not valid JSON on topic {}", message.topic);
        }
        for (int i = 0; i < problems.not_float; ++i) {
            notice("%f needs a 4-byte float payload; {} bytes on topic {}", message.payload.size(),
                   message.topic);
        }
        for (int i = 0; i < problems.not_double; ++i) {
            notice("%d needs an 8-byte float payload; {} bytes on topic {}", message.payload.size(),
                   message.topic);
        }
    }

    // A message handled (printed, or passed over by --random-filter): the end conditions.
    void count(const Message& message) {
        ++received_;
        if (options_.expect && std::regex_search(message.payload, expectation_)) {
            return end(Ending::Done);
        }
        // With --expect, -C bounds how many messages may go by without a match.
        if (options_.count && received_ >= static_cast<std::uint64_t>(*options_.count)) {
            return end(options_.expect ? Ending::Unmatched : Ending::Done);
        }
    }

    // --random-filter: true with a chance of random_filter percent.
    bool chosen() {
        return std::uniform_real_distribution<double>(0, 100)(random_) < options_.random_filter;
    }

    void clear_retained(const std::string& topic) {
        Message empty;
        empty.topic = topic;
        empty.retain = true;
        // QoS 1, as mosquitto_sub: disconnect() then waits for the broker's PUBACK, so the
        // message is gone when sub exits.
        empty.qos = 1;
        client_.publish(empty, {});  // on the receive thread: never wait
    }

    const SubOptions& options_;
    LiveHub* live_;
    std::atomic<bool> up_{false};
    std::atomic<std::uint64_t> connections_lost_{0};  // Paho's callbacks: rare
    std::atomic<std::uint64_t> reconnected_{0};
    Formatter formatter_;
    std::regex expectation_;
    OutputSink& output_;
    std::unique_ptr<Connection> connection_;
    Connection& client_;

    std::mutex mutex_;
    std::condition_variable changed_;
    std::atomic<Ending> ending_{Ending::None};
    std::string failure_;
    std::atomic<bool> resubscribe_{false};
    std::atomic<std::uint64_t> rate_count_{0};     // --message-rate: since the last line
    Clock::time_point next_rate_at_;               // the main thread's
    LiveCounter received_;                         // written on the receive thread only
    std::mt19937 random_{std::random_device{}()};  // receive thread only
};

}  // namespace

std::vector<SubscribeRequest> subscribe_requests(const SubOptions& options) {
    std::vector<SubscribeRequest> requests;
    for (const auto& filter : options.filters) {
        requests.push_back({filter, options.qos, options.no_local, options.retain_as_published,
                            options.retain_handling, options.subscribe_properties});
    }
    return requests;
}

ExitCode run_sub(const ConnectOptions& connection, const SubOptions& options,
                 const ConnectionFactory& connect, OutputSink& output, LiveHub* live) {
    check_sub_options(connection, options);
    Subscriber subscriber(connection, options, connect, output, live);
    return subscriber.run();
}

}  // namespace mqtk
