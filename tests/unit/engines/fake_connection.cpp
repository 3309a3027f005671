// The in-memory connection of fake_connection.h: the broker's side is the test's calls,
// the client library's receive thread is `receiver_`, publish accounting is PublishWindow's.
#include "tests/unit/engines/fake_connection.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "core/clock.h"
#include "core/topic.h"

namespace mqtk::test {

using Clock = std::chrono::steady_clock;

// What the engine holds: forwards to the fake, which the test owns and looks at afterwards.
// Letting go of it is the engine going away: its handlers must not run any more.
class FakeConnection::Borrowed : public Connection {
  public:
    explicit Borrowed(FakeConnection& fake) : fake_(fake) {}
    ~Borrowed() override { fake_.detach(); }

    void on_message(MessageHandler handler) override { fake_.on_message(std::move(handler)); }
    void on_connection_lost(LostHandler handler) override {
        fake_.on_connection_lost(std::move(handler));
    }
    void on_reconnected(ConnectedHandler handler) override {
        fake_.on_reconnected(std::move(handler));
    }
    void on_subscribed(std::function<void()> handler) override {
        fake_.on_subscribed(std::move(handler));
    }
    ConnectResult connect() override { return fake_.connect(); }
    std::vector<int> subscribe(const std::vector<SubscribeRequest>& requests,
                               AnswerDeadline deadline) override {
        return fake_.subscribe(requests, deadline);
    }
    bool resubscribe(const std::vector<SubscribeRequest>& requests,
                     AnswerDeadline deadline) override {
        return fake_.resubscribe(requests, deadline);
    }
    bool unless_lost_again(const std::function<void()>& request) override {
        return fake_.unless_lost_again(request);
    }
    void unsubscribe(const std::vector<std::string>& filters, const Properties& properties,
                     AnswerDeadline deadline) override {
        fake_.unsubscribe(filters, properties, deadline);
    }
    bool publish(const Message& message, const GiveUp& give_up) override {
        return fake_.publish(message, give_up);
    }
    bool publish_if_room(const Message& message) override { return fake_.publish_if_room(message); }
    void on_room(std::function<void()> handler) override { fake_.on_room(std::move(handler)); }
    void on_publish_complete(PublishCompletion handler) override {
        fake_.on_publish_complete(std::move(handler));
    }
    bool wait_for_completion(std::optional<Clock::time_point> deadline) override {
        return fake_.wait_for_completion(deadline);
    }
    PublishCounts counts() const override { return fake_.counts(); }
    std::string first_publish_error() const override { return fake_.first_publish_error(); }
    bool publish_failed() const override { return fake_.publish_failed(); }
    std::size_t library_unfinished() const override { return fake_.library_unfinished(); }
    bool is_connected() const override { return fake_.is_connected(); }
    bool session_present() const override { return fake_.session_present(); }
    std::chrono::nanoseconds offline_for() const override { return fake_.offline_for(); }
    std::chrono::nanoseconds unacknowledged_for() const override {
        return fake_.unacknowledged_for();
    }
    void disconnect(std::chrono::milliseconds timeout) override { fake_.disconnect(timeout); }
    const std::string& endpoint() const override { return fake_.endpoint(); }

  private:
    FakeConnection& fake_;
};

FakeConnection::FakeConnection()
    : publishes_([] { return monotonic_ns(); }), receiver_([this] { receive_loop(); }) {}

FakeConnection::~FakeConnection() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_changed_.notify_all();
    receiver_.join();
}

ConnectionFactory FakeConnection::factory() {
    return [this](const ConnectOptions& options, std::string_view command,
                  SessionBehaviour behaviour) -> std::unique_ptr<Connection> {
        {
            std::lock_guard lock(mutex_);
            made_ = Made{options, std::string(command), behaviour};
            behaviour_ = behaviour;
        }
        // As Client decides it: a reconnect finds the session only if it was asked to last.
        publishes_.set_keeps_session(
            !options.clean_session &&
            (options.version != ProtocolVersion::V5 || options.session_expiry.value_or(0) > 0));
        return std::make_unique<Borrowed>(*this);
    };
}

// ---- what the engine asked for ----

std::optional<FakeConnection::Made> FakeConnection::made() const {
    std::lock_guard lock(mutex_);
    return made_;
}

int FakeConnection::connects() const {
    std::lock_guard lock(mutex_);
    return connects_;
}

std::vector<SubscribeRequest> FakeConnection::subscribed() const {
    std::lock_guard lock(mutex_);
    return subscribed_;
}

