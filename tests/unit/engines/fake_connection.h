// A scriptable in-memory Connection for running the engines (core/pub.cpp, core/sub.cpp,
// core/echo.cpp) in-process: it records what the engine asks for (connects, SUBSCRIBEs,
// publishes, the DISCONNECT), and lets the test play the broker - deliver messages, drop and
// restore the connection with or without the session, acknowledge or refuse publishes.
// Handlers run on a thread of the fake's own, as Paho's receive thread runs them. Publishes
// are counted by a real PublishWindow fed the outcomes Client would classify, so the counts
// an engine sees are the ones it would see over Paho.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/connection/connection.h"
#include "core/error.h"
#include "core/publish_window.h"

namespace mqtk::test {

class FakeConnection : public Connection {
  public:
    // What connect() answers; its session_present is also the session after each restore().
    ConnectResult connect_result;
    // connect() throws this instead, when set.
    std::optional<Error> connect_failure;
    // QoS 1/2 publishes are acknowledged as soon as they are sent (QoS 0 always completes
    // when sent); false leaves them in flight until acknowledge() or refuse().
    bool auto_acknowledge = true;
    // A publish to a topic this connection is subscribed to comes back to it, as from a
    // broker (echo's loop).
    bool loopback = false;
    // The in-flight window, as ConnectOptions::max_inflight gives it to Client.
    std::size_t window = 20;
    // Completed QoS 2 flows stay tracked by the "library", as when a broker answers a QoS 2
    // PUBLISH with a PUBACK (see Client::library_unfinished()).
    bool qos2_answered_with_puback = false;
    // Retained messages by topic: sent behind the SUBACK of a subscription that matches.
    std::map<std::string, std::string> retained;
    // The "broker" routing what this connection sends to other connections (a fake network
    // of several, as bench's message run has); runs with this connection's lock held.
    std::function<void(const Message&)> route;

    FakeConnection();
    ~FakeConnection() override;
    FakeConnection(const FakeConnection&) = delete;
    FakeConnection& operator=(const FakeConnection&) = delete;

    // A factory that hands out this connection (borrowed: the engine's unique_ptr does not
    // own it, so the test can look at it after the run).
    ConnectionFactory factory();

    // What the engine asked for.
    struct Made {
        ConnectOptions options;
        std::string command;
        SessionBehaviour behaviour;
    };
    std::optional<Made> made() const;
    int connects() const;
    std::vector<SubscribeRequest> subscribed() const;  // every SUBSCRIBE, in order
    std::vector<std::string> unsubscribed() const;
    std::vector<Message> published() const;  // every publish, in order
    // The timeout of each disconnect() (one for a run that ended normally).
    std::vector<std::chrono::milliseconds> disconnects() const;
    // Whether a subscription the "broker" holds matches `topic`.
    bool subscribed_to(const std::string& topic) const;

    // The broker's side. A subscription the session already holds (echo's kept session).
    void hold_subscription(const std::string& filter);
    // Delivers `message` to the engine on the receive thread, whatever the subscriptions.
    void deliver(Message message);
    void deliver(const std::string& topic, const std::string& payload, bool retain = false);
    // The connection breaks: the lost handler runs; publishes wait (or fail without
    // publish_while_disconnected) until restore().
    void drop(const std::string& cause = "connection lost");
    // The automatic reconnect succeeds. Without the session the broker forgot the
    // subscriptions, and what was in flight at QoS 1/2 is lost (counted dropped); with it,
    // what was in flight is resent. Publishes queued meanwhile go out before the
    // reconnected handler runs (so before any re-SUBSCRIBE).
    void restore(bool session_present);
    // Completes the oldest `count` sent QoS 1/2 publishes still in flight.
    void acknowledge(std::size_t count = SIZE_MAX);
    // The broker refuses the oldest sent publish in flight with `error`.
    void refuse(const std::string& error);

    // Until `condition` holds (true) or `within` passes (false); `condition` may call the
    // accessors above.
    bool await(const std::function<bool()>& condition,
               std::chrono::milliseconds within = std::chrono::seconds(5)) const;
    // Until the receive thread has run everything queued so far.
    void settle();

