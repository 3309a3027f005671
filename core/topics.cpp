// The listener behind `mqtk topics` and `sub --watch`. Messages are counted on Paho's
// receive thread into the TopicTable under one lock; the main thread owns connecting,
// subscribing, the end conditions and, for the watch, showing the table every 100 ms.
#include "core/topics.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/codec/codec.h"
#include "core/interrupt.h"
#include "core/output.h"
#include "core/sub.h"
#include "core/topic.h"

namespace mqtk {
namespace {

using Clock = std::chrono::steady_clock;

// What to subscribe to, what to leave out, and when to stop.
struct Listening {
    std::vector<SubscribeRequest> requests;
    std::vector<std::string> filters_out;
    std::vector<std::string> unsubscribe;
    Properties unsubscribe_properties;
    bool skip_retained = false;
    std::optional<long> count;
    std::optional<double> seconds;
    // topics' -W: the listening's length, from the SUBACK, and its normal end. sub's -W:
    // from the CONNACK, SUBSCRIBE included, and exit 5.
    bool timeout_fails = false;
    unsigned rate_window_s = 0;
};

// Every 100 ms: `look` with the table locked (quick: copy what is needed), then `draw`
// without the lock, so a slow terminal does not hold up the receive thread.
struct Tick {
    std::function<void(const TopicTable&, std::uint64_t now_ns)> look;
    std::function<void()> draw;
};

class Listener {
  public:
    Listener(const ConnectOptions& connection, Listening listening,
             const ConnectionFactory& connect, std::string_view command)
        : listening_(std::move(listening)),
          connection_(connect(connection, command, SessionBehaviour{.auto_reconnect = true})),
          client_(*connection_) {
        client_.on_message([this](const Message& message) { handle(message); });
        client_.on_reconnected([this] { resubscribe_ = true; });
    }

    // Connects, subscribes, calls `subscribed` and then `tick` every 100 ms until an end
    // condition. Returns Success or Interrupted; throws sub's timeout error when asked to.
    ExitCode run(const std::function<void(const std::string& endpoint)>& subscribed,
                 const Tick& tick) {
        client_.connect();
        table_.emplace(monotonic_ns(), listening_.rate_window_s);
        // Within -W, as in sub: a broker that never sends the SUBACK is a timeout (exit 5),
        // not a hang.
        auto deadline = seconds_from_now();
        client_.subscribe(listening_.requests, deadline);
        unsubscribe(deadline);
        if (subscribed) subscribed(client_.endpoint());
        if (!listening_.timeout_fails) deadline = seconds_from_now();
        const ExitCode code = wait(deadline, tick);
        ended_ns_ = monotonic_ns();  // rates are over the listening, not the DISCONNECT
        client_.disconnect();
        return code;
    }

    // After run(): the table, and when the listening ended.
    const TopicTable& table() const { return *table_; }
    std::uint64_t ended_ns() const { return ended_ns_; }

  private:
    Clock::time_point seconds_from_now() const {
        if (!listening_.seconds) return Clock::time_point::max();
        return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(*listening_.seconds));
    }

    ExitCode wait(Clock::time_point deadline, const Tick& tick) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (tick.look) tick.look(*table_, monotonic_ns());
            if (done_) return ExitCode::Success;
            if (interrupted()) return ExitCode::Interrupted;
            if (Clock::now() >= deadline) {
                if (!listening_.timeout_fails) return ExitCode::Success;
                throw make_error(ExitCode::Timeout, "timed out after {} s", *listening_.seconds);
            }
            lock.unlock();
            if (tick.draw) tick.draw();
            if (resubscribe_.exchange(false) && client_.resubscribe(listening_.requests)) {
                client_.unless_lost_again([&] { unsubscribe(); });
            }
            lock.lock();
            changed_.wait_until(lock,
                                std::min(deadline, Clock::now() + std::chrono::milliseconds(100)));
        }
    }

    void unsubscribe(Clock::time_point deadline = Clock::time_point::max()) {
        if (listening_.unsubscribe.empty()) return;
        client_.unsubscribe(listening_.unsubscribe, listening_.unsubscribe_properties, deadline);
    }

    // On Paho's receive thread: must not throw and must not wait on the client.
    void handle(const Message& message) {
        for (const auto& filter : listening_.filters_out) {
            if (topic_matches(filter, message.topic)) return;
        }
        if (listening_.skip_retained && message.retain) return;
        std::lock_guard lock(mutex_);
        if (done_ || !table_) return;
        table_->record(message, monotonic_ns());
        if (listening_.count && ++received_ >= *listening_.count) {
            done_ = true;
            changed_.notify_one();
        }
    }

    Listening listening_;
    std::unique_ptr<Connection> connection_;
    Connection& client_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<TopicTable> table_;  // from the SUBSCRIBE on
    std::uint64_t ended_ns_ = 0;
    bool done_ = false;  // -C reached
    long received_ = 0;
    std::atomic<bool> resubscribe_{false};
};

