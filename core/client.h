// The one way mqtk talks to a broker. Every command connects through Client; it is the
// only code that includes Paho, so Paho's types, traps and error codes stop here and
// the rest of the core sees plain Messages, Properties and mqtk::Error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/message.h"
#include "core/options.h"
#include "core/publish_counts.h"
#include "core/publish_window.h"  // publish_refill_mark(), for bench's own windows

namespace mqtk {

struct ConnectResult {
    bool session_present = false;
    ProtocolVersion version = ProtocolVersion::V311;
    int receive_maximum = 65535;  // the broker's (v5), or ours under v3
    std::string client_id;        // as used; the broker's assigned id if ours was empty
    Properties properties;        // CONNACK properties (v5)
};

struct SubscribeRequest {
    std::string filter;
    int qos = 0;
    bool no_local = false;
    bool retain_as_published = false;
    int retain_handling = 0;  // 0 send retained, 1 only on new subscription, 2 never
    Properties properties;    // subscription-identifier, user-property
};

// Totals of publish outcomes so far.
// How a command wants the connection to behave beyond the user's options.
struct SessionBehaviour {
    // Reconnect after a loss, with a back-off capped at 0.5 s, and say on stderr (notice())
    // when the connection is lost and when it is back, once each (sub, echo, pub).
    bool auto_reconnect = false;
    bool publish_while_disconnected = false;  // queue publishes until reconnected (echo)
    // Note the connection's socket at connect(), so that drop() can cut it (check's will).
    bool droppable = false;
};

class Client {
  public:
    using MessageHandler = std::function<void(const Message&)>;
    using LostHandler = std::function<void(const std::string& cause)>;
    using ConnectedHandler = std::function<void()>;

