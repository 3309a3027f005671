// The probes of `mqtk check`. One connection (the probe) carries the round trips and the
// wildcards and publishes for the other checks; a check that might cost a connection
// (retain: mosquitto without retain drops a client that publishes one) or needs another
// client (shared members, the will's victim, the session's owner, MQTT 5) opens its own.
//
// Every wait for something to arrive is bounded twice: by the check's patience (at least
// 2 s, more for a broker slow to answer CONNECT), after which the check fails - a missing
// capability usually shows as nothing arriving - and by -W for the whole run, after which
// the run ends with exit 5. Clean sessions throughout; the persistent session of the
// session check and the retained message are cleared before the check ends.
#include "core/check.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/clock.h"
#include "core/connection/client.h"
#include "core/interrupt.h"
#include "core/topic.h"

namespace mqtk {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kRoundTrips = 5;       // messages per round trip: enough to see their order
constexpr std::size_t kSharedMessages = 10;  // split between two members
constexpr auto kMinPatience = 2s;            // how long a check waits for an arrival, at least
constexpr int kPatienceRounds = 20;          // ... or this many times the CONNECT's round trip
constexpr auto kDeepBudget = 3s;             // per --deep limit search
constexpr int kDeepTries = 12;               // attempts per --deep limit search
constexpr std::size_t kMaxDeepPayload = std::size_t{1} << 20;
constexpr std::size_t kMaxMqttString = 65535;  // topics and client ids
constexpr std::size_t kSpecClientId = 23;      // every broker must take 23 bytes
constexpr std::uint32_t kSessionExpiry = 60;   // the session check's, in case it is left

double ms_between(std::uint64_t from_ns, std::uint64_t to_ns) {
    return to_ns > from_ns ? static_cast<double>(to_ns - from_ns) / 1e6 : 0.0;
}

std::string transport_name(Transport transport) {
    switch (transport) {
        case Transport::Tcp:
            return "tcp";
        case Transport::Tls:
            return "tls";
        case Transport::WebSocket:
            return "ws";
        case Transport::WebSocketTls:
            return "wss";
    }
    return "tcp";
}

// A client id may hold characters a topic level may not.
std::string topic_safe(std::string text) {
    std::replace_if(
        text.begin(), text.end(), [](char c) { return c == '+' || c == '#' || c == '/'; }, '_');
    return text;
}

Message make_message(std::string topic, std::string payload, int qos, bool retain = false) {
    Message message;
    message.topic = std::move(topic);
    message.payload = std::move(payload);
    message.qos = qos;
    message.retain = retain;
    return message;
}

struct Arrival {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retain = false;
    int source = 0;  // which connection received it (the two shared members)
    std::uint64_t at_ns = 0;
};

using Arrivals = std::vector<Arrival>;

// Copies, not pointers: Inbox::arrivals() returns a temporary.
Arrivals on_topic(const Arrivals& arrivals, std::string_view topic) {
    Arrivals found;
    for (const auto& arrival : arrivals)
        if (arrival.topic == topic) found.push_back(arrival);
    return found;
}

bool any_retained(const Arrivals& arrivals) {
    return std::any_of(arrivals.begin(), arrivals.end(), [](const Arrival& a) { return a.retain; });
}

std::function<bool(const Arrivals&)> count_on(std::string topic, std::size_t count) {
    return [topic = std::move(topic), count](const Arrivals& arrivals) {
        return on_topic(arrivals, topic).size() >= count;
    };
}

// What arrived on one or more connections, filled on Paho's threads, read by the check.
class Inbox {
  public:
    void push(const Message& message, int source) {
        std::lock_guard lock(mutex_);
        arrivals_.push_back(
            {message.topic, message.payload, message.qos, message.retain, source, monotonic_ns()});
        changed_.notify_all();
    }
    void lost(const std::string& cause) {
        std::lock_guard lock(mutex_);
        if (lost_.empty()) lost_ = cause;
        changed_.notify_all();
    }
    // Until enough(arrivals) holds (true), a connection is lost or `until` (false).
    bool wait(const std::function<bool(const Arrivals&)>& enough, Clock::time_point until) {
        std::unique_lock lock(mutex_);
        for (;;) {
            if (enough(arrivals_)) return true;
            if (!lost_.empty() || Clock::now() >= until) return false;
            if (interrupted()) throw Error(ExitCode::Interrupted, "");
            changed_.wait_until(lock, std::min(until, Clock::now() + 20ms));
        }
    }
    Arrivals arrivals() const {
        std::lock_guard lock(mutex_);
        return arrivals_;
    }
    std::string lost_cause() const {
        std::lock_guard lock(mutex_);
        return lost_;
    }

