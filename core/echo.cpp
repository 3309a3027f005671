// The echo loop. Arrivals are printed on Paho's receive thread and queued with the time
// they are due; the main thread republishes them when due (so a 1 s pause never blocks
// the socket). With --delay 0 the republish happens right in the receive callback: no
// thread hand-off, so round trips show the broker's latency, not ours.
#include "core/echo.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

#include "core/client.h"
#include "core/clock.h"
#include "core/format.h"
#include "core/interrupt.h"
#include "core/notice.h"
#include "core/output.h"
#include "core/round_trips.h"
#include "core/topic.h"

namespace mqtk {
namespace {

using Clock = std::chrono::steady_clock;

// How long a stopping echo waits for its own messages still in flight, so they count as
// returned (with their round trip) rather than lost.
constexpr auto kDrainTime = std::chrono::seconds(2);

void check_options(const ConnectOptions& connection, const EchoOptions& options) {
    check_topic_name(options.topic, "topic");
    if (!options.reply_topic.empty()) check_topic_name(options.reply_topic, "--reply-topic");
    if (options.delay < 0) throw usage_error("--delay must not be negative");
    if (options.count && *options.count < 1) throw usage_error("-C must be at least 1");
    if (options.timeout && *options.timeout <= 0) throw usage_error("-W must be positive");
    if (options.responder && connection.version != ProtocolVersion::V5) {
        throw usage_error("--responder needs -V 5 (requests carry a response topic)");
    }
}

std::string format_ms(std::uint64_t ns) {
    return fmt::format("{:.3f} ms", ns / 1e6);
}

struct Pending {
    Clock::time_point due;
    Message message;
};

class Echo {
  public:
    Echo(const ConnectOptions& connection, const EchoOptions& options)
        : options_(options),
          formatter_(options.output),
          output_(STDOUT_FILENO),
          client_(connection, "echo",
                  SessionBehaviour{.auto_reconnect = true, .publish_while_disconnected = true}),
          tracker_(connection.client_id, connection.version == ProtocolVersion::V5),
          clean_(connection.clean_session) {
        client_.on_message([this](const Message& message) { arrived(message); });
        client_.on_reconnected([this] { resubscribe_ = true; });
        client_.on_connection_lost(
            [](const std::string& cause) { notice("{}; reconnecting", cause); });
    }

    ExitCode run() {
        const auto session = client_.connect();
        connected_at_ = Clock::now();  // -W counts from here, as sub's and mosquitto_sub's do
        if (clean_ || !session.session_present) subscribe();
        if (options_.first_message && !options_.responder) {
            publish_own(options_.topic, *options_.first_message);
        }
        const ExitCode code = loop();
        drain();
        // After a signal nothing is worth waiting for: Paho holds the DISCONNECT back for
        // unacknowledged flows, and a late one lets the broker send the will.
        client_.disconnect(code == ExitCode::Interrupted ? std::chrono::milliseconds(0)
                                                         : std::chrono::milliseconds(2000));
        output_.flush();
        report();
        if (!failure_.empty()) throw Error(ExitCode::Failure, failure_);
        return code;
    }

  private:
    void subscribe() {
        SubscribeRequest request;
        request.filter = options_.topic;
        request.qos = options_.qos;
        // Within -W: a broker that never sends the SUBACK ends the run (exit 5), not hangs it.
        client_.subscribe({request}, deadline());
    }

    Clock::time_point deadline() const {
        if (!options_.timeout) return Clock::time_point::max();
        return connected_at_ + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(*options_.timeout));
    }

    bool count_reached() const { return options_.count && echoed_ >= *options_.count; }
    bool printed_all() const { return options_.count && printed_ >= *options_.count; }

    ExitCode loop() {
        const auto end = deadline();
        std::unique_lock lock(mutex_);
        for (;;) {
            if (interrupted()) return ExitCode::Interrupted;
            if (count_reached() || !failure_.empty() || reader_gone_) return ExitCode::Success;
            const auto now = Clock::now();
            if (now >= end) return ExitCode::Success;
            if (resubscribe_.exchange(false)) {
                lock.unlock();
                subscribe();
                lock.lock();
                continue;
            }
            if (!queue_.empty() && queue_.front().due <= now) {
                Message message = std::move(queue_.front().message);
                queue_.pop_front();
                lock.unlock();
                republish(message);
                lock.lock();
                continue;
            }
            auto wake = std::min(end, now + std::chrono::milliseconds(100));
            if (!queue_.empty()) wake = std::min(wake, queue_.front().due);
            lock.unlock();
            output_.flush();
            lock.lock();
            changed_.wait_until(lock, wake);
        }
    }

