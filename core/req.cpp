// The requester. The response topic is subscribed before the first request goes out, so no
// reply can be missed. Replies are matched, rendered and written on Paho's receive thread
// (as sub does); the main thread publishes, waits for the match, and owns connecting,
// subscribing and disconnecting.
//
// Which arrival is the reply: under MQTT 5, the one on the response topic whose
// Correlation Data is that of the request in flight (fresh random bytes per request, or the
// user's own `-D publish correlation-data`); anything else there is passed over, silently,
// as a late answer to someone else's question. Under MQTT 3.1.1 nothing identifies a reply,
// so the first arrival while a request is outstanding is taken, as mosquitto_rr does; for
// the first request that starts with the SUBSCRIBE, so a retained message there is the
// reply in both (unless -R).
#include "core/req.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>

#include "core/clock.h"
#include "core/connection/client.h"
#include "core/format.h"
#include "core/histogram.h"
#include "core/interrupt.h"
#include "core/line_reader.h"
#include "core/output.h"
#include "core/round_trips.h"
#include "core/topic.h"

namespace mqtk {
namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double value) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
}

std::string random_hex(int digits) {
    static std::mt19937_64 random{std::random_device{}()};
    std::string text;
    while (static_cast<int>(text.size()) < digits) {
        text += fmt::format("{:016x}", random());
    }
    text.resize(digits);
    return text;
}

void check_options(const ConnectOptions& connection, const ReqOptions& options) {
    const bool v5 = connection.version == ProtocolVersion::V5;
    if (options.topic.empty()) throw usage_error("a request topic is needed: -t TOPIC");
    check_topic_name(options.topic, "topic");
    if (options.response_topic.empty() && !v5) {
        throw usage_error(
            "-e RESPONSE_TOPIC is needed with -V {}: without MQTT 5 the responder cannot be "
            "told where to answer",
            connection.version == ProtocolVersion::V31 ? "31" : "311");
    }
    if (!options.response_topic.empty()) check_topic_name(options.response_topic, "-e topic");
    if (options.qos < 0 || options.qos > 2) throw usage_error("QoS must be 0, 1 or 2");
    if (options.timeout <= 0) throw usage_error("-W must be positive");
    if (options.count < 1) throw usage_error("--count must be at least 1");
    if (options.interval < 0) throw usage_error("--interval must not be negative");
    if (!v5 && (options.retain_handling || !options.publish_properties.empty() ||
                !options.subscribe_properties.empty())) {
        throw usage_error("--retain-handling and -D need MQTT 5 (-V 5, the default of req)");
    }
    // The request carries -e as its response topic; a second one would be a malformed PUBLISH.
    if (find_property(options.publish_properties, PropertyId::ResponseTopic)) {
        throw usage_error("-D publish response-topic: the response topic is -e's");
    }
    if (options.source == PayloadSource::StdinLines || options.source == PayloadSource::JsonLines) {
        throw usage_error("req sends one message: -m, -f, -s or -n");
    }
}