std::vector<std::string> FakeConnection::unsubscribed() const {
    std::lock_guard lock(mutex_);
    return unsubscribed_;
}

std::vector<Message> FakeConnection::published() const {
    std::lock_guard lock(mutex_);
    return published_;
}

std::vector<std::chrono::milliseconds> FakeConnection::disconnects() const {
    std::lock_guard lock(mutex_);
    return disconnects_;
}

bool FakeConnection::subscribed_to(const std::string& topic) const {
    std::lock_guard lock(mutex_);
    return std::any_of(held_filters_.begin(), held_filters_.end(),
                       [&](const std::string& filter) { return topic_matches(filter, topic); });
}

// ---- the broker's side ----

void FakeConnection::hold_subscription(const std::string& filter) {
    std::lock_guard lock(mutex_);
    held_filters_.push_back(filter);
}

void FakeConnection::deliver(Message message) {
    post([this, message = std::move(message)] {
        MessageHandler handler;
        {
            std::lock_guard lock(mutex_);
            handler = message_handler_;
        }
        if (handler) handler(message);
    });
}

void FakeConnection::deliver(const std::string& topic, const std::string& payload, bool retain) {
    Message message;
    message.topic = topic;
    message.payload = payload;
    message.retain = retain;
    deliver(std::move(message));
}

void FakeConnection::drop(const std::string& cause) {
    {
        std::lock_guard lock(mutex_);
        connected_ = false;
        lost_at_ = Clock::now();
        post([this, cause] {
            LostHandler handler;
            {
                std::lock_guard lock(mutex_);
                handler = lost_handler_;
            }
            if (handler) handler(cause);
        });
    }
    publishes_.wake();
    changed();
}

void FakeConnection::restore(bool session_present) {
    std::lock_guard lock(mutex_);
    connected_ = true;
    session_present_ = session_present;
    std::vector<PublishWindow::Stamp> sent;
    std::vector<PublishWindow::Stamp> queued;
    for (const auto& flight : flights_) {
        (flight.sent ? sent : queued).push_back(flight.stamp);
    }
    if (session_present) {
        publishes_.settle_after_reconnect();
        // Sent again with the session; acknowledged at once if acknowledging is automatic.
        if (auto_acknowledge) {
            for (const auto stamp : sent)
                complete_locked(stamp, PublishWindow::Outcome::Completed);
        }
    } else {
        held_filters_.clear();
        for (const auto stamp : sent)
            complete_locked(stamp, PublishWindow::Outcome::SessionLost);
    }
    for (const auto stamp : queued) {
        const auto flight = std::find_if(flights_.begin(), flights_.end(),
                                         [&](const Flight& f) { return f.stamp == stamp; });
        if (flight != flights_.end()) send_locked(*flight);
    }
    post([this] {
        ConnectedHandler handler;
        {
            std::lock_guard lock(mutex_);
            handler = reconnected_handler_;
        }
        if (handler) handler();
    });
    changed();
}

void FakeConnection::acknowledge(std::size_t count) {
    std::lock_guard lock(mutex_);
    std::vector<PublishWindow::Stamp> stamps;
    for (const auto& flight : flights_) {
        if (stamps.size() == count) break;
        if (flight.sent && flight.message.qos > 0) stamps.push_back(flight.stamp);
    }
    for (const auto stamp : stamps)
        complete_locked(stamp, PublishWindow::Outcome::Completed);
    changed();
}

void FakeConnection::refuse(const std::string& error) {
    std::lock_guard lock(mutex_);
    const auto flight =
        std::find_if(flights_.begin(), flights_.end(), [](const Flight& f) { return f.sent; });
    if (flight != flights_.end()) {
        complete_locked(flight->stamp, PublishWindow::Outcome::Failed, error);
    }
    changed();
}

bool FakeConnection::await(const std::function<bool()>& condition,
                           std::chrono::milliseconds within) const {
    const auto until = Clock::now() + within;
    for (;;) {
        if (condition()) return true;
        if (Clock::now() >= until) return false;
        std::unique_lock lock(mutex_);
        // Polled too: a condition on the engine's output changes nothing here.
        changed_.wait_for(lock, std::chrono::milliseconds(5));
    }
}

void FakeConnection::settle() {
    std::unique_lock lock(queue_mutex_);
    queue_changed_.wait(lock, [&] { return queue_.empty() && !running_task_; });
}

// ---- Connection ----

