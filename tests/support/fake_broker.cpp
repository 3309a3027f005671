// The scripted fake broker (see fake_broker.h). Every socket is polled in 50 ms slices so
// that the destructor's stop flag ends accept loops and scripts promptly, whatever they
// are waiting for.
#include "support/fake_broker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "support/process.h"  // free_port

namespace mqtk::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kSliceMs = 50;

// Where the first complete packet in `bytes` ends, and where its body starts.
struct Extent {
    std::size_t size = 0;  // 0: no complete packet yet
    std::size_t body = 0;
};

// A remaining length of more than 4 bytes is malformed: the whole buffer is then taken as
// one "packet", so garbage cannot stall the parser.
Extent first_packet(std::string_view bytes) {
    std::size_t length = 0;
    for (std::size_t i = 1; i < bytes.size(); ++i) {
        const auto b = static_cast<std::uint8_t>(bytes[i]);
        length |= static_cast<std::size_t>(b & 0x7f) << (7 * (i - 1));
        if ((b & 0x80) == 0) {
            if (bytes.size() - (i + 1) < length) return {};
            return {i + 1 + length, i + 1};
        }
        if (i == 4) return {bytes.size(), bytes.size()};
    }
    return {};
}

void send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the peer is gone: the reading side notices
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

int connect_loopback(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

struct FakeBroker::State {
    std::atomic<bool> stopping{false};
    int listen_fd = -1;
    FakeBroker::Script script;

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<MqttPacket> packets;
    std::size_t connections = 0;
    std::size_t hangups = 0;
    std::map<std::uint8_t, std::size_t> dropped;  // packets a relay withheld, by type
    std::thread accepter;
    std::vector<std::thread> threads;  // one per connection, started by the accepter

    void record(MqttPacket packet) {
        std::lock_guard lock(mutex);
        packets.push_back(std::move(packet));
        changed.notify_all();
    }
    void record_hangup() {
        std::lock_guard lock(mutex);
        ++hangups;
        changed.notify_all();
    }
    void record_dropped(std::uint8_t type) {
        std::lock_guard lock(mutex);
        ++dropped[type];
        changed.notify_all();
    }
};

// --- Connection ------------------------------------------------------------------------

FakeBroker::Connection::Connection(std::shared_ptr<State> state, int fd)
    : state_(std::move(state)), fd_(fd) {}

FakeBroker::Connection::~Connection() {
    ::close(fd_);
}

bool FakeBroker::Connection::fill(Clock::time_point until) {
    while (!client_closed_ && !state_->stopping) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        if (left.count() <= 0) return false;
        pollfd waiter{fd_, POLLIN, 0};
        const int ready =
            ::poll(&waiter, 1, std::min<int>(kSliceMs, static_cast<int>(left.count())));
        if (ready <= 0) continue;
        char chunk[4096];
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            client_closed_ = true;  // EOF or reset: the client hung up
            state_->record_hangup();
            return false;
        }
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
    }
    return false;
}

std::optional<MqttPacket> FakeBroker::Connection::take_packet() {
    const Extent extent = first_packet(buffer_);
    if (extent.size == 0) return std::nullopt;
    MqttPacket packet{static_cast<std::uint8_t>(buffer_[0]),
                      buffer_.substr(extent.body, extent.size - extent.body)};
    buffer_.erase(0, extent.size);
    state_->record(packet);
    return packet;
}

std::optional<MqttPacket> FakeBroker::Connection::read_packet(std::chrono::milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    for (;;) {
        if (auto packet = take_packet()) return packet;
        if (!fill(until)) return std::nullopt;
    }
}

void FakeBroker::Connection::drain() {
    while (!client_closed_ && !state_->stopping) {
        while (take_packet()) {
        }
        fill(Clock::now() + 1s);
    }
}

void FakeBroker::Connection::send(std::string_view bytes) {
    send_all(fd_, bytes);
}

