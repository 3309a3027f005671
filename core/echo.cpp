// The echo loop. Arrivals are printed on Paho's receive thread and queued with the time
// they are due; the main thread republishes them when due (so a 1 s pause never blocks
// the socket). With --delay 0 the republish happens right in the receive callback: no
// thread hand-off, so round trips show the broker's latency, not ours.
//
// The loop must not die quietly. Three things keep it alive:
// - The subscription: the board skips its SUBSCRIBE when the broker says a session is
//   present, which is right only if that session holds this topic. The default client
//   id names the topic (a session per topic, so the board's case stays exactly the
//   board's), and a record of what each session was subscribed to (echo_session.h)
//   covers any id, -i included: no SUBSCRIBE only when the broker kept a session and the
//   record says it holds this topic at this QoS. Both are needed: a derived id alone
//   fails `-i x` with a new topic, and a run stopped before its SUBACK leaves a session
//   without the subscription; the record alone would make one session collect every
//   topic it ever looped on. A SUBSCRIBE when in doubt is harmless (the broker replaces
//   the subscription; under MQTT 5 retain-handling 1 keeps it from resending retained
//   messages). "Always subscribe" would have been simpler, but sends what the board
//   does not.
// - Reconnecting: after each reconnect the topic is subscribed again (a broker that
//   lost the session has no subscription).
// - Re-seeding: a loop whose own messages stop coming back (one lost with a broker that
//   restarted without persistence) publishes the first message again.
#include "core/echo.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/connection/client.h"
#include "core/echo_session.h"
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

// How long a loop may go without one of its own messages coming back before the first
// message is published again: a live loop returns one every --delay plus a round trip;
// twice that and a second leaves room for a slow broker without waiting long.
Clock::duration stall_bound(double delay) {
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(2 * delay + 1));
}

double seconds(Clock::duration duration) {
    return std::chrono::duration<double>(duration).count();
}

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

struct Pending {
    Clock::time_point due;
    Message message;
};

class Echo {
  public:
    Echo(const ConnectOptions& connection, const EchoOptions& options,
         const ConnectionFactory& connect, OutputSink& output, LiveHub* live)
        : options_(options),
          live_(live),
          formatter_(options.output),
          output_(output),
          connection_(connect(
              connection, "echo",
              SessionBehaviour{.auto_reconnect = true, .publish_while_disconnected = true})),
          client_(*connection_),
          tracker_(connection.client_id, connection.version == ProtocolVersion::V5),
          clean_(connection.clean_session),
          v5_(connection.version == ProtocolVersion::V5),
          seeds_(options.first_message && !options.responder && options.reply_topic.empty()),
          stall_bound_(stall_bound(options.delay)),
          session_file_(echo_session_file()) {
        client_.on_message([this](const Message& message) { arrived(message); });
        client_.on_connection_lost([this](const std::string&) {
            offline_ = true;
            up_ = false;
            ++connections_lost_;
        });
        client_.on_reconnected([this] {
            resubscribe_ = true;
            up_ = true;
            ++reconnected_;
        });
    }

    ExitCode run() {
        const LiveAttachment live(live_, [this] { return live_figures(false); });
        const auto session = client_.connect();
        up_ = true;
        connected_at_ = Clock::now();  // -W counts from here, as sub's and mosquitto_sub's do
        open_subscription(session);
        if (options_.first_message && !options_.responder) {
            publish_own(options_.topic, *options_.first_message);
        }
        {
            std::lock_guard lock(mutex_);
            progress_at_ = Clock::now();
        }
        const ExitCode code = loop();
        ended_at_ = Clock::now();
        // After a signal, at once: Ctrl-C with the broker away waited out the whole drain.
        if (code != ExitCode::Interrupted) drain();
        // After a signal nothing is worth waiting for: Paho holds the DISCONNECT back for
        // unacknowledged flows, and a late one lets the broker send the will.
        client_.disconnect(code == ExitCode::Interrupted ? std::chrono::milliseconds(0)
                                                         : std::chrono::milliseconds(2000));
        output_.flush();
        up_ = false;
        if (live_) live_->finish(live_figures(true));
        report();
        if (!failure_.empty()) throw Error(ExitCode::Failure, failure_);
        if (code == ExitCode::Success && !reader_gone_) check_loop_worked();
        return code;
    }

  private:
    // The board's rule, made safe (see the file comment): no SUBSCRIBE only when the broker
    // kept a session that our record says holds this topic at this QoS.
    void open_subscription(const ConnectResult& session) {
        session_key_ = {client_.endpoint(), session.client_id};
        if (clean_) {
            forget_subscription(session_file_, session_key_);  // the broker drops it too
            subscribe();
            return;
        }
        const auto held = remembered_subscription(session_file_, session_key_);
        if (session.session_present && held == EchoSubscription{options_.topic, options_.qos}) {
            remembered_ = true;
            return;
        }
        // A kept session on another topic would feed that topic's messages in as well.
        if (session.session_present && held && held->topic != options_.topic) {
            client_.unsubscribe({held->topic}, {}, deadline());
        }
        subscribe();
    }

    // `again` after a reconnect: a connection lost again before the SUBACK is no failure
    // (false; the next reconnect comes back here).
    bool subscribe(bool again = false) {
        SubscribeRequest request;
        request.filter = options_.topic;
        request.qos = options_.qos;
        // A SUBSCRIBE the session already has must not bring the retained message back.
        if (v5_) request.retain_handling = 1;
        // Within -W: a broker that never sends the SUBACK ends the run (exit 5), not hangs it.
        if (again) {
            if (!client_.resubscribe({request}, deadline())) return false;
        } else {
            client_.subscribe({request}, deadline());
        }
        if (!clean_ && !remembered_) {
            remember_subscription(session_file_, session_key_, {options_.topic, options_.qos});
            remembered_ = true;
        }
        return true;
    }