  private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    Arrivals arrivals_;
    std::string lost_;
};

// One connection of the check, delivering into an Inbox that outlives it.
class Probe {
  public:
    Probe(const ConnectOptions& options, Inbox& inbox, int source = 0,
          SessionBehaviour behaviour = {})
        : client_(options, "check", behaviour) {
        client_.on_message([&inbox, source](const Message& m) { inbox.push(m, source); });
        client_.on_connection_lost([&inbox](const std::string& cause) { inbox.lost(cause); });
    }
    ConnectResult connect() { return client_.connect(); }
    Client& client() { return client_; }

  private:
    Client client_;
};

// Runs `cleanup` when leaving the scope, whatever happened; its own failure is ignored
// (it only tidies up after a result that is already known).
class Finally {
  public:
    explicit Finally(std::function<void()> cleanup) : cleanup_(std::move(cleanup)) {}
    ~Finally() {
        try {
            cleanup_();
        } catch (const std::exception&) {
        }
    }
    Finally(const Finally&) = delete;
    Finally& operator=(const Finally&) = delete;

  private:
    std::function<void()> cleanup_;
};

class Checker {
  public:
    Checker(const ConnectOptions& connection, const CheckOptions& options)
        : connection_(connection), options_(options), started_(Clock::now()) {
        deadline_ = started_ + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(options.timeout));
        // The probe's own session is clean whatever -c says: nothing may stay behind.
        connection_.clean_session = true;
        connection_.session_expiry.reset();
        connection_.connect_timeout = std::min(connection_.connect_timeout, options.timeout);
    }

    CheckReport run() {
        probe_ = std::make_unique<Probe>(connection_, inbox_);
        report_.checks.push_back(connect_check());
        run_one("qos0", [this] { return round_trip(0); });
        run_one("qos1", [this] { return round_trip(1); });
        run_one("qos2", [this] { return round_trip(2); });
        run_one("retain", [this] { return retain(); });
        run_one("wildcard", [this] { return wildcard(); });
        run_one("shared", [this] { return shared(); });
        run_one("will", [this] { return will(); });
        run_one("session", [this] { return session(); });
        run_one("v5", [this] { return v5(); });
        if (options_.deep) {
            run_one("topic_length", [this] { return longest_topic(); });
            run_one("payload_size", [this] { return largest_payload(); });
            run_one("client_id_length", [this] { return longest_client_id(); });
        }
        probe_->client().disconnect();
        report_.elapsed_ms =
            std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
        return report_;
    }

  private:
    // The connection itself: its failure is the run's (exit 3 or 4), not a check's.
    CheckEntry connect_check() {
        const auto start = monotonic_ns();
        connack_ = probe_->connect();
        const double ms = ms_between(start, monotonic_ns());
        patience_ = std::max<Clock::duration>(
            kMinPatience, std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double, std::milli>(ms * kPatienceRounds)));
        id_ = connack_.client_id;
        prefix_ = options_.prefix.empty() ? "mqtk/check/" + topic_safe(id_) : options_.prefix;
        report_.endpoint = probe_->client().endpoint();
        report_.transport = transport_name(connection_.transport);
        report_.protocol = protocol_name(connection_.version);
        report_.client_id = id_;
        report_.prefix = prefix_;