void FakeBroker::Connection::relay(int upstream_port, const std::set<std::uint8_t>& drop) {
    const int upstream = connect_loopback(upstream_port);
    if (upstream < 0) return;
    std::string from_upstream;
    while (!state_->stopping) {
        pollfd waiters[2] = {{fd_, POLLIN, 0}, {upstream, POLLIN, 0}};
        if (::poll(waiters, 2, kSliceMs) <= 0) continue;
        char chunk[4096];
        if (waiters[0].revents != 0) {
            const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
            if (n <= 0) {
                client_closed_ = true;
                state_->record_hangup();
                break;
            }
            send_all(upstream, std::string_view(chunk, static_cast<std::size_t>(n)));
            buffer_.append(chunk, static_cast<std::size_t>(n));
            while (take_packet()) {
            }
        }
        if (waiters[1].revents != 0) {
            const ssize_t n = ::recv(upstream, chunk, sizeof chunk, 0);
            if (n <= 0) break;  // the broker closed: so do we
            from_upstream.append(chunk, static_cast<std::size_t>(n));
            // Whole packets only, so a dropped one never leaves a fragment behind.
            while (const std::size_t size = first_packet(from_upstream).size) {
                const auto type = static_cast<std::uint8_t>(from_upstream[0]) >> 4;
                if (drop.count(type) == 0) {
                    send_all(fd_, std::string_view(from_upstream).substr(0, size));
                } else {
                    state_->record_dropped(static_cast<std::uint8_t>(type));
                }
                from_upstream.erase(0, size);
            }
        }
    }
    ::close(upstream);
}

// --- FakeBroker ------------------------------------------------------------------------

FakeBroker::FakeBroker(Script script) : state_(std::make_shared<State>()) {
    state_->script = std::move(script);
    const LoopbackListener listener = listen_on_free_port("FakeBroker");
    state_->listen_fd = listener.fd;
    port_ = listener.port;

    state_->accepter = std::thread([state = state_] {
        while (!state->stopping) {
            pollfd waiter{state->listen_fd, POLLIN, 0};
            if (::poll(&waiter, 1, kSliceMs) <= 0) continue;
            const int fd = ::accept4(state->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            std::lock_guard lock(state->mutex);
            ++state->connections;
            state->changed.notify_all();
            state->threads.emplace_back([state, fd] {
                Connection connection(state, fd);
                state->script(connection);
            });
        }
    });
}

FakeBroker::~FakeBroker() {
    state_->stopping = true;
    // The accepter may still start connection threads: join it before them.
    state_->accepter.join();
    for (auto& thread : state_->threads)
        thread.join();
    ::close(state_->listen_fd);
}

FakeBroker::Script FakeBroker::silent() {
    return [](Connection& connection) { connection.drain(); };
}

FakeBroker::Script FakeBroker::close_after_connect() {
    return [](Connection& connection) { connection.read_packet(30s); };
}

FakeBroker::Script FakeBroker::answer_after_connect(std::string bytes) {
    return [bytes = std::move(bytes)](Connection& connection) {
        if (!connection.read_packet(30s)) return;
        connection.send(bytes);
        connection.drain();
    };
}

FakeBroker::Script FakeBroker::relay_dropping(int upstream_port, std::set<std::uint8_t> drop) {
    return [upstream_port, drop = std::move(drop)](Connection& connection) {
        connection.relay(upstream_port, drop);
    };
}

FakeBroker::Script FakeBroker::puback_for_qos2() {
    return [](Connection& connection) {
        while (auto packet = connection.read_packet(30s)) {
            const auto type = static_cast<std::uint8_t>(packet->header >> 4);
            const std::string& body = packet->body;
            if (type == packet::kConnect) {
                connection.send(kConnackAccepted);
            } else if (type == packet::kSubscribe && body.size() >= 2) {
                connection.send(std::string("\x90\x03", 2) + body.substr(0, 2) + "\x01");
            } else if (type == packet::kPublish && ((packet->header >> 1) & 3) > 0 &&
                       body.size() >= 2) {
                const std::size_t topic =
                    (static_cast<std::uint8_t>(body[0]) << 8) | static_cast<std::uint8_t>(body[1]);
                if (body.size() < 2 + topic + 2) continue;
                connection.send(std::string("\x40\x02", 2) + body.substr(2 + topic, 2));
            } else if (type == 12) {  // PINGREQ
                connection.send(std::string("\xd0\x00", 2));
            } else if (type == packet::kDisconnect) {
                return;
            }
        }
    };
}

std::size_t FakeBroker::connections() const {
    std::lock_guard lock(state_->mutex);
    return state_->connections;
}

std::vector<MqttPacket> FakeBroker::client_packets() const {
    std::lock_guard lock(state_->mutex);
    return state_->packets;
}

bool FakeBroker::wait_for_packet(std::uint8_t type, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] {
        for (const auto& packet : state_->packets) {
            if ((packet.header >> 4) == type) return true;
        }
        return false;
    });
}

bool FakeBroker::wait_for_dropped(std::uint8_t type, std::size_t count,
                                  std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] {
        const auto found = state_->dropped.find(type);
        return found != state_->dropped.end() && found->second >= count;
    });
}

bool FakeBroker::wait_for_client_hangups(std::size_t count,
                                         std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_->mutex);
    return state_->changed.wait_for(lock, timeout, [&] { return state_->hangups >= count; });
}

}  // namespace mqtk::test