    // Stopping at -C or -W is success only if the loop ran: some of our own messages came
    // back (with -n or --responder: something arrived at all).
    void check_loop_worked() const {
        const bool worked = options_.first_message && !options_.responder
                                ? tracker_.counts().returned > 0
                                : printed_ > 0;
        if (worked) return;
        const double ran = std::round(seconds(ended_at_ - connected_at_) * 10) / 10;
        throw make_error(ExitCode::Timeout, "nothing came back on '{}' in {:g} s", options_.topic,
                         ran);
    }

    // The loop is stalled: connected and subscribed, yet none of our own messages came back
    // for stall_bound_. Not with -n (nothing of ours to wait for) or without a loop, and
    // not while the broker acknowledges nothing (QoS 1/2): a frozen broker still has our
    // messages, and would return the first one twice once it thaws. Half the bound: the
    // republish that went unanswered left at most --delay after the last return, so it
    // has waited delay + 1 s > (2 delay + 1) / 2 by now. (At QoS 0 nothing tells a frozen
    // broker from a lost message: it may get a second copy.)
    bool stalled(Clock::time_point now) const {
        return seeds_ && !offline_ && now - progress_at_ >= stall_bound_ &&
               client_.unacknowledged_for() < stall_bound_ / 2;
    }

    // Publishes the first message again; says why once per stall.
    void reseed(const std::string& why) {
        if (!stall_reported_.exchange(true)) {
            notice("{}; publishing '{}' again", why, *options_.first_message);
        }
        publish_own(options_.topic, *options_.first_message);
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
                const bool subscribed = subscribe(/*again=*/true);
                lock.lock();
                if (!subscribed) continue;
                // Anything of ours still in flight comes back within the bound from here.
                offline_ = false;
                progress_at_ = Clock::now();
                // Unless the broker lost our session: then it lost what we had in flight,
                // and what we published while away went out before this SUBSCRIBE. Seed
                // again at once, if no republish is still queued to carry the loop.
                if (seeds_ && !client_.session_present() && queue_.empty()) {
                    lock.unlock();
                    reseed("the broker lost the session");
                    lock.lock();
                }
                continue;
            }
            if (stalled(now)) {
                progress_at_ = now;
                lock.unlock();
                reseed(fmt::format("nothing came back in {:g} s", seconds(stall_bound_)));
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
            if (seeds_) wake = std::min(wake, progress_at_ + stall_bound_);
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
        // Only the loop's topic: a kept session may hold other subscriptions (made by
        // another program under the same client id) whose messages are not ours to echo.
        if (message.topic != options_.topic) return;
        const auto now_ns = monotonic_ns();
        std::unique_lock lock(mutex_);
        if (tracker_.on_receive(message, now_ns)) {
            progress_at_ = Clock::now();
            stall_reported_ = false;
        }
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
            message, from_callback ? Connection::GiveUp{}
                                   : [this] { return interrupted() || stopping_.load(); });
    }

    // The own messages as report() counts them; what is still in flight is lost only at the
    // end. Any thread: a copy under the loop's lock.
    LiveFigures live_figures(bool final) {
        LiveFigures f;
        f.command = "echo";
        {
            std::lock_guard lock(mutex_);
            const auto counts = tracker_.counts();
            f.sent = counts.sent;
            f.received = counts.returned;
            f.lost = final ? counts.outstanding : 0;
            f.duplicated = counts.duplicates;
            f.out_of_order = counts.out_of_order;
            f.latencies.emplace_back("round_trip", tracker_.round_trips());
        }
        f.connections_up = up_ ? 1 : 0;
        f.connections_lost = connections_lost_;
        f.reconnected = reconnected_;
        return f;
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
        std::fprintf(stderr, "mqtk echo: %s\n", round_trip_summary(rtt).c_str());
    }

    const EchoOptions& options_;
    LiveHub* live_;
    std::atomic<bool> up_{false};
    std::atomic<std::uint64_t> connections_lost_{0};  // Paho's callbacks: rare, any thread
    std::atomic<std::uint64_t> reconnected_{0};
    Formatter formatter_;
    OutputSink& output_;
    std::unique_ptr<Connection> connection_;
    Connection& client_;
    Clock::time_point connected_at_;
    Clock::time_point ended_at_;  // of the loop, before the drain

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
    bool v5_;
    bool seeds_;  // a loop of our own to keep alive: a first message, no reply topic
    Clock::duration stall_bound_;
    Clock::time_point progress_at_;  // last own return, (re)subscription or re-seed
    std::atomic<bool> stall_reported_{false};
    std::atomic<bool> offline_{false};  // lost, not yet subscribed again
    std::string session_file_;
    EchoSessionKey session_key_;
    bool remembered_ = false;  // the record holds this subscription
};

}  // namespace

ExitCode run_echo(const ConnectOptions& given, const EchoOptions& options,
                  const ConnectionFactory& connect, OutputSink& output, LiveHub* live) {
    const ConnectOptions connection = echo_connection(given, options);
    check_options(connection, options);
    Echo echo(connection, options, connect, output, live);
    return echo.run();
}

}  // namespace mqtk