Listening topics_listening(const ConnectOptions& connection, const TopicsOptions& options) {
    if (!(options.window > 0)) throw usage_error("-W must be positive");
    if (options.qos < 0 || options.qos > 2) throw usage_error("-q must be 0, 1 or 2");
    Listening listening;
    std::vector<std::string> filters = options.filters;
    if (filters.empty()) filters.push_back("#");
    if (options.sys) filters.push_back("$SYS/#");
    for (const auto& filter : filters) {
        check_topic_filter(filter, "filter");
        // MQTT 5 keeps the retain flag of live messages this way, so that a retained
        // message published or removed while we listen shows as such.
        const bool retain_as_published = connection.version == ProtocolVersion::V5;
        listening.requests.push_back({filter, options.qos, false, retain_as_published, 0, {}});
    }
    listening.seconds = options.window;
    return listening;
}

Listening watch_listening(const SubOptions& options) {
    Listening listening;
    listening.requests = subscribe_requests(options);
    listening.filters_out = options.filters_out;
    listening.unsubscribe = options.unsubscribe;
    listening.unsubscribe_properties = options.unsubscribe_properties;
    listening.skip_retained = options.skip_retained;
    listening.count = options.count;
    listening.seconds = options.timeout;
    listening.timeout_fails = true;
    // Over the last 10 s, so that a topic that went quiet shows it.
    listening.rate_window_s = 10;
    return listening;
}

}  // namespace

PayloadDecoder payload_decoder(const CodecChoice& choice) {
    if (choice.name.empty()) return {};
    std::shared_ptr<const Codec> codec = make_codec(choice.name, {choice.proto_paths});
    return [codec](std::string_view payload) -> std::optional<std::string> {
        if (payload.empty()) return std::nullopt;
        try {
            // As sub prints it: a string that is not UTF-8 shows U+FFFD, not an error.
            return codec->decode(payload).dump(-1, ' ', false,
                                               nlohmann::json::error_handler_t::replace);
        } catch (const DecodeError&) {
            return std::nullopt;
        }
    };
}

ExitCode run_topics(const ConnectOptions& connection, const TopicsOptions& options,
                    const ConnectionFactory& connect, OutputSink& output) {
    Listener listener(connection, topics_listening(connection, options), connect, "topics");
    const ExitCode code = listener.run({}, {});
    // Interrupted too: what was seen so far is the answer to "what is on this broker".
    const std::uint64_t now = listener.ended_ns();
    output.write(options.json
                     ? inventory_json(listener.table(), now, options.decoder)
                     : inventory_text(listener.table(), now,
                                      {.width = options.width, .decoder = options.decoder}));
    output.flush();
    return code;
}

ExitCode run_watch(const ConnectOptions& connection, const SubOptions& options,
                   const ConnectionFactory& connect, TopicsView& view) {
    check_sub_options(connection, options);
    Listener listener(connection, watch_listening(options), connect, "sub");
    bool begun = false;
    const auto begin = [&](const std::string& endpoint) {
        view.begin(endpoint);
        begun = true;
    };
    const auto look = [&](const TopicTable& table, std::uint64_t now) {
        if (begun) view.compose(table, now);
    };
    return listener.run(begin, {look, [&] {
                                    if (begun) view.draw();
                                }});
}

}  // namespace mqtk