void FakeConnection::on_message(MessageHandler handler) {
    std::lock_guard lock(mutex_);
    message_handler_ = std::move(handler);
}

void FakeConnection::on_connection_lost(LostHandler handler) {
    std::lock_guard lock(mutex_);
    lost_handler_ = std::move(handler);
}

void FakeConnection::on_reconnected(ConnectedHandler handler) {
    std::lock_guard lock(mutex_);
    reconnected_handler_ = std::move(handler);
}

void FakeConnection::on_subscribed(std::function<void()> handler) {
    std::lock_guard lock(mutex_);
    subscribed_handler_ = std::move(handler);
}

ConnectResult FakeConnection::connect() {
    std::lock_guard lock(mutex_);
    ++connects_;
    if (connect_failure) throw *connect_failure;
    connected_ = true;
    session_present_ = connect_result.session_present;
    ConnectResult result = connect_result;
    if (result.client_id.empty() && made_) result.client_id = made_->options.client_id;
    changed();
    return result;
}

// One SUBACK per request, each followed on the "wire" by the retained messages it brings;
// returns once the receive thread has handled them, as Client returns after the SUBACK.
std::vector<int> FakeConnection::subscribe(const std::vector<SubscribeRequest>& requests,
                                           AnswerDeadline) {
    if (!connected_) throw Error(ExitCode::Failure, "connection lost before the SUBACK");
    std::vector<int> granted;
    {
        std::lock_guard lock(mutex_);
        for (const auto& request : requests) {
            subscribed_.push_back(request);
            const bool had = std::find(held_filters_.begin(), held_filters_.end(),
                                       request.filter) != held_filters_.end();
            if (!had) held_filters_.push_back(request.filter);
            granted.push_back(request.qos);
            post([this] {
                std::function<void()> handler;
                {
                    std::lock_guard lock(mutex_);
                    handler = subscribed_handler_;
                }
                if (handler) handler();
            });
            const bool sends_retained =
                request.retain_handling == 0 || (request.retain_handling == 1 && !had);
            if (!sends_retained) continue;
            for (const auto& [topic, payload] : retained) {
                if (topic_matches(request.filter, topic)) deliver(topic, payload, true);
            }
        }
        changed();
    }
    settle();
    return granted;
}

bool FakeConnection::resubscribe(const std::vector<SubscribeRequest>& requests,
                                 AnswerDeadline deadline) {
    if (!connected_) return false;
    subscribe(requests, deadline);
    return true;
}

bool FakeConnection::unless_lost_again(const std::function<void()>& request) {
    if (!connected_) return false;
    request();
    return true;
}

void FakeConnection::unsubscribe(const std::vector<std::string>& filters, const Properties&,
                                 AnswerDeadline) {
    std::lock_guard lock(mutex_);
    for (const auto& filter : filters) {
        unsubscribed_.push_back(filter);
        held_filters_.erase(std::remove(held_filters_.begin(), held_filters_.end(), filter),
                            held_filters_.end());
    }
    changed();
}

// As Client::publish(): admitted into the window (waiting for room unless `give_up` is
// empty), then sent, or queued while the connection is down.
bool FakeConnection::publish(const Message& message, const GiveUp& give_up) {
    if (!connected_ && !behaviour_.publish_while_disconnected) {
        throw make_error(ExitCode::Failure, "connection to {} lost", endpoint_);
    }
    const auto may_wait = [&] {
        return give_up && (connected_ || behaviour_.publish_while_disconnected);
    };
    const std::size_t room = capacity(message.qos);
    const auto stamp =
        publishes_.admit(room, publish_refill_mark(message.qos, room), give_up, may_wait);
    if (!stamp) return false;
    dispatch(*stamp, message);
    return true;
}

bool FakeConnection::publish_if_room(const Message& message) {
    if (!connected_ && !behaviour_.publish_while_disconnected) {
        throw make_error(ExitCode::Failure, "connection to {} lost", endpoint_);
    }
    const std::size_t room = capacity(message.qos);
    const auto stamp = publishes_.try_admit(room, publish_refill_mark(message.qos, room));
    if (!stamp) return false;
    dispatch(*stamp, message);
    return true;
}

void FakeConnection::dispatch(PublishWindow::Stamp stamp, const Message& message) {
    std::lock_guard lock(mutex_);
    published_.push_back(message);
    flights_.push_back({stamp, message, false});
    if (connected_) send_locked(flights_.back());
    changed();
}

void FakeConnection::on_room(std::function<void()> handler) {
    publishes_.set_room_hook(std::move(handler));
}

