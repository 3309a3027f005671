// The one way mqtk talks to a broker, and the only public header of the connection library
// (mqtk_connection): every command connects through Client. Paho, OpenSSL and the libc
// hooks stay behind it (core/connection/private/, core/connection/hooks/), so Paho's
// types, traps and error codes stop here and the rest of the core sees plain Messages,
// Properties and mqtk::Error.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/connection/connection.h"
#include "core/error.h"
#include "core/message.h"
#include "core/options.h"
#include "core/publish_counts.h"

namespace mqtk {

class Client : public Connection {
  public:
    // `command` names the default client id (mqtk_<command>_<pid>). Throws Error(Usage)
    // for options that cannot work (e.g. a v5 property on a v3 connection).
    Client(const ConnectOptions& options, std::string_view command,
           SessionBehaviour behaviour = {});
    ~Client() override;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Handlers run on Paho's receive thread: they must not block on the client. The
    // Message passed to on_message is reused for the next arrival; copy what you keep.
    void on_message(MessageHandler handler) override;
    // Connection lost for good (no auto reconnect) or, with auto reconnect, each loss.
    void on_connection_lost(LostHandler handler) override;
    // After an automatic reconnect succeeded.
    void on_reconnected(ConnectedHandler handler) override;
    void on_publish_complete(PublishCompletion handler) override;

    // Blocks until CONNACK. Throws Error(Unreachable) or Error(Refused) with one line.
    ConnectResult connect() override;
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
    void on_subscribed(std::function<void()> handler) override;

    // Until when subscribe() and unsubscribe() wait for the broker's answer; by default for
    // ever (as mosquitto_sub does), though a signal still ends the wait: Error(Interrupted).
    // Subscribes one filter per request (one SUBSCRIBE each: a multi-filter subscribe
    // with options crashes Paho 1.2.0). Throws Error(Failure) if the broker refuses one or
    // the connection is lost before its answer, Error(Timeout) if no SUBACK came by
    // `deadline`. Returns the granted QoS per request.
    std::vector<int> subscribe(const std::vector<SubscribeRequest>& requests,
                               AnswerDeadline deadline = kNoDeadline) override;
    // subscribe() again after a reconnect: false instead of an error when the connection
    // was lost again before the broker answered (the next reconnect calls it again).
    bool resubscribe(const std::vector<SubscribeRequest>& requests,
                     AnswerDeadline deadline = kNoDeadline) override;
    // Runs `request` (a subscribe() or unsubscribe() after a reconnect) with the same rule.
    bool unless_lost_again(const std::function<void()>& request) override;
    void unsubscribe(const std::vector<std::string>& filters, const Properties& properties = {},
                     AnswerDeadline deadline = kNoDeadline) override;

    // `give_up` is asked every 100 ms (and at once on a connection loss) while publish()
    // waits for room: true stops the wait (a deadline passed, an interrupt, a broker gone).
    // Queues one publish. When the in-flight window is full it waits for room, unless
    // `give_up` is empty: then it queues beyond the window (from a message handler, where
    // acknowledgements are processed on the same thread, so waiting would wait for ever).
    // False when `give_up` ended the wait: the message was not queued. Completion and
    // refusals are counted, see counts() and wait_for_completion(). Throws Error(Failure)
    // when the connection is gone and publishing while disconnected was not asked for.
    bool publish(const Message& message, const GiveUp& give_up) override;
    bool publish(Message&& message, const GiveUp& give_up) override;
    bool publish_if_room(const Message& message) override;
    void on_room(std::function<void()> handler) override;
    // Waits until every publish so far completed, or until `deadline`. False on timeout.
    bool wait_for_completion(
        std::optional<std::chrono::steady_clock::time_point> deadline) override;
    PublishCounts counts() const override;
    // The first broker refusal or loss as one line, empty if none.
    std::string first_publish_error() const override;
    // Whether first_publish_error() is set; cheap enough to ask per message.
    bool publish_failed() const override;

    // Publishes the client library still tracks. Once every publish has completed this
    // is 0, unless the broker answered a QoS 2 PUBLISH with a PUBACK (RabbitMQ 3.10, which
    // grants QoS 1 only): Paho completes the token, yet goes on waiting for a PUBREC.
    std::size_t library_unfinished() const override;

    bool is_connected() const override;
    // Whether the broker kept our session at the last connect or reconnect (known before
    // on_reconnected handlers run).
    bool session_present() const override;
    // How long the connection has been down (zero while connected): a command that
    // reconnects decides from this when to give up.
    std::chrono::nanoseconds offline_for() const override;
    // How long publishes have been waiting without any of them completing (zero when
    // none waits): a broker that stops acknowledging shows here.
    std::chrono::nanoseconds unacknowledged_for() const override;
    // Clean DISCONNECT; waits up to `timeout` for in-flight QoS>0 flows. Idempotent.
    void disconnect(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) override;
    // Cuts the connection without DISCONNECT, as a crash or a pulled cable would, so that
    // the broker publishes the will. Needs SessionBehaviour::droppable and a connect();
    // throws Error(Failure) when the socket is not known. The client is done afterwards.
    void drop();
    // Where we connect, "host:port", for messages.
    const std::string& endpoint() const override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// What bench needs of the connection layer beyond one Client, so that nothing outside
// the connection files reaches into the client library (docs/design.md, "Rules").

class ConnectInProgress;  // core/connection/hooks/paho_hooks.h

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

// Sets TCP_NODELAY on every broker connection this process holds (--nodelay, after a
// burst of connects).
void set_nodelay_on_all_connections();

// Process-wide: every read from a broker is acknowledged at once, not up to 40 ms later, for
// a command that waits on the broker's answers one after another (check). Against a broker
// with Nagle on, each answer that followed another waited for our delayed ACK. It costs a
// system call per read, which the streaming commands do not pay.
void acknowledge_reads_at_once();

// Checks a client private key (--key) before any connection is made: that it is a PEM
// private key, and that it can be decrypted with the passphrase given, if it is encrypted.
// Paho hands the key to OpenSSL only after the TCP connection is up, and OpenSSL then
// either prompts on /dev/tty from Paho's thread (no passphrase given) or fails with an
// error that Paho reports as a failed handshake. Checking first turns both into a usage
// error (exit 2) that names the key file, and no broker sees a connection.
// Throws mqtk::Error(Usage) when key_file holds no PEM private key, is encrypted and no
// passphrase was given, or the passphrase does not decrypt it. A passphrase for a key
// that is not encrypted is ignored, as OpenSSL does.
void check_private_key(const std::string& key_file, const std::string& passphrase);

// The ConnectionFactory the commands are given by cli/: a Client.
std::unique_ptr<Connection> make_client(const ConnectOptions& options, std::string_view command,
                                        SessionBehaviour behaviour);

// "Paho MQTT C++ 1.2.0, Paho MQTT C 1.3.x" as the libraries report themselves.
std::string library_versions();

// Process-wide: make exit cheap. Paho joins its threads with 100 ms polls when the last
// client is destroyed (~200 ms); after a clean disconnect there is nothing left to do,
// so clients are parked instead of destroyed and the process leaves with _exit().
// Sanitizer builds destroy everything so leaks stay visible.
[[noreturn]] void exit_process(int code);

}  // namespace mqtk
