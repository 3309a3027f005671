// What the commands' engines (pub, sub, echo, bench's message run) use of a broker connection, as
// an interface: Client (core/client.h) implements it over Paho, and tests/unit/fake_connection.h
// implements it in memory, so each engine runs in-process in the unit tests without a
// broker. An engine does not construct its connection: it is handed a ConnectionFactory
// (make_client() in cli/, the fake's in the tests).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/message.h"
#include "core/options.h"
#include "core/properties.h"
#include "core/publish_counts.h"

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

// How a command wants the connection to behave beyond the user's options.
struct SessionBehaviour {
    // Reconnect after a loss, with a back-off capped at 0.5 s, and say on stderr (notice())
    // when the connection is lost and when it is back, once each (sub, echo, pub).
    bool auto_reconnect = false;
    bool publish_while_disconnected = false;  // queue publishes until reconnected (echo)
    // Note the connection's socket at connect(), so that Client::drop() can cut it (check's
    // will).
    bool droppable = false;
    // QoS 0 publishes queued at once (at least ConnectOptions::max_inflight). QoS 0
    // completes when written to the socket, so a deeper queue keeps the socket busy: 128
    // suits one publisher (pub -l). bench's many publishers on one publishing thread ask
    // for 32: 10 publishers x 20,000 at 16 B measured 5.4 us of CPU per message at 32,
    // 5.8-6.3 at 128, 9-11 at 512 (Paho's command queue is scanned) and 6.5-7.9 at 8 (more
    // wake-ups).
    std::size_t qos0_window = 128;
};

// The contract of each call is Client's (core/client.h says more where Paho shows through);
// a fake must keep the same threading: handlers run on a thread of the connection's own,
// never inside the engine's call.
class Connection {
  public:
    using MessageHandler = std::function<void(const Message&)>;
    using LostHandler = std::function<void(const std::string& cause)>;
    using ConnectedHandler = std::function<void()>;
    // Asked while publish() waits for room: true stops the wait.
    using GiveUp = std::function<bool()>;
    using AnswerDeadline = std::chrono::steady_clock::time_point;
    static constexpr AnswerDeadline kNoDeadline = AnswerDeadline::max();

    virtual ~Connection() = default;

    // Handlers must not block on the connection; the Message is reused for the next
    // arrival. Set them before connect().
    virtual void on_message(MessageHandler handler) = 0;
    // Each loss (with auto reconnect), or the one loss for good.
    virtual void on_connection_lost(LostHandler handler) = 0;
    // After an automatic reconnect succeeded.
    virtual void on_reconnected(ConnectedHandler handler) = 0;
    // As each SUBACK arrives, before anything that followed it on the wire is delivered.
    virtual void on_subscribed(std::function<void()> handler) = 0;

    // Blocks until CONNACK; throws Error(Unreachable) or Error(Refused).
    virtual ConnectResult connect() = 0;
    // One SUBSCRIBE per request; throws Error(Failure) on a refusal or a loss before the
    // answer, Error(Timeout) past `deadline`. The granted QoS per request.
    virtual std::vector<int> subscribe(const std::vector<SubscribeRequest>& requests,
                                       AnswerDeadline deadline = kNoDeadline) = 0;
    // subscribe() after a reconnect: false when the connection was lost again first.
    virtual bool resubscribe(const std::vector<SubscribeRequest>& requests,
                             AnswerDeadline deadline = kNoDeadline) = 0;
    // Runs `request` (a subscribe or unsubscribe after a reconnect) with resubscribe()'s rule.
    virtual bool unless_lost_again(const std::function<void()>& request) = 0;
    virtual void unsubscribe(const std::vector<std::string>& filters,
                             const Properties& properties = {},
                             AnswerDeadline deadline = kNoDeadline) = 0;

    // Queues one publish, waiting for room in the window unless `give_up` is empty (from a
    // handler). False when `give_up` ended the wait. Outcomes show in counts().
    virtual bool publish(const Message& message, const GiveUp& give_up) = 0;
    // The same for a message the caller is done with: its payload may be taken instead of
    // copied (a 1 MB `pub -f` copied it once more than mosquitto_pub does).
    virtual bool publish(Message&& message, const GiveUp& give_up) {
        return publish(static_cast<const Message&>(message), give_up);
    }
    // For a caller that serves many connections from one thread (bench): queues one publish
    // if the window has room, and never waits. False when it is full: the room handler
    // (on_room) then runs once the window has drained to its refill mark. Throws as
    // publish() does.
    virtual bool publish_if_room(const Message& message) = 0;
    // Set before the first publish_if_room(). Runs on the connection's threads: it must be
    // quick and must not block.
    virtual void on_room(std::function<void()> handler) = 0;
    // Optional (bench's publish-to-ack latency): called once per publish when it completes
    // (written for QoS 0, acknowledged for QoS 1/2) or fails, with the monotonic_ns() at
    // which it entered the window. Runs on the connection's threads (Client: QoS 0 on Paho's
    // send thread with Paho's lock held): quick, never blocking. Set before the first
    // publish.
    using PublishCompletion = std::function<void(std::uint64_t published_ns, bool ok)>;
    virtual void on_publish_complete(PublishCompletion handler) = 0;
    // Until every publish so far completed (true) or `deadline` (false).
    virtual bool wait_for_completion(
        std::optional<std::chrono::steady_clock::time_point> deadline) = 0;
    virtual PublishCounts counts() const = 0;
    // The first refusal or loss as one line, empty if none; publish_failed() says whether
    // there is one, cheaply.
    virtual std::string first_publish_error() const = 0;
    virtual bool publish_failed() const = 0;
    // Flows the client library still tracks (more than counts() shows unfinished when a
    // broker answered QoS 2 with a PUBACK).
    virtual std::size_t library_unfinished() const = 0;

    virtual bool is_connected() const = 0;
    // Whether the broker kept our session at the last connect or reconnect.
    virtual bool session_present() const = 0;
    // How long the connection has been down (zero while connected).
    virtual std::chrono::nanoseconds offline_for() const = 0;
    // How long publishes have waited without any completing (zero when none waits).
    virtual std::chrono::nanoseconds unacknowledged_for() const = 0;
    // Clean DISCONNECT, waiting up to `timeout` for in-flight flows. Idempotent.
    virtual void disconnect(
        std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) = 0;
    // "host:port", for messages.
    virtual const std::string& endpoint() const = 0;
};

// Builds a command's connection: `command` names the default client id; `behaviour` is the
// command's session policy. make_client() (core/client.h) is the real one.
using ConnectionFactory = std::function<std::unique_ptr<Connection>(
    const ConnectOptions& options, std::string_view command, SessionBehaviour behaviour)>;

}  // namespace mqtk