void FakeConnection::on_publish_complete(PublishCompletion handler) {
    publishes_.set_completion(std::move(handler));
}

std::size_t FakeConnection::capacity(int qos) const {
    return qos == 0 ? std::max(window, behaviour_.qos0_window) : window;
}

bool FakeConnection::wait_for_completion(std::optional<Clock::time_point> deadline) {
    return publishes_.wait_until_empty(deadline,
                                       [this] { return connected_ || behaviour_.auto_reconnect; });
}

PublishCounts FakeConnection::counts() const {
    return publishes_.counts();
}

std::string FakeConnection::first_publish_error() const {
    return publishes_.first_error();
}

bool FakeConnection::publish_failed() const {
    return publishes_.failed_any();
}

std::size_t FakeConnection::library_unfinished() const {
    std::lock_guard lock(mutex_);
    return publishes_.in_flight() + downgraded_;
}

bool FakeConnection::is_connected() const {
    return connected_;
}

bool FakeConnection::session_present() const {
    std::lock_guard lock(mutex_);
    return session_present_;
}

std::chrono::nanoseconds FakeConnection::offline_for() const {
    std::lock_guard lock(mutex_);
    if (connected_ || connects_ == 0) return std::chrono::nanoseconds(0);
    return Clock::now() - lost_at_;
}

std::chrono::nanoseconds FakeConnection::unacknowledged_for() const {
    return std::chrono::nanoseconds(publishes_.unacknowledged_for());
}

void FakeConnection::disconnect(std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    disconnects_.push_back(timeout);
    connected_ = false;
    changed();
}

const std::string& FakeConnection::endpoint() const {
    return endpoint_;
}

// ---- inside ----

void FakeConnection::detach() {
    {
        std::lock_guard lock(mutex_);
        message_handler_ = nullptr;
        lost_handler_ = nullptr;
        reconnected_handler_ = nullptr;
        subscribed_handler_ = nullptr;
    }
    settle();  // a handler still running finishes before the engine goes
}

void FakeConnection::post(std::function<void()> task) {
    {
        std::lock_guard lock(queue_mutex_);
        queue_.push_back(std::move(task));
    }
    queue_changed_.notify_all();
}

void FakeConnection::receive_loop() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(queue_mutex_);
            queue_changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;
            task = std::move(queue_.front());
            queue_.pop_front();
            running_task_ = true;
        }
        task();
        {
            std::lock_guard lock(queue_mutex_);
            running_task_ = false;
        }
        queue_changed_.notify_all();
    }
}

void FakeConnection::changed() {
    changed_.notify_all();
}

void FakeConnection::send_locked(Flight& flight) {
    flight.sent = true;
    const PublishWindow::Stamp stamp = flight.stamp;
    const bool back =
        loopback &&
        std::any_of(held_filters_.begin(), held_filters_.end(), [&](const std::string& filter) {
            return topic_matches(filter, flight.message.topic);
        });
    if (back) deliver(flight.message);
    if (route) route(flight.message);
    if (flight.message.qos == 0 || auto_acknowledge) {
        complete_locked(stamp, PublishWindow::Outcome::Completed);  // `flight` is gone
    }
}

void FakeConnection::complete_locked(PublishWindow::Stamp stamp, PublishWindow::Outcome outcome,
                                     const std::string& error) {
    const auto flight = std::find_if(flights_.begin(), flights_.end(),
                                     [&](const Flight& f) { return f.stamp == stamp; });
    if (flight == flights_.end()) return;
    if (outcome == PublishWindow::Outcome::Completed && flight->message.qos == 2 &&
        qos2_answered_with_puback) {
        ++downgraded_;
    }
    flights_.erase(flight);
    publishes_.complete(stamp, outcome, error);
}

InputPipe::InputPipe() {
    int ends[2];
    if (pipe(ends) != 0) throw std::runtime_error(std::strerror(errno));
    read_end_ = ends[0];
    write_end_ = ends[1];
}

InputPipe::~InputPipe() {
    close();
    ::close(read_end_);
}

void InputPipe::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t wrote = ::write(write_end_, bytes.data(), bytes.size());
        if (wrote < 0) throw std::runtime_error(std::strerror(errno));
        bytes.remove_prefix(static_cast<std::size_t>(wrote));
    }
}

void InputPipe::close() {
    if (write_end_ >= 0) ::close(write_end_);
    write_end_ = -1;
}

}  // namespace mqtk::test
