// Helpers for the sub and echo integration tests (see wire.h).
#include "support/wire.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace mqtk::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The lines "<time>: <rest>" of a log whose <rest> starts with "<client id> ".
template <typename Visit>
void for_each_client_line(std::string_view log, std::string_view client_id, Visit visit) {
    const std::string head = ": " + std::string(client_id) + " ";
    for (auto at = log.find(head); at != std::string_view::npos; at = log.find(head, at + 1)) {
        // The match must start a line's message: "<digits>: ".
        const auto line_start = log.rfind('\n', at);
        const auto stamp =
            log.substr(line_start == std::string_view::npos ? 0 : line_start + 1,
                       at - (line_start == std::string_view::npos ? 0 : line_start + 1));
        if (stamp.empty() || stamp.find_first_not_of("0123456789") != std::string_view::npos) {
            continue;
        }
        std::string_view rest = log.substr(at + head.size());
        const auto end = rest.find('\n');
        if (end == std::string_view::npos) return;  // still being written
        visit(rest.substr(0, end));
    }
}

bool is_number(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// A relay re-sends whatever each recv() returned as a segment of its own, so a stream of
// small packets (PUBLISH ~25 bytes, PUBACK 4 bytes) becomes a stream of small writes. With
// Nagle on, each write waits for the ACK of the previous one, and the peer delays that
// ACK up to 40 ms: a QoS 1 window of 20 then moved once per delayed ACK (ss showed 76-80
// bytes, 19-20 PUBACKs, held in the relay's Send-Q towards pub, and 10+ ms RTTs on
// loopback), ~800 messages/s instead of tens of thousands - the network-cut stream
// "stalled" at ~55,500 lines only because the test's 45 s ran out. Clients and mosquitto
// (set_tcp_nodelay) write without Nagle; so must the relay between them.
void no_delay(int fd) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void write_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // the peer is gone: the read side will notice
        data += n;
        size -= static_cast<std::size_t>(n);
    }
}

}  // namespace

std::vector<int> logged_subscriptions(std::string_view log, std::string_view client_id,
                                      std::string_view filter) {
    std::vector<int> qos;
    for_each_client_line(log, client_id, [&](std::string_view line) {
        const auto space = line.find(' ');
        if (space == std::string_view::npos) return;
        const auto level = line.substr(0, space);
        if (is_number(level) && line.substr(space + 1) == filter) {
            qos.push_back(std::stoi(std::string(level)));
        }
    });
    return qos;
}

std::size_t logged_unsubscriptions(std::string_view log, std::string_view client_id,
                                   std::string_view filter) {
    std::size_t count = 0;
    for_each_client_line(log, client_id, [&](std::string_view line) {
        if (line == filter) ++count;
    });
    return count;
}

bool wait_for_subscriptions(const Broker& broker, std::string_view client_id,
                            const std::vector<std::string>& filters,
                            std::chrono::milliseconds timeout, const Process* process) {
    auto all = [&](std::string_view log) {
        return std::all_of(filters.begin(), filters.end(), [&](const std::string& filter) {
            return !logged_subscriptions(log, client_id, filter).empty();
        });
    };
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (broker.wait_for_log(all, 50ms)) return true;
        if (process != nullptr && !process->running()) break;
    }
    return broker.wait_for_log(all, 0ms);
}

ProcessResult mosquitto_pub(const Broker& broker, std::vector<std::string> args) {
    std::vector<std::string> argv = {"mosquitto_pub", "-h", broker.host(), "-p",
                                     std::to_string(broker.port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(std::move(argv), {.timeout = std::chrono::seconds(20)});
}

std::string to_hex(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        out += kDigits[byte >> 4];
        out += kDigits[byte & 0x0f];
    }
    return out;
}

std::string base64_decode(std::string_view text) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (text.size() % 4 != 0) throw std::invalid_argument("base64: length not a multiple of 4");
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        unsigned value = 0;
        int padding = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            value <<= 6;
            if (c == '=') {
                if (i + 4 != text.size() || j < 2) throw std::invalid_argument("base64: bad '='");
                ++padding;
                continue;
            }
            if (padding > 0) throw std::invalid_argument("base64: data after '='");
            const auto at = kAlphabet.find(c);
            if (at == std::string_view::npos) throw std::invalid_argument("base64: bad character");
            value |= static_cast<unsigned>(at);
        }
        out += static_cast<char>((value >> 16) & 0xff);
        if (padding < 2) out += static_cast<char>((value >> 8) & 0xff);
        if (padding < 1) out += static_cast<char>(value & 0xff);
    }
    return out;
}

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    for (auto end = text.find('\n'); end != std::string_view::npos; end = text.find('\n')) {
        lines.emplace_back(text.substr(0, end));
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::size_t occurrences(std::string_view text, std::string_view part) {
    std::size_t n = 0;
    for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1))
        ++n;
    return n;
}