        CheckEntry entry;
        entry.name = "connect";
        entry.required = true;
        entry.ok = true;
        entry.figures = {{"ms", ms}, {"protocol", report_.protocol}};
        entry.properties = connack_.properties;
        entry.summary = fmt::format("{:.2f} ms, MQTT {}", ms, report_.protocol);
        if (!connack_.properties.empty()) {
            entry.summary += ": " + describe_properties(connack_.properties);
        }
        return entry;
    }

    // Runs one check; its errors make it fail, unless -W ran out (the run ends, exit 5) or
    // a signal came (130).
    void run_one(const std::string& name, const std::function<CheckEntry()>& check) {
        if (!report_.timed_out.empty()) return;
        CheckEntry entry;
        const auto started = monotonic_ns();
        if (const auto cause = inbox_.lost_cause(); !cause.empty()) {
            entry.skipped = "the probe's connection was lost: " + cause;
        } else {
            try {
                entry = check();
            } catch (const Error& error) {
                if (error.code() == ExitCode::Interrupted) throw;
                entry.ok = false;
                entry.summary = error.what();
            }
        }
        if (!entry.ok && Clock::now() >= deadline_) {
            report_.timed_out =
                fmt::format("timed out after {:g} s, in the {} check", options_.timeout, name);
            return;
        }
        entry.name = name;
        entry.required = options_.required.count(name) > 0;
        entry.figures.push_back({"check_ms", ms_between(started, monotonic_ns())});
        report_.checks.push_back(std::move(entry));
    }

    // Until when a check waits for what it expects.
    Clock::time_point patience() const { return std::min(deadline_, Clock::now() + patience_); }

    double seconds_left() const {
        return std::chrono::duration<double>(deadline_ - Clock::now()).count();
    }

    // The options of a further connection: the user's (broker, credentials, TLS, version)
    // with an id of its own, a clean session, no will.
    ConnectOptions side_options(std::string_view suffix) const {
        ConnectOptions options = connection_;
        options.client_id = fmt::format("{}-{}", id_, suffix);
        options.id_prefix.clear();
        options.will.reset();
        options.will_properties.clear();
        options.connect_timeout =
            std::min(std::max(seconds_left(), 0.1), connection_.connect_timeout);
        return options;
    }

    int subscribe(Probe& probe, const std::string& filter, int qos) {
        SubscribeRequest request;
        request.filter = filter;
        request.qos = qos;
        return probe.client().subscribe({request}, patience()).front();
    }

    // Publishes and waits for the acknowledgements; throws Error(Failure) saying what
    // went wrong.
    void publish(Client& client, const std::vector<Message>& messages, Inbox& inbox) {
        const auto until = patience();
        const auto give_up = [until] { return interrupted() || Clock::now() >= until; };
        for (const auto& message : messages) {
            if (!client.publish(message, give_up)) {
                throw make_error(ExitCode::Failure, "no room to publish to '{}'", message.topic);
            }
        }
        const bool done = client.wait_for_completion(until);
        if (client.publish_failed()) throw Error(ExitCode::Failure, client.first_publish_error());
        if (!done && !client.is_connected()) {
            const auto cause = inbox.lost_cause();
            throw make_error(ExitCode::Failure, "the broker closed the connection ({})",
                             cause.empty() ? "connection lost" : cause);
        }
        if (!done) throw Error(ExitCode::Failure, "the broker did not acknowledge the publish");
    }

    CheckEntry round_trip(int qos) {
        CheckEntry entry;
        const std::string topic = fmt::format("{}/qos{}", prefix_, qos);
        const int granted = subscribe(*probe_, topic, qos);
        entry.figures.push_back({"granted_qos", std::int64_t{granted}});
        if (granted < qos) {
            entry.summary = fmt::format("the broker granted QoS {} only", granted);
            return entry;
        }
        std::vector<Message> messages;
        for (std::size_t i = 1; i <= kRoundTrips; ++i)
            messages.push_back(make_message(topic, std::to_string(i), qos));
        const auto start = monotonic_ns();
        publish(probe_->client(), messages, inbox_);
        inbox_.wait(count_on(topic, kRoundTrips), patience());
        return judge_round_trip(std::move(entry), on_topic(inbox_.arrivals(), topic), qos, start);
    }

    static CheckEntry judge_round_trip(CheckEntry entry, const Arrivals& got, int qos,
                                       std::uint64_t start) {
        bool in_order = true;
        bool right_qos = true;
        for (std::size_t i = 0; i < got.size(); ++i) {
            in_order = in_order && got[i].payload == std::to_string(i + 1);
            right_qos = right_qos && got[i].qos == qos;
        }
        const double ms = got.empty() ? 0.0 : ms_between(start, got.back().at_ns);
        entry.figures.push_back({"sent", static_cast<std::int64_t>(kRoundTrips)});
        entry.figures.push_back({"received", static_cast<std::int64_t>(got.size())});
        entry.figures.push_back({"in_order", in_order});
        entry.figures.push_back({"ms", ms});
        entry.ok = got.size() == kRoundTrips && in_order && right_qos;
        if (entry.ok) {
            entry.summary =
                fmt::format("{} of {} in order, {:.2f} ms", got.size(), kRoundTrips, ms);
        } else if (got.size() != kRoundTrips) {
            entry.summary = fmt::format("{} of {} messages came back", got.size(), kRoundTrips);
        } else if (!in_order) {
            entry.summary = "the messages came back out of order";
        } else {
            entry.summary = fmt::format("the messages came back at another QoS than {}", qos);
        }
        return entry;
    }

    // Published by a connection of its own (mosquitto without retain drops a client that
    // publishes a retained message), read by the probe's later subscription, then cleared.
    CheckEntry retain() {
        CheckEntry entry;
        const auto* offered = find_property(connack_.properties, PropertyId::RetainAvailable);
        if (offered != nullptr && offered->number == 0) {
            entry.summary = "the broker does not offer retain (CONNACK retain-available 0)";
            return entry;
        }
        const std::string topic = prefix_ + "/retain";
        Inbox inbox;
        Probe publisher(side_options("retain"), inbox);
        publisher.connect();
        publish(publisher.client(), {make_message(topic, "retained", 1, true)}, inbox);
        const Finally clear([&] {
            publish(publisher.client(), {make_message(topic, "", 1, true)}, inbox);
            publisher.client().disconnect();
        });
        const auto start = monotonic_ns();
        subscribe(*probe_, topic, 1);
        inbox_.wait(count_on(topic, 1), patience());
        // Aedes acknowledges the PUBLISH before it stores the retained copy: a subscription
        // that came in between gets the message live, without the flag. Once it has, the
        // copy is stored, and a second SUBSCRIBE must bring it.
        if (!any_retained(on_topic(inbox_.arrivals(), topic)) &&
            !on_topic(inbox_.arrivals(), topic).empty()) {
            subscribe(*probe_, topic, 1);
            inbox_.wait([&](const Arrivals& a) { return any_retained(on_topic(a, topic)); },
                        patience());
        }
        const auto got = on_topic(inbox_.arrivals(), topic);
        const auto kept =
            std::find_if(got.begin(), got.end(), [](const Arrival& a) { return a.retain; });
        entry.ok = kept != got.end();
        if (entry.ok) {
            const double ms = ms_between(start, kept->at_ns);
            entry.figures.push_back({"ms", ms});
            entry.summary = fmt::format("kept and delivered to a later subscriber, {:.2f} ms", ms);
        } else {
            entry.summary = got.empty() ? "a later subscriber received nothing"
                                        : "the message came without the retain flag";
        }
        return entry;
    }

    // '+' must match one level only, '#' every level below and its parent.
    CheckEntry wildcard() {
        CheckEntry entry;
        const std::string plus = prefix_ + "/plus/";
        const std::string hash = prefix_ + "/hash";
        subscribe(*probe_, plus + "+/x", 1);
        subscribe(*probe_, hash + "/#", 1);
        const std::vector<std::string> expected = {plus + "a/x", hash, hash + "/a/b"};
        // The one that must not match goes first: were it delivered, it would come first.
        std::vector<Message> messages = {make_message(plus + "a/y", "", 1)};
        for (const auto& topic : expected)
            messages.push_back(make_message(topic, "", 1));
        const auto start = monotonic_ns();
        publish(probe_->client(), messages, inbox_);
        const auto all_expected = [&](const Arrivals& arrivals) {
            return std::all_of(expected.begin(), expected.end(), [&](const std::string& topic) {
                return !on_topic(arrivals, topic).empty();
            });
        };
        inbox_.wait(all_expected, patience());
        const auto arrivals = inbox_.arrivals();
        const bool plus_ok = !on_topic(arrivals, expected[0]).empty();
        const bool hash_ok = !on_topic(arrivals, expected[2]).empty();
        const bool parent_ok = !on_topic(arrivals, expected[1]).empty();
        const bool too_wide = !on_topic(arrivals, plus + "a/y").empty();
        entry.figures = {{"plus", plus_ok}, {"hash", hash_ok}, {"hash_parent", parent_ok}};
        entry.ok = plus_ok && hash_ok && parent_ok && !too_wide;
        if (entry.ok) {
            const auto last = std::max_element(
                arrivals.begin(), arrivals.end(),
                [](const Arrival& a, const Arrival& b) { return a.at_ns < b.at_ns; });
            entry.summary =
                fmt::format("'+' and '#' matched, {:.2f} ms", ms_between(start, last->at_ns));
        } else if (too_wide) {
            entry.summary = "'+' matched a topic it must not";
        } else if (!plus_ok) {
            entry.summary = "'+' matched nothing";
        } else {
            entry.summary = hash_ok ? "'#' did not match its parent level" : "'#' matched nothing";
        }
        return entry;
    }

    // Two members of one share: every message reaches exactly one of them.
    CheckEntry shared() {
        CheckEntry entry;
        const std::string topic = prefix_ + "/shared";
        const std::string filter = "$share/mqtk-check/" + topic;
        Inbox inbox;
        Probe first(side_options("share1"), inbox, 1);
        Probe second(side_options("share2"), inbox, 2);
        first.connect();
        second.connect();
        subscribe(first, filter, 1);
        subscribe(second, filter, 1);
        std::vector<Message> messages;
        for (std::size_t i = 1; i <= kSharedMessages; ++i)
            messages.push_back(make_message(topic, std::to_string(i), 1));
        publish(probe_->client(), messages, inbox_);
        inbox.wait([](const Arrivals& a) { return a.size() >= kSharedMessages; }, patience());
        const auto arrivals = inbox.arrivals();
        std::set<std::string> distinct;
        std::int64_t to_first = 0;
        for (const auto& arrival : arrivals) {
            distinct.insert(arrival.payload);
            to_first += arrival.source == 1 ? 1 : 0;
        }
        const auto to_second = static_cast<std::int64_t>(arrivals.size()) - to_first;
        entry.figures = {{"sent", static_cast<std::int64_t>(kSharedMessages)},
                         {"member1", to_first},
                         {"member2", to_second}};
        entry.ok = arrivals.size() == kSharedMessages && distinct.size() == kSharedMessages;
        if (entry.ok) {
            entry.summary =
                fmt::format("{} messages split {} + {}", kSharedMessages, to_first, to_second);
        } else if (arrivals.size() > distinct.size()) {
            entry.summary = "both members received the same messages (no shared subscriptions)";
        } else {
            entry.summary = fmt::format("{} of {} messages reached the members", arrivals.size(),
                                        kSharedMessages);
        }
        return entry;
    }

    // A second client with a will is cut off without DISCONNECT; the probe hears its will.
    CheckEntry will() {
        CheckEntry entry;
        const std::string topic = prefix_ + "/will";
        subscribe(*probe_, topic, 1);
        ConnectOptions options = side_options("will");
        options.will = WillOptions{topic, "gone", 1, false};
        Inbox inbox;
        Probe victim(options, inbox, 0, SessionBehaviour{.droppable = true});
        victim.connect();
        const auto start = monotonic_ns();
        victim.client().drop();
        inbox_.wait(count_on(topic, 1), patience());
        const auto got = on_topic(inbox_.arrivals(), topic);
        entry.ok = !got.empty() && got.front().payload == "gone";
        if (entry.ok) {
            const double ms = ms_between(start, got.front().at_ns);
            entry.figures.push_back({"ms", ms});
            entry.summary = fmt::format("delivered {:.2f} ms after the connection dropped", ms);
        } else {
            entry.summary = "no will arrived after the connection dropped";
        }
        return entry;
    }

    // A persistent session subscribed at QoS 1 goes offline; a message published meanwhile
    // must come when it is back. The session is cleared afterwards.
    CheckEntry session() {
        CheckEntry entry;
        const std::string topic = prefix_ + "/session";
        ConnectOptions options = side_options("session");
        options.clean_session = false;
        if (options.version == ProtocolVersion::V5) options.session_expiry = kSessionExpiry;
        const Finally forget([&] { clean_session(options); });
        {
            Inbox inbox;
            Probe owner(options, inbox);
            owner.connect();
            subscribe(owner, topic, 1);
            owner.client().disconnect();
        }
        publish(probe_->client(), {make_message(topic, "kept", 1)}, inbox_);
        Inbox inbox;
        Probe owner(options, inbox);
        const auto start = monotonic_ns();
        const bool present = owner.connect().session_present;
        inbox.wait(count_on(topic, 1), patience());
        const auto got = on_topic(inbox.arrivals(), topic);
        owner.client().disconnect();
        entry.figures = {{"session_present", present},
                         {"received", static_cast<std::int64_t>(got.size())}};
        entry.ok = present && got.size() == 1 && got.front().payload == "kept";
        if (entry.ok) {
            const double ms = ms_between(start, got.front().at_ns);
            entry.figures.push_back({"ms", ms});
            entry.summary = fmt::format("kept a QoS 1 message while offline, {:.2f} ms", ms);
        } else {
            entry.summary = !present ? "the broker did not keep the session"
                                     : "the session came back without the message";
        }
        return entry;
    }

    // Connects clean under the session's id, so that the broker forgets it.
    void clean_session(ConnectOptions options) {
        options.clean_session = true;
        options.session_expiry.reset();
        options.connect_timeout =
            std::min(std::max(seconds_left(), 0.5), connection_.connect_timeout);
        Inbox inbox;
        Probe cleaner(options, inbox);
        cleaner.connect();
        cleaner.client().disconnect();
    }

    // Whether the broker speaks MQTT 5: the probe's CONNACK under -V 5, else a connection
    // of its own.
    CheckEntry v5() {
        CheckEntry entry;
        if (connection_.version == ProtocolVersion::V5) {
            entry.ok = true;
            entry.summary = "spoken (the CONNACK's properties are under connect)";
            return entry;
        }
        ConnectOptions options = side_options("v5");
        options.version = ProtocolVersion::V5;
        Inbox inbox;
        Probe probe(options, inbox);
        const auto start = monotonic_ns();
        const auto connack = probe.connect();
        const double ms = ms_between(start, monotonic_ns());
        probe.client().disconnect();
        entry.ok = true;
        entry.figures = {{"ms", ms}};
        entry.properties = connack.properties;
        entry.summary = fmt::format("spoken, {:.2f} ms", ms);
        if (!connack.properties.empty())
            entry.summary += ": " + describe_properties(connack.properties);
        return entry;
    }

    // A connection for the --deep searches, opened again after the broker dropped one
    // (some drop a client whose packet they do not like).
    struct DeepProbe {
        std::unique_ptr<Inbox> inbox;
        std::unique_ptr<Probe> probe;
    };

    DeepProbe& deep_probe(DeepProbe& deep, const std::string& filter) {
        if (deep.probe && deep.inbox->lost_cause().empty()) return deep;
        deep.probe.reset();
        deep.inbox = std::make_unique<Inbox>();
        deep.probe = std::make_unique<Probe>(side_options("deep"), *deep.inbox);
        deep.probe->connect();
        subscribe(*deep.probe, filter, 1);
        return deep;
    }

    // Whether `message` comes back whole on a deep probe, within the search's time.
    bool comes_back(DeepProbe& deep, const std::string& filter, const Message& message,
                    Clock::time_point until) {
        if (Clock::now() >= until) return false;
        try {
            auto& d = deep_probe(deep, filter);
            publish(d.probe->client(), {message}, *d.inbox);
            return d.inbox->wait(
                [&](const Arrivals& arrivals) {
                    for (const auto& a : arrivals)
                        if (a.topic == message.topic && a.payload.size() == message.payload.size())
                            return true;
                    return false;
                },
                std::min(until, patience()));
        } catch (const Error& error) {
            if (error.code() == ExitCode::Interrupted) throw;
            return false;
        }
    }

    static CheckEntry limit_entry(const LimitSearch& search, std::string_view unit,
                                  bool cut_short) {
        CheckEntry entry;
        entry.ok = search.found;
        entry.figures = {{"largest", static_cast<std::int64_t>(search.largest)},
                         {"exact", search.exact && !cut_short},
                         {"tries", std::int64_t{search.tries}}};
        if (!search.found) {
            entry.summary = cut_short ? "the time bound ran out" : "not even the smallest worked";
        } else {
            entry.summary = fmt::format(
                "{}{} {}", search.exact && !cut_short ? "" : ">= ", search.largest, unit);
        }
        return entry;
    }

    CheckEntry longest_topic() {
        const std::string base = prefix_ + "/long/";
        const std::string filter = base + "#";
        const auto until = std::min(deadline_, Clock::now() + kDeepBudget);
        DeepProbe deep;
        const auto works = [&](std::size_t length) {
            const std::string topic = base + std::string(length - base.size(), 'x');
            return comes_back(deep, filter, make_message(topic, "", 1), until);
        };
        const auto search = search_limit(base.size() + 1, kMaxMqttString, works, kDeepTries);
        return limit_entry(search, "bytes", Clock::now() >= until);
    }

    CheckEntry largest_payload() {
        const std::string topic = prefix_ + "/payload";
        std::size_t most = kMaxDeepPayload;
        // The broker's maximum packet size, less the PUBLISH's header (fixed header, topic,
        // packet id, properties length): generous, so the largest tried fits.
        if (const auto* p = find_property(connack_.properties, PropertyId::MaximumPacketSize)) {
            const std::size_t overhead = topic.size() + 16;
            if (p->number > overhead) most = std::min<std::size_t>(most, p->number - overhead);
        }
        const auto until = std::min(deadline_, Clock::now() + kDeepBudget);
        DeepProbe deep;
        const auto works = [&](std::size_t size) {
            return comes_back(deep, topic, make_message(topic, std::string(size, 'x'), 1), until);
        };
        auto entry =
            limit_entry(search_limit(1, most, works, kDeepTries), "bytes", Clock::now() >= until);
        entry.figures.push_back({"tried_up_to", static_cast<std::int64_t>(most)});
        return entry;
    }

    CheckEntry longest_client_id() {
        const auto until = std::min(deadline_, Clock::now() + kDeepBudget);
        const std::string stem = id_ + "-";
        const auto works = [&](std::size_t length) {
            if (Clock::now() >= until) return false;
            ConnectOptions options = side_options("id");
            options.client_id = stem.size() < length ? stem + std::string(length - stem.size(), 'x')
                                                     : std::string(length, 'x');
            try {
                Inbox inbox;
                Probe probe(options, inbox);
                probe.connect();
                probe.client().disconnect();
                return true;
            } catch (const Error& error) {
                if (error.code() == ExitCode::Interrupted || error.code() == ExitCode::Usage) {
                    throw;
                }
                return false;
            }
        };
        const auto search = search_limit(kSpecClientId, kMaxMqttString, works, kDeepTries);
        return limit_entry(search, "bytes", Clock::now() >= until);
    }

    ConnectOptions connection_;
    CheckOptions options_;
    Clock::time_point started_;
    Clock::time_point deadline_;
    Clock::duration patience_ = kMinPatience;
    Inbox inbox_;  // before probe_, which delivers into it
    std::unique_ptr<Probe> probe_;
    ConnectResult connack_;
    std::string id_;
    std::string prefix_;
    CheckReport report_;
};

}  // namespace

CheckReport run_checks(const ConnectOptions& connection, const CheckOptions& options) {
    if (!options.prefix.empty()) check_topic_name(options.prefix, "prefix (-t)");
    if (options.timeout <= 0) throw usage_error("-W must be positive");
    // Each check waits on the broker's answers in turn: against mosquitto's default (Nagle
    // on), every answer that followed another waited 40 ms for our delayed ACK.
    acknowledge_reads_at_once();
    return Checker(connection, options).run();
}

ExitCode run_check(const ConnectOptions& connection, const CheckOptions& options) {
    const CheckReport report = run_checks(connection, options);
    if (!options.quiet) {
        const std::string text =
            options.json ? check_report_json(report) : format_check_table(report, options.colour);
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    }
    const CheckVerdict verdict = check_verdict(report);
    if (verdict.code != ExitCode::Success) throw Error(verdict.code, verdict.message);
    return ExitCode::Success;
}

}  // namespace mqtk