    // Gives our own messages in flight a moment to come back.
    void drain() {
        const auto until = Clock::now() + kDrainTime;
        stopping_ = true;
        while (Clock::now() < until) {
            {
                std::lock_guard lock(mutex_);
                if (tracker_.counts().outstanding == 0) return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

    // On Paho's receive thread: print, recognise our own, queue (or send) the echo.
    void arrived(const Message& message) {
        const auto now_ns = monotonic_ns();
        std::unique_lock lock(mutex_);
        tracker_.on_receive(message, now_ns);
        // Past -C, what still arrives (our last echo coming back) is timed but not printed:
        // the output holds N messages, as mosquitto_sub -C N's does. Counted as printed, not
        // as echoed: a delayed echo goes out from the main thread, and its copy can come
        // back before that thread has counted it (seen under ASan: the line twice).
        if (stopping_ || count_reached() || printed_all()) return;
        try {
            const bool written =
                output_.write_with([&](std::string& out) { formatter_.render(message, out); });
            if (!written) {
                reader_gone_ = true;
                changed_.notify_one();
                return;
            }
            ++printed_;
            if (options_.responder) return answer(message);
            if (options_.delay == 0) {
                lock.unlock();
                republish(message, /*from_callback=*/true);
                return;
            }
            const auto due = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(options_.delay));
            queue_.push_back({due, message});
            changed_.notify_one();
        } catch (const std::exception& error) {
            failure_ = error.what();
            changed_.notify_one();
        }
    }

    // --responder: the reply goes to the request's response topic with its correlation data.
    void answer(const Message& request) {
        const auto* response_topic = find_property(request.properties, PropertyId::ResponseTopic);
        if (response_topic == nullptr) return;
        Message reply;
        reply.topic = response_topic->text;
        reply.payload = request.payload;
        reply.qos = options_.qos;
        if (const auto* correlation =
                find_property(request.properties, PropertyId::CorrelationData)) {
            reply.properties.push_back(*correlation);
        }
        client_.publish(reply, {});  // on the receive thread: never wait
        ++echoed_;
        if (count_reached()) changed_.notify_one();
    }

    void republish(const Message& received, bool from_callback = false) {
        if (stopping_ || count_reached()) return;
        const std::string& topic =
            options_.reply_topic.empty() ? options_.topic : options_.reply_topic;
        publish_own(topic, received.payload, from_callback);
        std::lock_guard lock(mutex_);
        ++echoed_;
        // The main loop only needs to hear of the end; waking it per echo cost ~10 futex
        // calls per round trip.
        if (count_reached()) changed_.notify_one();
    }

    void publish_own(const std::string& topic, const std::string& payload,
                     bool from_callback = false) {
        Message message;
        message.topic = topic;
        message.payload = payload;
        message.qos = options_.qos;
        {
            // Only messages to the subscribed topic come back to be timed.
            std::lock_guard lock(mutex_);
            if (topic == options_.topic) tracker_.on_send(message, monotonic_ns());
        }
        // On the receive thread waiting for room would wait for ever (acknowledgements
        // arrive on it); elsewhere wait, until a signal or the end of the run.
        client_.publish(
            message, from_callback ? Client::GiveUp{}
                                   : [this] { return interrupted() || stopping_.load(); });
    }

    void report() const {
        const auto counts = tracker_.counts();
        const auto& rtt = tracker_.round_trips();
        std::fprintf(stderr,
                     "mqtk echo: %ld echoed; own messages: %llu sent, %llu returned, %llu lost, "
                     "%llu duplicated, %llu out of order\n",
                     echoed_, static_cast<unsigned long long>(counts.sent),
                     static_cast<unsigned long long>(counts.returned),
                     static_cast<unsigned long long>(counts.outstanding),
                     static_cast<unsigned long long>(counts.duplicates),
                     static_cast<unsigned long long>(counts.out_of_order));
        if (rtt.count() == 0) return;
        std::fprintf(stderr, "mqtk echo: round trip min %s, p50 %s, p90 %s, p99 %s, max %s\n",
                     format_ms(rtt.min()).c_str(), format_ms(rtt.value_at_percentile(50)).c_str(),
                     format_ms(rtt.value_at_percentile(90)).c_str(),
                     format_ms(rtt.value_at_percentile(99)).c_str(), format_ms(rtt.max()).c_str());
    }

    const EchoOptions& options_;
    Formatter formatter_;
    OutputSink output_;
    Client client_;
    Clock::time_point connected_at_;

    std::mutex mutex_;  // guards the queue, the tracker and the counters below
    std::condition_variable changed_;
    std::deque<Pending> queue_;
    RoundTripTracker tracker_;
    long echoed_ = 0;
    long printed_ = 0;  // arrivals written to the output
    bool reader_gone_ = false;
    std::string failure_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> resubscribe_{false};
    bool clean_;
};

}  // namespace

std::string default_echo_client_id() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "mqtk_echo";
    return fmt::format("mqtk_echo_{}", host);
}

ExitCode run_echo(const ConnectOptions& connection, const EchoOptions& options) {
    check_options(connection, options);
    Echo echo(connection, options);
    return echo.run();
}

}  // namespace mqtk