// --- SUBSCRIBE parsing ---------------------------------------------------------------------

namespace {

struct Reader {
    std::string_view data;
    std::size_t at = 0;

    void need(std::size_t n) const {
        if (data.size() - at < n) throw std::runtime_error("SUBSCRIBE: truncated");
    }
    std::uint8_t byte() {
        need(1);
        return static_cast<std::uint8_t>(data[at++]);
    }
    std::uint16_t u16() {
        const unsigned high = byte();
        return static_cast<std::uint16_t>(high << 8 | byte());
    }
    std::uint32_t varint() {
        std::uint32_t value = 0;
        for (int shift = 0; shift < 28; shift += 7) {
            const std::uint8_t b = byte();
            value |= static_cast<std::uint32_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw std::runtime_error("SUBSCRIBE: bad variable byte integer");
    }
    std::string string() {
        const std::uint16_t length = u16();
        need(length);
        std::string s(data.substr(at, length));
        at += length;
        return s;
    }
    bool done() const { return at == data.size(); }
};

}  // namespace

SubscribePacket parse_subscribe_v5(std::string_view body) {
    Reader r{body};
    SubscribePacket packet;
    packet.packet_id = r.u16();
    const std::uint32_t properties_length = r.varint();
    r.need(properties_length);
    const std::size_t properties_end = r.at + properties_length;
    while (r.at < properties_end) {
        const std::uint32_t id = r.varint();
        if (id == 0x0B) {
            packet.subscription_identifiers.push_back(r.varint());
        } else if (id == 0x26) {
            std::string name = r.string();
            packet.user_properties.emplace_back(std::move(name), r.string());
        } else {
            throw std::runtime_error("SUBSCRIBE: unexpected property " + std::to_string(id));
        }
    }
    while (!r.done()) {
        SubscribePacket::Entry entry;
        entry.filter = r.string();
        entry.options = r.byte();
        packet.entries.push_back(std::move(entry));
    }
    return packet;
}

// --- WireTap -------------------------------------------------------------------------------

struct WireTap::State {
    int broker_port = -1;
    int port = -1;
    int listen_fd = -1;
    int stop_pipe[2] = {-1, -1};
    std::thread thread;

    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    std::vector<std::string> sent;  // per connection, client -> broker bytes

    struct Connection {
        int client = -1;
        int server = -1;
        std::size_t index = 0;  // into sent
    };