    // `command` names the default client id (mqtk_<command>_<pid>). Throws Error(Usage)
    // for options that cannot work (e.g. a v5 property on a v3 connection).
    Client(const ConnectOptions& options, std::string_view command,
           SessionBehaviour behaviour = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Handlers run on Paho's receive thread: they must not block on the client. The
    // Message passed to on_message is reused for the next arrival; copy what you keep.
    void on_message(MessageHandler handler);
    // Connection lost for good (no auto reconnect) or, with auto reconnect, each loss.
    void on_connection_lost(LostHandler handler);
    // After an automatic reconnect succeeded.
    void on_reconnected(ConnectedHandler handler);
    // Optional, for bench's publish-to-ack latency: called once per publish when it
    // completes (written for QoS 0, acknowledged for QoS 1/2) or fails, with the
    // monotonic_ns() at which publish() handed it to Paho. Runs on Paho's threads (QoS 0
    // on the send thread with Paho's lock held): it must be quick and must not block.
    // Set it before the first publish.
    using PublishCompletion = std::function<void(std::uint64_t published_ns, bool ok)>;
    void on_publish_complete(PublishCompletion handler);

    // Blocks until CONNACK. Throws Error(Unreachable) or Error(Refused) with one line.
    ConnectResult connect();
    // Starts connecting and returns at once, for opening many connections together (bench
    // storms), where a thread blocked in connect() per connection does not scale. `done`
    // runs once on a Paho thread: with nullptr after the CONNACK, or with the failure
    // (Unreachable or Refused, one line, without connect()'s TCP diagnosis). It must not
    // block. Publishing afterwards uses the window of ConnectOptions::max_inflight (only
    // connect() lowers it to an MQTT 5 broker's receive maximum). Throws Error(Usage) for
    // options Paho rejects at once.
    using ConnectDone = std::function<void(const Error* failure)>;
    void connect_async(ConnectDone done);

    // Runs on Paho's receive thread as each SUBACK arrives, before the message handler
    // hears of anything that followed it on the wire (sub -E stops there, as mosquitto_sub
    // does in its subscribe callback). Must not block. Set before subscribe().
    void on_subscribed(std::function<void()> handler);

    // Until when subscribe() and unsubscribe() wait for the broker's answer; by default for
    // ever (as mosquitto_sub does), though a signal still ends the wait: Error(Interrupted).
    using AnswerDeadline = std::chrono::steady_clock::time_point;
    static constexpr AnswerDeadline kNoDeadline = AnswerDeadline::max();
    // Subscribes one filter per request (one SUBSCRIBE each: a multi-filter subscribe
    // with options crashes Paho 1.2.0). Throws Error(Failure) if the broker refuses one or
    // the connection is lost before its answer, Error(Timeout) if no SUBACK came by
    // `deadline`. Returns the granted QoS per request.
    std::vector<int> subscribe(const std::vector<SubscribeRequest>& requests,
                               AnswerDeadline deadline = kNoDeadline);
    // subscribe() again after a reconnect: false instead of an error when the connection
    // was lost again before the broker answered (the next reconnect calls it again).
    bool resubscribe(const std::vector<SubscribeRequest>& requests,
                     AnswerDeadline deadline = kNoDeadline);
    // Runs `request` (a subscribe() or unsubscribe() after a reconnect) with the same rule.
    bool unless_lost_again(const std::function<void()>& request);
    void unsubscribe(const std::vector<std::string>& filters, const Properties& properties = {},
                     AnswerDeadline deadline = kNoDeadline);

    // Asked every 100 ms (and at once on a connection loss) while publish() waits for
    // room: true stops the wait (a deadline passed, an interrupt, a broker gone too long).
    using GiveUp = std::function<bool()>;
    // Queues one publish. When the in-flight window is full it waits for room, unless
    // `give_up` is empty: then it queues beyond the window (from a message handler, where
    // acknowledgements are processed on the same thread, so waiting would wait for ever).
    // False when `give_up` ended the wait: the message was not queued. Completion and
    // refusals are counted, see counts() and wait_for_completion(). Throws Error(Failure)
    // when the connection is gone and publishing while disconnected was not asked for.
    bool publish(const Message& message, const GiveUp& give_up);
    // Waits until every publish so far completed, or until `deadline`. False on timeout.
    bool wait_for_completion(std::optional<std::chrono::steady_clock::time_point> deadline);
    PublishCounts counts() const;
    // The first broker refusal or loss as one line, empty if none.
    std::string first_publish_error() const;
    // Whether first_publish_error() is set; cheap enough to ask per message.
    bool publish_failed() const;

    // Publishes the client library still tracks. Once every publish has completed this
    // is 0, unless the broker answered a QoS 2 PUBLISH with a PUBACK (RabbitMQ 3.10, which
    // grants QoS 1 only): Paho completes the token, yet goes on waiting for a PUBREC.
    std::size_t library_unfinished() const;

    bool is_connected() const;
    // Whether the broker kept our session at the last connect or reconnect (known before
    // on_reconnected handlers run).
    bool session_present() const;
    // How long the connection has been down (zero while connected): a command that
    // reconnects decides from this when to give up.
    std::chrono::nanoseconds offline_for() const;
    // How long publishes have been waiting without any of them completing (zero when
    // none waits): a broker that stops acknowledging shows here.
    std::chrono::nanoseconds unacknowledged_for() const;
    // Clean DISCONNECT; waits up to `timeout` for in-flight QoS>0 flows. Idempotent.
    void disconnect(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));
    // Cuts the connection without DISCONNECT, as a crash or a pulled cable would, so that
    // the broker publishes the will. Needs SessionBehaviour::droppable and a connect();
    // throws Error(Failure) when the socket is not known. The client is done afterwards.
    void drop();
    // Where we connect, "host:port", for messages.
    const std::string& endpoint() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// What bench needs of the connection layer beyond one Client, so that nothing outside
// the connection files reaches into the client library (docs/design.md, "Rules").

class ConnectInProgress;  // core/paho_hooks.h

// Held while many connects are pending at once (bench's storms and message runs): the
// client library's receive thread keeps reading their CONNACKs instead of sleeping.
class ConnectBurst {
  public:
    ConnectBurst();
    ~ConnectBurst();
    ConnectBurst(const ConnectBurst&) = delete;
    ConnectBurst& operator=(const ConnectBurst&) = delete;

  private:
    std::unique_ptr<ConnectInProgress> held_;
};

// True on the client library's receive thread. A QoS 0 publish completing there was a
// write the socket could not take whole: a publisher waiting for room must be woken at
// once (PublishWindow::complete()'s wake_now; bench's own windows likewise).
bool on_client_receive_thread();

// Sets TCP_NODELAY on every broker connection this process holds (--nodelay, after a
// burst of connects).
void set_nodelay_on_all_connections();

// "Paho MQTT C++ 1.2.0, Paho MQTT C 1.3.x" as the libraries report themselves.
std::string library_versions();

// Process-wide: make exit cheap. Paho joins its threads with 100 ms polls when the last
// client is destroyed (~200 ms); after a clean disconnect there is nothing left to do,
// so clients are parked instead of destroyed and the process leaves with _exit().
// Sanitizer builds destroy everything so leaks stay visible.
[[noreturn]] void exit_process(int code);

}  // namespace mqtk