    // Connection
    void on_message(MessageHandler handler) override;
    void on_connection_lost(LostHandler handler) override;
    void on_reconnected(ConnectedHandler handler) override;
    void on_subscribed(std::function<void()> handler) override;
    ConnectResult connect() override;
    std::vector<int> subscribe(const std::vector<SubscribeRequest>& requests,
                               AnswerDeadline deadline = kNoDeadline) override;
    bool resubscribe(const std::vector<SubscribeRequest>& requests,
                     AnswerDeadline deadline = kNoDeadline) override;
    bool unless_lost_again(const std::function<void()>& request) override;
    void unsubscribe(const std::vector<std::string>& filters, const Properties& properties = {},
                     AnswerDeadline deadline = kNoDeadline) override;
    using Connection::publish;  // the moving overload: Connection's, which copies
    bool publish(const Message& message, const GiveUp& give_up) override;
    bool publish_if_room(const Message& message) override;
    void on_room(std::function<void()> handler) override;
    void on_publish_complete(PublishCompletion handler) override;
    bool wait_for_completion(
        std::optional<std::chrono::steady_clock::time_point> deadline) override;
    PublishCounts counts() const override;
    std::string first_publish_error() const override;
    bool publish_failed() const override;
    std::size_t library_unfinished() const override;
    bool is_connected() const override;
    bool session_present() const override;
    std::chrono::nanoseconds offline_for() const override;
    std::chrono::nanoseconds unacknowledged_for() const override;
    void disconnect(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) override;
    const std::string& endpoint() const override;

  private:
    class Borrowed;
    struct Flight {
        PublishWindow::Stamp stamp;
        Message message;
        bool sent;
    };

    void detach();  // the engine let go of its connection: its handlers are gone
    // As Client::Impl::window_for().
    std::size_t capacity(int qos) const;
    // As Client::publish(): the flight goes out, or waits for the connection.
    void dispatch(PublishWindow::Stamp stamp, const Message& message);
    void post(std::function<void()> task);
    void receive_loop();
    void changed();
    // With mutex_ held: the flight goes out (loopback, QoS 0 completion, auto acknowledge).
    void send_locked(Flight& flight);
    void complete_locked(PublishWindow::Stamp stamp, PublishWindow::Outcome outcome,
                         const std::string& error = {});
    void run_handler(const std::function<void()>& call);

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::optional<Made> made_;
    int connects_ = 0;
    // Atomic: the window asks may_wait() with its own lock held, so that must not take ours.
    std::atomic<bool> connected_{false};
    SessionBehaviour behaviour_;  // set by factory(), before the engine runs
    bool session_present_ = false;
    std::chrono::steady_clock::time_point lost_at_;
    std::vector<SubscribeRequest> subscribed_;
    std::vector<std::string> unsubscribed_;
    std::vector<std::string> held_filters_;
    std::vector<Message> published_;
    std::vector<std::chrono::milliseconds> disconnects_;
    std::deque<Flight> flights_;
    std::size_t downgraded_ = 0;
    PublishWindow publishes_;
    std::string endpoint_ = "fake:1883";

    MessageHandler message_handler_;
    LostHandler lost_handler_;
    ConnectedHandler reconnected_handler_;
    std::function<void()> subscribed_handler_;

    // The receive thread and its queue.
    std::mutex queue_mutex_;
    std::condition_variable queue_changed_;
    std::deque<std::function<void()>> queue_;
    bool running_task_ = false;
    bool stopping_ = false;
    std::thread receiver_;
};

// How an engine's run ended: the code it returned, or the code and line of the Error it
// threw (what cli/main.cpp would print after "mqtk: ").
struct RunResult {
    ExitCode code = ExitCode::Success;
    std::string error;
};

template <typename Run>
RunResult result_of(Run&& run) {
    try {
        return {run(), {}};
    } catch (const Error& error) {
        return {error.code(), error.what()};
    }
}

// A pipe standing in for stdin: the engine reads `input()`, the test writes and closes.
class InputPipe {
  public:
    InputPipe();
    ~InputPipe();
    InputPipe(const InputPipe&) = delete;
    InputPipe& operator=(const InputPipe&) = delete;

    int input() const { return read_end_; }
    void write(std::string_view bytes);  // at most a pipe's buffer (64 KiB) in all
    void close();                        // end of input

  private:
    int read_end_ = -1;
    int write_end_ = -1;
};

}  // namespace mqtk::test