    void loop();
};

void WireTap::State::loop() {
    std::vector<Connection> connections;
    auto close_connection = [](Connection& c) {
        if (c.client >= 0) ::close(c.client);
        if (c.server >= 0) ::close(c.server);
        c.client = c.server = -1;
    };
    for (;;) {
        std::vector<pollfd> fds = {{stop_pipe[0], POLLIN, 0}, {listen_fd, POLLIN, 0}};
        for (const auto& c : connections) {
            fds.push_back({c.client, POLLIN, 0});
            fds.push_back({c.server, POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents != 0) {
            char command = 'x';
            if (::read(stop_pipe[0], &command, 1) == 1 && command == 'c') {
                for (auto& c : connections)
                    close_connection(c);
                connections.clear();
                continue;
            }
            break;
        }
        // Only the connections polled above have entries in fds; one accepted below waits
        // for the next round.
        const std::size_t polled = connections.size();
        if (fds[1].revents != 0) {
            const int client = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (client >= 0) {
                const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                sockaddr_in addr{};
                addr.sin_family = AF_INET;
                addr.sin_port = htons(static_cast<std::uint16_t>(broker_port));
                addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                if (server < 0 ||
                    ::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
                    ::close(client);
                    if (server >= 0) ::close(server);
                } else {
                    no_delay(client);
                    no_delay(server);
                    std::lock_guard lock(mutex);
                    sent.emplace_back();
                    connections.push_back({client, server, sent.size() - 1});
                }
            }
        }
        for (std::size_t i = 0; i < polled; ++i) {
            auto& c = connections[i];
            const auto& from_client = fds[2 + 2 * i];
            const auto& from_server = fds[3 + 2 * i];
            char buffer[65536];
            if (from_client.revents != 0) {
                const ssize_t n = ::recv(c.client, buffer, sizeof buffer, 0);
                if (n <= 0) {
                    close_connection(c);
                    continue;
                }
                {
                    std::lock_guard lock(mutex);
                    sent[c.index].append(buffer, static_cast<std::size_t>(n));
                    changed.notify_all();
                }
                write_all(c.server, buffer, static_cast<std::size_t>(n));
            }
            if (from_server.revents != 0) {
                const ssize_t n = ::recv(c.server, buffer, sizeof buffer, 0);
                if (n <= 0) {
                    close_connection(c);
                    continue;
                }
                write_all(c.client, buffer, static_cast<std::size_t>(n));
            }
        }
        std::erase_if(connections, [](const Connection& c) { return c.client < 0; });
    }
    for (auto& c : connections)
        close_connection(c);
}

WireTap::WireTap(int broker_port) : state_(std::make_shared<State>()) {
    State& s = *state_;
    s.broker_port = broker_port;
    if (::pipe2(s.stop_pipe, O_CLOEXEC) != 0) throw_errno("pipe2");
    const LoopbackListener listener = listen_on_free_port("WireTap");
    s.listen_fd = listener.fd;
    s.port = listener.port;
    s.thread = std::thread([&s] { s.loop(); });
}

WireTap::~WireTap() {
    State& s = *state_;
    [[maybe_unused]] auto n = ::write(s.stop_pipe[1], "x", 1);
    s.thread.join();
    ::close(s.listen_fd);
    ::close(s.stop_pipe[0]);
    ::close(s.stop_pipe[1]);
}

void WireTap::cut() {
    [[maybe_unused]] auto n = ::write(state_->stop_pipe[1], "c", 1);
}

int WireTap::port() const {
    return state_->port;
}

namespace {

std::vector<MqttPacket> parse_packets(std::string_view bytes) {
    std::vector<MqttPacket> packets;
    std::size_t at = 0;
    while (at + 2 <= bytes.size()) {
        const auto header = static_cast<std::uint8_t>(bytes[at]);
        std::size_t length = 0;
        std::size_t i = at + 1;
        int shift = 0;
        bool complete = false;
        while (i < bytes.size() && shift < 28) {
            const auto b = static_cast<std::uint8_t>(bytes[i++]);
            length |= static_cast<std::size_t>(b & 0x7f) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                complete = true;
                break;
            }
        }
        if (!complete || bytes.size() - i < length) break;
        packets.push_back({header, std::string(bytes.substr(i, length))});
        at = i + length;
    }
    return packets;
}

}  // namespace

std::vector<MqttPacket> WireTap::client_packets() const {
    std::lock_guard lock(state_->mutex);
    std::vector<MqttPacket> all;
    for (const auto& bytes : state_->sent) {
        auto packets = parse_packets(bytes);
        all.insert(all.end(), packets.begin(), packets.end());
    }
    return all;
}

std::optional<MqttPacket> WireTap::wait_for_packet(std::uint8_t type,
                                                   std::chrono::milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        for (const auto& packet : client_packets()) {
            if ((packet.header >> 4) == type) return packet;
        }
        if (Clock::now() >= deadline) return std::nullopt;
        std::unique_lock lock(state_->mutex);
        state_->changed.wait_for(lock, 20ms);
    }
}

}  // namespace mqtk::test
