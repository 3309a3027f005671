// The publisher: validate and load the payload before connecting (bad input is exit 2
// and touches no broker), stream through Client's bounded window, then wait until every
// message is written (QoS 0) or acknowledged (QoS 1/2) before disconnecting.
#include "core/pub.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/client.h"
#include "core/interrupt.h"
#include "core/jsonl.h"
#include "core/line_reader.h"
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

// The single message of -m, -f, -s and -n, read before connecting.
std::string load_payload(const PubOptions& options) {
    switch (options.source) {
        case PayloadSource::Message:
            return options.message;
        case PayloadSource::File:
            return read_file(options.file);
        case PayloadSource::Stdin:
            return read_all_from_fd(STDIN_FILENO, "stdin");
        default:
            return {};
    }
}

class Publisher {
  public:
    Publisher(const ConnectOptions& connection, const PubOptions& options)
        : options_(options), client_(connection, "pub") {
        if (options.timeout) {
            deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(*options.timeout));
        }
    }

    ExitCode run(std::string payload) {
        try {
            client_.connect();
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

    bool should_stop() const {
        return interrupted() || (deadline_ && Clock::now() >= *deadline_) ||
               !client_.first_publish_error().empty();
    }

    ExitCode publish_repeated(std::string payload) {
        const Message message = make_message(std::move(payload));
        for (long i = 0; i < options_.repeat && !should_stop(); ++i) {
            if (i > 0 && options_.repeat_delay > 0) {
                pause(options_.repeat_delay, deadline_);
                if (should_stop()) break;
            }
            client_.publish(message);
        }
        return ExitCode::Success;
    }

    ExitCode publish_lines() {
        LineReader reader(STDIN_FILENO);
        Message message = make_message({});
        std::string_view line;
        for (;;) {
            switch (reader.next(line, deadline_)) {
                case LineReader::Status::Line:
                    message.payload.assign(line);
                    client_.publish(message);
                    if (!client_.first_publish_error().empty()) return ExitCode::Success;
                    break;
                case LineReader::Status::End:
                    return ExitCode::Success;
                case LineReader::Status::Interrupted:
                    return ExitCode::Interrupted;
                case LineReader::Status::TimedOut:
                    return ExitCode::Timeout;
            }
        }
    }

    ExitCode publish_json_lines() {
        LineReader reader(STDIN_FILENO);
        std::string_view line;
        for (long number = 1;; ++number) {
            switch (reader.next(line, deadline_)) {
                case LineReader::Status::Line: {
                    if (line.find_first_not_of(" \t\r") == std::string_view::npos) break;
                    Message message;
                    try {
                        // A record without "qos" or "retain" takes -q and -r.
                        JsonRecord record = parse_json_record(line);
                        message = std::move(record.message);
                        if (!record.has_qos) message.qos = options_.qos;
                        if (!record.has_retain) message.retain = options_.retain;
                    } catch (const Error& error) {
                        bad_line_ = fmt::format("--jsonl line {}: {}", number, error.what());
                        return ExitCode::Usage;
                    }
                    client_.publish(message);
                    if (!client_.first_publish_error().empty()) return ExitCode::Success;
                    break;
                }
                case LineReader::Status::End:
                    return ExitCode::Success;
                case LineReader::Status::Interrupted:
                    return ExitCode::Interrupted;
                case LineReader::Status::TimedOut:
                    return ExitCode::Timeout;
            }
        }
    }

    // Waits for the outstanding acknowledgements, disconnects, and turns what happened
    // into the exit code and its one line.
    ExitCode finish(ExitCode code) {
        if (code == ExitCode::Success || code == ExitCode::Usage) {
            while (!client_.wait_for_completion(next_wake())) {
                if (interrupted()) {
                    code = ExitCode::Interrupted;
                    break;
                }
                if (deadline_ && Clock::now() >= *deadline_) {
                    code = ExitCode::Timeout;
                    break;
                }
                if (!client_.is_connected()) break;
            }
        }
        // What happened so far; the disconnect itself fails whatever is still in flight,
        // which is not the broker refusing anything.
        const bool lost = !client_.is_connected();
        const auto counts = client_.counts();
        const std::string refused = client_.first_publish_error();
        // Past the -W deadline nothing is worth waiting for: Paho would hold the DISCONNECT
        // back for the unacknowledged flows until the disconnect timeout (2 s).
        if (code == ExitCode::Timeout) {
            client_.disconnect(std::chrono::milliseconds(0));
        } else {
            client_.disconnect();
        }
        const auto missing = counts.sent - counts.completed;
        if (!bad_line_.empty()) throw Error(ExitCode::Usage, bad_line_);
        if (!refused.empty()) {
            throw make_error(ExitCode::Failure, "{} ({} of {} messages not delivered)", refused,
                             missing, counts.sent);
        }
        if (code == ExitCode::Timeout) {
            throw make_error(ExitCode::Timeout, "timed out: {} of {} messages not acknowledged",
                             missing, counts.sent);
        }
        if (code == ExitCode::Interrupted) return code;
        if (lost && missing > 0) {
            throw make_error(ExitCode::Failure,
                             "connection to {} lost: {} of {} messages not acknowledged",
                             client_.endpoint(), missing, counts.sent);
        }
        return code;
    }

    // wait_for_completion wakes at least this often to notice interrupts.
    Deadline next_wake() const {
        auto wake = Clock::now() + std::chrono::milliseconds(100);
        if (deadline_ && *deadline_ < wake) wake = *deadline_;
        return wake;
    }

    const PubOptions& options_;
    Client client_;
    Deadline deadline_;
    std::string bad_line_;
};

}  // namespace

ExitCode run_pub(const ConnectOptions& connection, const PubOptions& options) {
    check_options(connection, options);
    std::string payload = load_payload(options);
    ConnectOptions bounded = connection;
    if (options.timeout)
        bounded.connect_timeout = std::min(bounded.connect_timeout, *options.timeout);
    Publisher publisher(bounded, options);
    return publisher.run(std::move(payload));
}

}  // namespace mqtk
