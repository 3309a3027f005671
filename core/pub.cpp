// The publisher: validate and load the payload before connecting (bad input is exit 2
// and touches no broker), stream through Client's bounded window, then wait until every
// message is written (QoS 0) or acknowledged (QoS 1/2) before disconnecting.
//
// A lost connection is not the end: the client reconnects with back-off and goes on,
// and messages published meanwhile wait in the window. With -c the session survives, so
// Paho resends the unacknowledged QoS 1/2 messages with their packet ids and the broker
// completes them exactly once. A broker that stays away longer than --connect-timeout
// ends the run with exit 3 and the count of messages it never acknowledged: one-shot
// or streaming, pub never retries for ever (mosquitto_pub -l hangs there).
#include "core/pub.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "core/codec/encode.h"
#include "core/interrupt.h"
#include "core/jsonl.h"
#include "core/line_reader.h"
#include "core/packet_size.h"
#include "core/topic.h"

namespace mqtk {
namespace {

using Clock = std::chrono::steady_clock;
using Deadline = std::optional<Clock::time_point>;

// Sleeps up to `seconds`, waking early on an interrupt or the deadline.
void pause(double seconds, const Deadline& deadline) {
    auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(seconds));
    if (deadline && *deadline < until) until = *deadline;
    while (Clock::now() < until && !interrupted()) {
        std::this_thread::sleep_for(
            std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
    }
}

void check_options(const ConnectOptions& connection, const PubOptions& options) {
    if (options.source != PayloadSource::JsonLines) check_topic_name(options.topic, "topic");
    if (options.qos < 0 || options.qos > 2) throw usage_error("QoS must be 0, 1 or 2");
    if (options.repeat < 1) throw usage_error("--repeat must be at least 1");
    if (options.repeat_delay < 0) throw usage_error("--repeat-delay must not be negative");
    if (options.timeout && *options.timeout <= 0) throw usage_error("-W must be positive");
    if (!options.properties.empty() && connection.version != ProtocolVersion::V5) {
        throw usage_error("MQTT 5 properties (-D) need -V 5");
    }
}

// --encode's codec, built (and its name checked) before anything is read or connected.
std::unique_ptr<Codec> make_encoder(const PubOptions& options) {
    if (options.encode.name.empty()) return nullptr;
    if (options.source == PayloadSource::Null) {
        throw usage_error("--encode: -n publishes an empty message, there is nothing to encode");
    }
    return make_codec(options.encode.name, CodecOptions{options.encode.proto_paths});
}

// The single message's source, as --encode's errors name it.
std::string source_name(const PubOptions& options) {
    switch (options.source) {
        case PayloadSource::File:
            return fmt::format("-f {}", options.file);
        case PayloadSource::Stdin:
            return "-s";
        default:
            return "-m";
    }
}

}  // namespace

std::string load_single_payload(PayloadSource source, const std::string& message,
                                const std::string& file, int input,
                                std::optional<std::chrono::steady_clock::time_point> deadline,
                                double timeout_seconds) {
    switch (source) {
        case PayloadSource::Message:
            return message;
        case PayloadSource::File:
            return read_file(file);
        case PayloadSource::Stdin:
            try {
                return read_all_from_fd(input, "stdin", deadline);
            } catch (const Error& error) {
                if (error.code() != ExitCode::Timeout) throw;
                throw make_error(
                    ExitCode::Timeout,
                    "timed out after {} s: stdin not read to its end, nothing published",
                    timeout_seconds);
            }
        default:
            return {};
    }
}

namespace {

// How much of the input was published when -W ended the run (see timeout_report()).
enum class Unfinished { Nothing, Repeats, Stdin };

// Why publishing stopped before the input ended.
enum class Stop { None, Interrupted, Timeout, Refused, BrokerGone, Stalled };

bool is_blank(std::string_view line) {
    return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

class Publisher {
  public:
    Publisher(const ConnectOptions& connection, const PubOptions& options, Deadline deadline,
              const ConnectionFactory& connect, int input, const Codec* encoder)
        : options_(options),
          encoder_(encoder),
          connection_(connect(
              connection, "pub",
              SessionBehaviour{.auto_reconnect = true, .publish_while_disconnected = true})),
          client_(*connection_),
          input_(input),
          reconnect_budget_(std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::duration<double>(connection.connect_timeout))),
          version_(connection.version),
          deadline_(deadline) {}

    ExitCode run(std::string payload) {
        try {
            const ConnectResult session = client_.connect();
            if (const auto* p = find_property(session.properties, PropertyId::MaximumPacketSize)) {
                broker_maximum_ = static_cast<std::uint32_t>(p->number);
            }
        } catch (const Error& error) {
            // -W bounds the whole run, the connection attempt included (see run_pub).
            if (error.code() == ExitCode::Unreachable && deadline_ && Clock::now() >= *deadline_) {
                throw make_error(ExitCode::Timeout, "timed out after {} s: {}", *options_.timeout,
                                 error.what());
            }
            throw;
        }
        ExitCode code = ExitCode::Success;
        switch (options_.source) {
            case PayloadSource::StdinLines:
                code = publish_lines();
                break;
            case PayloadSource::JsonLines:
                code = publish_json_lines();
                break;
            default:
                code = publish_repeated(std::move(payload));
                break;
        }
        return finish(code);
    }

  private:
    Message make_message(std::string payload) const {
        Message message;
        message.topic = options_.topic;
        message.payload = std::move(payload);
        message.qos = options_.qos;
        message.retain = options_.retain;
        message.properties = options_.properties;
        return message;
    }

    Stop stop_reason() const {
        if (interrupted()) return Stop::Interrupted;
        if (deadline_ && Clock::now() >= *deadline_) return Stop::Timeout;
        if (client_.publish_failed() || !too_large_.empty()) return Stop::Refused;
        if (client_.offline_for() > reconnect_budget_) return Stop::BrokerGone;
        // Connected, yet nothing acknowledged for that long: a broker that dropped the
        // flows (RabbitMQ 3.10 and QoS 2), or a client library that lost them.
        if (client_.is_connected() && client_.unacknowledged_for() > stall_budget_) {
            return Stop::Stalled;
        }
        return Stop::None;
    }
    bool should_stop() const { return stop_reason() != Stop::None; }
    // The part of should_stop() worth asking after every message (no lock, no copy): the
    // rest only matters once the window is full, where publish() asks should_stop().
    bool stop_now() const {
        return interrupted() || (deadline_ && Clock::now() >= *deadline_) ||
               client_.publish_failed() || !too_large_.empty();
    }

    // Publishes one message, waiting for room in the window as long as nothing says stop.
    // A message larger than the broker's Maximum Packet Size is refused here: sent, it
    // would make the broker drop the connection.
    // `message` may be an rvalue: its payload is then given away, not copied.
    template <typename M>
    bool publish(M&& message) {
        if (broker_maximum_) {
            try {
                check_publish_size(message, version_, broker_maximum_);
            } catch (const Error& error) {
                too_large_ = error.what();
                return false;
            }
        }
        qos2_sent_ = qos2_sent_ || message.qos == 2;
        return client_.publish(std::forward<M>(message), [this] { return should_stop(); });
    }

    // Why publishing stopped, as the exit code; finish() adds the words.
    ExitCode stopped() {
        const Stop stop = stop_reason();
        if (stop == Stop::Stalled) stalled_ = true;
        return code_for(stop);
    }

    // stopped() with stdin not read to its end.
    ExitCode stopped_reading() {
        unfinished_ = Unfinished::Stdin;
        return stopped();
    }

    // The exit code for a stop in the middle of the input; finish() adds the words.
    static ExitCode code_for(Stop stop) {
        switch (stop) {
            case Stop::Interrupted:
                return ExitCode::Interrupted;
            case Stop::Timeout:
                return ExitCode::Timeout;
            case Stop::BrokerGone:
                return ExitCode::Unreachable;
            case Stop::Stalled:
                return ExitCode::Failure;
            default:
                return ExitCode::Success;  // a refusal is reported by finish()
        }
    }

    ExitCode publish_repeated(std::string payload) {
        Message message = make_message(std::move(payload));
        long sent = 0;
        for (; sent < options_.repeat && !stop_now(); ++sent) {
            if (sent > 0 && options_.repeat_delay > 0) {
                pause(options_.repeat_delay, deadline_);
                if (should_stop()) break;
            }
            // The last copy gives its payload away: a large -f file is not copied again.
            const bool last = sent + 1 == options_.repeat;
            if (!(last ? publish(std::move(message)) : publish(std::as_const(message)))) break;
        }
        if (sent < options_.repeat) {
            unfinished_ = Unfinished::Repeats;
            repeats_sent_ = sent;
        }
        return stopped();
    }

    // Reads stdin line by line until its end, a signal or the deadline, calling
    // `on_line(line, number)` (numbers from 1) for each: a code it returns ends the run.
    template <typename OnLine>
    ExitCode for_each_line(OnLine&& on_line) {
        LineReader reader(input_);
        std::string_view line;
        for (long number = 1;; ++number) {
            switch (reader.next(line, deadline_)) {
                case LineReader::Status::Line:
                    if (const std::optional<ExitCode> end = on_line(line, number)) return *end;
                    break;
                case LineReader::Status::End:
                    return ExitCode::Success;
                case LineReader::Status::Interrupted:
                    return ExitCode::Interrupted;
                case LineReader::Status::TimedOut:
                    unfinished_ = Unfinished::Stdin;
                    return ExitCode::Timeout;
            }
        }
    }

    ExitCode publish_lines() {
        Message message = make_message({});
        return for_each_line([&](std::string_view line, long number) -> std::optional<ExitCode> {
            if (encoder_ != nullptr) {
                // As --jsonl: blank lines are skipped, a bad line ends the run (exit 2)
                // with the lines before it published.
                if (is_blank(line)) return std::nullopt;
                try {
                    message.payload =
                        encode_json_text(*encoder_, line, fmt::format("-l line {}", number));
                } catch (const Error& error) {
                    bad_line_ = error.what();
                    return ExitCode::Usage;
                }
            } else {
                message.payload.assign(line);
            }
            if (!publish(message) || stop_now()) return stopped_reading();
            return std::nullopt;
        });
    }

    ExitCode publish_json_lines() {
        return for_each_line([&](std::string_view line, long number) -> std::optional<ExitCode> {
            if (is_blank(line)) return std::nullopt;
            Message message;
            try {
                // A record without "qos" or "retain" takes -q and -r.
                JsonRecord record = parse_json_record(line);
                // Dropping them would replay something else than was captured; -D under
                // MQTT 3 is refused likewise.
                if (!record.message.properties.empty() && version_ != ProtocolVersion::V5) {
                    throw usage_error("it has MQTT 5 properties, which need -V 5");
                }
                message = std::move(record.message);
                if (encoder_ != nullptr) {
                    message.payload = encode_json_text(*encoder_, message.payload, "payload");
                }
                if (!record.has_qos) message.qos = options_.qos;
                if (!record.has_retain) message.retain = options_.retain;
            } catch (const Error& error) {
                bad_line_ = fmt::format("--jsonl line {}: {}", number, error.what());
                return ExitCode::Usage;
            }
            if (!publish(message) || stop_now()) return stopped_reading();
            return std::nullopt;
        });
    }

    // Waits for the outstanding acknowledgements, disconnects, and turns what happened
    // into the exit code and its one line.
    ExitCode finish(ExitCode code) {
        if (code == ExitCode::Success || code == ExitCode::Usage) {
            while (!client_.wait_for_completion(next_wake())) {
                const Stop stop = stop_reason();
                if (stop == Stop::Refused) break;
                if (stop != Stop::None) {
                    code = stopped();
                    break;
                }
            }
        }
        // What happened so far; the disconnect itself fails whatever is still in flight,
        // which is not the broker refusing anything.
        const bool lost = !client_.is_connected();
        const auto counts = client_.counts();
        // Paho still tracks more flows than we have unfinished: QoS 2 flows the broker
        // answered with a PUBACK (see Client::library_unfinished()). Their window never
        // frees, so a run cut short by -W or the stall budget has that as its real cause.
        std::size_t downgraded = 0;
        // Only a broker that answers can have downgraded a flow; while it is away, Paho's
        // queued CONNECT would count as a flow too.
        if (qos2_sent_ && !lost &&
            (code == ExitCode::Success || code == ExitCode::Timeout || stalled_)) {
            const std::size_t unfinished = counts.sent - counts.completed;
            const std::size_t tracked = client_.library_unfinished();
            if (tracked > unfinished) downgraded = tracked - unfinished;
        }
        const std::string refused = too_large_.empty() ? client_.first_publish_error() : too_large_;
        // Past the -W deadline, after a signal or with the broker gone, nothing is worth
        // waiting for: Paho would hold the DISCONNECT back for the unacknowledged flows
        // until the disconnect timeout (2 s), and a late one lets the broker send the will.
        if (code == ExitCode::Timeout || code == ExitCode::Unreachable ||
            code == ExitCode::Interrupted || stalled_) {
            client_.disconnect(std::chrono::milliseconds(0));
        } else {
            client_.disconnect();
        }
        // (A message the kept session sends again after a reconnect counts as not
        // acknowledged here, though its flow usually completes: Paho holds the DISCONNECT
        // back for it. Only a failed run names these numbers.)
        // A message refused as too large never entered the window: it is one more attempted
        // and not delivered.
        const std::size_t too_large = too_large_.empty() ? 0 : 1;
        const auto missing = counts.sent - counts.completed + too_large;
        if (!bad_line_.empty()) throw Error(ExitCode::Usage, bad_line_);
        if (!refused.empty()) {
            throw make_error(ExitCode::Failure, "{} ({} of {} messages not delivered)", refused,
                             missing, counts.sent + too_large);
        }
        if (downgraded > 0) {
            // Delivered, but at most once more is not promised: mosquitto_pub calls it a
            // protocol error.
            throw make_error(
                ExitCode::Failure,
                "the broker answered {} of {} QoS 2 messages with a PUBACK, as QoS 1: "
                "it may not support QoS 2 (use -q 1 with it){}",
                downgraded, counts.sent,
                code == ExitCode::Timeout || stalled_ ? "; nothing more could be sent" : "");
        }
        if (code == ExitCode::Timeout) throw Error(ExitCode::Timeout, timeout_report(counts));
        if (code == ExitCode::Interrupted) return code;
        if (stalled_) {
            throw make_error(ExitCode::Failure,
                             "the broker acknowledged nothing for {} s: {} of {} messages not "
                             "acknowledged{}",
                             seconds(stall_budget_), missing, counts.sent,
                             options_.qos == 2 ? " (does it support QoS 2? try -q 1)" : "");
        }
        if (counts.dropped > 0) {
            throw make_error(ExitCode::Failure,
                             "connection to {} was lost: {} of {} messages in flight were dropped "
                             "with the clean session (-c -i ID keeps them for resending)",
                             client_.endpoint(), counts.dropped, counts.sent);
        }
        if (code == ExitCode::Unreachable || (lost && missing > 0)) {
            throw make_error(ExitCode::Unreachable,
                             "connection to {} lost and not regained within {} s: {} of {} "
                             "messages not acknowledged",
                             client_.endpoint(), seconds(reconnect_budget_), missing, counts.sent);
        }
        return code;
    }

    // What -W cut short: the input not yet published, and what the broker did not
    // acknowledge of what was.
    std::string timeout_report(const PublishCounts& counts) const {
        const auto missing = counts.sent - counts.completed;
        const std::string acks =
            missing == 0 ? "all acknowledged"
                         : fmt::format("{} of {} not acknowledged", missing, counts.sent);
        std::string what;
        switch (unfinished_) {
            case Unfinished::Repeats:
                what =
                    fmt::format("{} of {} repeats sent, {}", repeats_sent_, options_.repeat, acks);
                break;
            case Unfinished::Stdin:
                what = counts.sent == 0
                           ? std::string("stdin not read to its end, nothing published")
                           : fmt::format("stdin not read to its end; {} messages published, {}",
                                         counts.sent, acks);
                break;
            case Unfinished::Nothing:
                what = fmt::format("{} of {} messages not acknowledged", missing, counts.sent);
                break;
        }
        return fmt::format("timed out after {} s: {}", *options_.timeout, what);
    }

    // wait_for_completion wakes at least this often to notice interrupts.
    Deadline next_wake() const {
        auto wake = Clock::now() + std::chrono::milliseconds(100);
        if (deadline_ && *deadline_ < wake) wake = *deadline_;
        return wake;
    }

    static double seconds(std::chrono::nanoseconds span) {
        return std::chrono::duration<double>(span).count();
    }

    const PubOptions& options_;
    const Codec* encoder_;  // --encode, or null
    std::unique_ptr<Connection> connection_;
    Connection& client_;
    int input_;                                  // stdin, for -l and --jsonl
    std::chrono::nanoseconds reconnect_budget_;  // --connect-timeout, from each loss
    // Without any acknowledgement while connected for this long, the run ends.
    std::chrono::nanoseconds stall_budget_ = std::chrono::seconds(30);
    bool stalled_ = false;
    ProtocolVersion version_;
    std::optional<std::uint32_t> broker_maximum_;  // Maximum Packet Size of a v5 CONNACK
    std::string too_large_;                        // why a message was not sent
    Deadline deadline_;
    std::string bad_line_;
    Unfinished unfinished_ = Unfinished::Nothing;
    bool qos2_sent_ = false;  // only QoS 2 flows can be answered with a PUBACK
    long repeats_sent_ = 0;
};

}  // namespace

ExitCode run_pub(const ConnectOptions& connection, const PubOptions& options,
                 const ConnectionFactory& connect, int input) {
    check_options(connection, options);
    // -W bounds the whole run from here: reading stdin, connecting, publishing, waiting.
    Deadline deadline;
    if (options.timeout) {
        deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(*options.timeout));
    }
    const auto encoder = make_encoder(options);
    std::string payload = load_single_payload(options.source, options.message, options.file, input,
                                              deadline, options.timeout.value_or(0));
    // mosquitto_pub refuses it too ("Zero length input"), before connecting: an empty pipe
    // is more often a failed producer than a wish to publish nothing.
    if (options.source == PayloadSource::Stdin && payload.empty()) {
        throw usage_error("-s: zero length input on stdin (-n publishes an empty message)");
    }
    ConnectOptions bounded = connection;
    if (deadline) {
        const double left = std::chrono::duration<double>(*deadline - Clock::now()).count();
        bounded.connect_timeout = std::min(bounded.connect_timeout, std::max(left, 0.01));
    }
    // The single message is encoded before connecting: bad JSON sends nothing.
    if (encoder && options.source != PayloadSource::StdinLines &&
        options.source != PayloadSource::JsonLines) {
        payload = encode_json_text(*encoder, payload, source_name(options));
    }
    Publisher publisher(bounded, options, deadline, connect, input, encoder.get());
    return publisher.run(std::move(payload));
}

}  // namespace mqtk