// Sleeps up to `value` seconds, waking early on an interrupt.
void pause(double value) {
    const auto until = Clock::now() + seconds(value);
    while (Clock::now() < until && !interrupted()) {
        std::this_thread::sleep_for(
            std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
    }
}

// Why waiting for a reply ended.
enum class Outcome { Answered, TimedOut, Interrupted, ReaderGone, Failed };

class Requester {
  public:
    Requester(const ConnectOptions& connection, const ReqOptions& options, std::string payload,
              LiveHub* live)
        : options_(options),
          live_(live),
          payload_(std::move(payload)),
          v5_(connection.version == ProtocolVersion::V5),
          response_topic_(options.response_topic.empty() ? fresh_response_topic()
                                                         : options.response_topic),
          user_correlation_(find_property(options.publish_properties, PropertyId::CorrelationData)),
          formatter_(options.output),
          output_(STDOUT_FILENO),
          client_(connection, "req") {
        client_.on_message([this](const Message& message) { arrived(message); });
        client_.on_connection_lost(
            [this](const std::string& cause) { fail(fmt::format("connection lost: {}", cause)); });
    }

    ExitCode run() {
        const LiveAttachment live(live_, [this] { return live_figures(); });
        client_.connect();
        connected_ = true;
        // The first request is outstanding from the SUBSCRIBE on (see the file comment).
        expect(1);
        client_.subscribe({subscription()}, Clock::now() + seconds(options_.timeout));
        Outcome outcome = Outcome::Answered;
        long asked = 0;
        while (asked < options_.count && outcome == Outcome::Answered) {
            if (asked > 0) {
                pause(options_.interval);
                if (interrupted()) break;
                expect(asked + 1);
            }
            outcome = ask();
            ++asked;
            if (outcome == Outcome::TimedOut) timed_out_ = 1;
        }
        if (interrupted()) outcome = Outcome::Interrupted;
        client_.disconnect(outcome == Outcome::Interrupted ? std::chrono::milliseconds(0)
                                                           : std::chrono::milliseconds(2000));
        output_.flush();
        connected_ = false;
        if (options_.report_round_trips) report(asked);
        return conclude(outcome, asked);
    }

  private:
    SubscribeRequest subscription() const {
        SubscribeRequest request;
        request.filter = response_topic_;
        request.qos = options_.qos;
        if (v5_) {
            request.retain_handling = options_.retain_handling.value_or(0);
            if (options_.skip_retained) request.retain_handling = 2;  // as mosquitto 2.1's -R
            request.properties = options_.subscribe_properties;
        }
        return request;
    }

    // Makes request `sequence` the outstanding one: its correlation data, from now on.
    void expect(long sequence) {
        std::lock_guard lock(mutex_);
        correlation_ = user_correlation_ != nullptr
                           ? user_correlation_->text
                           : fmt::format("mqtk-req:{}:{}", random_hex(16), sequence);
        answered_ = false;
        waiting_ = true;
        sent_ns_ = monotonic_ns();
    }

    Message request() const {
        Message message;
        message.topic = options_.topic;
        message.payload = payload_;
        message.qos = options_.qos;
        if (!v5_) return message;
        // mosquitto_rr's order: the -D properties, then the response topic.
        message.properties = options_.publish_properties;
        Property response_topic;
        response_topic.id = PropertyId::ResponseTopic;
        response_topic.text = response_topic_;
        message.properties.push_back(response_topic);
        if (user_correlation_ == nullptr) {
            Property correlation;
            correlation.id = PropertyId::CorrelationData;
            std::lock_guard lock(mutex_);
            correlation.text = correlation_;
            message.properties.push_back(correlation);
        }
        return message;
    }

    // Publishes the outstanding request and waits for its reply, up to -W.
    Outcome ask() {
        const auto deadline = Clock::now() + seconds(options_.timeout);
        const Message message = request();
        {
            // Sent even when a retained message on -e (MQTT 3.1.1) has already answered the
            // first request, as mosquitto_rr does: the request always goes out.
            std::lock_guard lock(mutex_);
            if (!answered_) sent_ns_ = monotonic_ns();
        }
        const bool queued = client_.publish(
            message, [&] { return interrupted() || Clock::now() >= deadline || failed(); });
        if (queued) ++requests_;
        for (;;) {
            // Asked without our lock: the client's callbacks take it (arrived()).
            if (client_.publish_failed()) fail(client_.first_publish_error());
            std::unique_lock lock(mutex_);
            if (answered_) return Outcome::Answered;
            if (reader_gone_) return Outcome::ReaderGone;
            if (!failure_.empty()) return Outcome::Failed;
            if (interrupted()) return Outcome::Interrupted;
            if (!queued || Clock::now() >= deadline) {
                waiting_ = false;
                return Outcome::TimedOut;
            }
            changed_.wait_until(lock,
                                std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
        }
    }

    bool failed() {
        std::lock_guard lock(mutex_);
        return !failure_.empty();
    }

    void fail(std::string why) {
        std::lock_guard lock(mutex_);
        if (failure_.empty()) failure_ = std::move(why);
        changed_.notify_one();
    }

    // On Paho's receive thread: must not throw and must not wait on the client.
    void arrived(const Message& message) {
        if (message.topic != response_topic_) return;
        if (options_.skip_retained && message.retain) return;
        std::lock_guard lock(mutex_);
        if (!waiting_) return;  // between requests: an answer to one given up on
        if (v5_) {
            const Property* correlation =
                find_property(message.properties, PropertyId::CorrelationData);
            if (correlation == nullptr || correlation->text != correlation_) return;
        }
        waiting_ = false;
        round_trips_.record(monotonic_ns() - sent_ns_);
        try {
            const bool written =
                output_.write_with([&](std::string& out) { formatter_.render(message, out); });
            if (!written) reader_gone_ = true;
            answered_ = true;
        } catch (const std::exception& error) {
            failure_ = error.what();
        }
        changed_.notify_one();
    }

    ExitCode conclude(Outcome outcome, long asked) const {
        switch (outcome) {
            case Outcome::Answered:
            case Outcome::ReaderGone:
                return ExitCode::Success;
            case Outcome::Interrupted:
                return ExitCode::Interrupted;
            case Outcome::Failed:
                throw Error(ExitCode::Failure, failure_);
            case Outcome::TimedOut:
                break;
        }
        if (options_.count > 1) {
            throw make_error(ExitCode::Timeout, "no reply to request {} of {} on '{}' in {:g} s",
                             asked, options_.count, response_topic_, options_.timeout);
        }
        throw make_error(ExitCode::Timeout, "no reply on '{}' in {:g} s", response_topic_,
                         options_.timeout);
    }

    // Any thread: requests are counted as they go out (ask()), replies under the lock.
    LiveFigures live_figures() const {
        LiveFigures f;
        f.command = "req";
        f.sent = requests_;
        f.lost = timed_out_;
        f.connections_up = connected_ ? 1 : 0;
        std::lock_guard lock(mutex_);
        f.received = round_trips_.count();
        f.latencies.emplace_back("round_trip", round_trips_);
        return f;
    }

    void report(long asked) const {
        std::fprintf(stderr, "mqtk req: %ld requests, %llu replies\n", asked,
                     static_cast<unsigned long long>(round_trips_.count()));
        if (round_trips_.count() == 0) return;
        std::fprintf(stderr, "mqtk req: %s\n", round_trip_summary(round_trips_).c_str());
    }

    const ReqOptions& options_;
    LiveHub* live_;
    LiveCounter requests_;  // the main thread's
    std::atomic<std::uint64_t> timed_out_{0};
    std::atomic<bool> connected_{false};
    std::string payload_;
    bool v5_;
    std::string response_topic_;
    const Property* user_correlation_;  // -D publish correlation-data, or nullptr
    Formatter formatter_;
    OutputSink output_;
    Client client_;

    mutable std::mutex mutex_;  // guards everything below
    std::condition_variable changed_;
    std::string correlation_;  // of the outstanding request
    bool waiting_ = false;     // a request is outstanding
    bool answered_ = false;
    bool reader_gone_ = false;
    std::string failure_;
    std::uint64_t sent_ns_ = 0;
    Histogram round_trips_;
};

}  // namespace

int parse_retain_handling(const std::string& text) {
    if (text == "always" || text == "0") return 0;
    if (text == "new" || text == "1") return 1;
    if (text == "never" || text == "2") return 2;
    throw usage_error("--retain-handling '{}': use always, new or never (or 0, 1, 2)", text);
}

std::string fresh_response_topic() {
    return kDefaultResponseTopicRoot + random_hex(16);
}

ExitCode run_req(const ConnectOptions& connection, const ReqOptions& options, LiveHub* live) {
    check_options(connection, options);
    // Read before connecting (a bad file is exit 2 and touches no broker), and -s no longer
    // than -W: a producer that never ends its output must not hang the request.
    const auto read_until = Clock::now() + seconds(options.timeout);
    std::string payload = load_single_payload(options.source, options.message, options.file,
                                              STDIN_FILENO, read_until, options.timeout);
    Requester requester(connection, options, std::move(payload), live);
    return requester.run();
}

}  // namespace mqtk
