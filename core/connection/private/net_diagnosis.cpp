// One-off probes, run only after a connect failed, to name the cause: a TCP connect, then
// (when TCP works) a greeting in MQTT or TLS to see what kind of server holds the port.
#include "core/connection/private/net_diagnosis.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>

namespace mqtk {
namespace {

// Returns 0 when connected (the socket, non-blocking, in `fd`), else an errno value.
int open_connection(const addrinfo& address, int timeout_ms, int& fd) {
    fd = socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                address.ai_protocol);
    if (fd < 0) return errno;
    int error = 0;
    if (connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
        error = errno;
        if (error == EINPROGRESS) {
            pollfd waiter{fd, POLLOUT, 0};
            const int ready = poll(&waiter, 1, timeout_ms);
            socklen_t length = sizeof error;
            if (ready == 0) {
                error = ETIMEDOUT;
            } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
                error = errno;
            }
        }
    }
    if (error != 0) {
        close(fd);
        fd = -1;
    }
    return error;
}

int try_connect(const addrinfo& address, int timeout_ms) {
    int fd = -1;
    const int error = open_connection(address, timeout_ms, fd);
    if (fd >= 0) close(fd);
    return error;
}

// The first connected socket to host:port, or -1.
int connect_to(const std::string& host, int port, int timeout_ms) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addresses) != 0) {
        return -1;
    }
    int fd = -1;
    for (const addrinfo* address = addresses; address != nullptr && fd < 0;
         address = address->ai_next) {
        open_connection(*address, timeout_ms, fd);
    }
    freeaddrinfo(addresses);
    return fd;
}

// CONNECT, MQTT 3.1.1, clean session, keepalive 10 s, client id "mqtk-probe-<pid>" (its
// own id, so a broker never takes it for the user's client and drops that one).
std::string mqtt_connect() {
    const std::string id = fmt::format("mqtk-probe-{}", getpid());
    std::string packet = {'\x10', static_cast<char>(12 + id.size()), '\x00', '\x04'};
    packet += "MQTT";
    packet += {'\x04', '\x02', '\x00', '\x0a', '\x00', static_cast<char>(id.size())};
    return packet + id;
}

constexpr std::string_view kMqttDisconnect{"\xe0\x00", 2};

// A minimal TLS 1.2 ClientHello (ECDHE and RSA suites, P-256, RSA-SHA256 signatures). A
// TLS server answers it with a ServerHello or at worst an alert: a TLS record either way.
constexpr std::array<unsigned char, 80> kTlsClientHello = {
    0x16, 0x03, 0x01, 0x00, 0x4b,  // record: handshake, 75 bytes
    0x01, 0x00, 0x00, 0x47,        // ClientHello, 71 bytes
    0x03, 0x03,                    // TLS 1.2
    // random: 32 bytes, "mqtk-probe-random-bytes-01234567" (a probe needs no secrecy)
    0x6d, 0x71, 0x74, 0x6b, 0x2d, 0x70, 0x72, 0x6f, 0x62, 0x65, 0x2d, 0x72, 0x61, 0x6e, 0x64, 0x6f,
    0x6d, 0x2d, 0x62, 0x79, 0x74, 0x65, 0x73, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
    0x00,                                                        // no session id
    0x00, 0x08, 0xc0, 0x2f, 0xc0, 0x30, 0x00, 0x9c, 0x00, 0x2f,  // cipher suites
    0x01, 0x00,                                                  // no compression
    0x00, 0x16,                                                  // extensions, 22 bytes
    0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17,              // supported groups: P-256
    0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                          // point formats: uncompressed
    0x00, 0x0d, 0x00, 0x04, 0x00, 0x02, 0x04, 0x01,              // signatures: RSA-SHA256
};

void send_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            pollfd waiter{fd, POLLOUT, 0};
            if (poll(&waiter, 1, 1000) > 0) continue;
        }
        if (n <= 0) return;  // the reading side will see why
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Up to 5 bytes of the server's answer (enough to classify it); `closed` when the server
// hung up before sending that much.
std::string read_answer(int fd, int timeout_ms, bool& closed) {
    using Clock = std::chrono::steady_clock;
    const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string answer;
    closed = false;
    while (answer.size() < 5) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
        if (left <= 0) break;
        pollfd waiter{fd, POLLIN, 0};
        const int ready = poll(&waiter, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) break;
        char chunk[5];
        const ssize_t n = recv(fd, chunk, 5 - answer.size(), 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
            closed = true;
            break;
        }
        answer.append(chunk, static_cast<std::size_t>(n));
    }
    return answer;
}

}  // namespace

Answer classify_answer(std::string_view answer, bool closed) {
    if (answer.empty()) return closed ? Answer::Closed : Answer::Nothing;
    const auto first = static_cast<unsigned char>(answer[0]);
    if (first == 0x20) return Answer::Connack;
    if ((first == 0x15 || first == 0x16) && answer.size() >= 2 && answer[1] == 0x03) {
        return Answer::Tls;  // alert or handshake record, SSL 3.0 to TLS 1.3
    }
    if (answer.substr(0, 4) == "HTTP") return Answer::Http;
    return Answer::Other;
}

std::string diagnose_tcp(const std::string& host, int port, double timeout_seconds) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses); rc != 0) {
        return fmt::format("cannot resolve host '{}': {}", host, gai_strerror(rc));
    }
    const int timeout_ms = static_cast<int>(timeout_seconds * 1000);
    int error = 0;
    for (const addrinfo* address = addresses; address != nullptr; address = address->ai_next) {
        error = try_connect(*address, timeout_ms);
        if (error == 0) break;
    }
    freeaddrinfo(addresses);
    if (error == 0) return {};
    std::string reason = std::strerror(error);
    for (auto& c : reason)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return reason;
}

Answer probe_answer(const std::string& host, int port, Greeting greeting, double timeout_seconds) {
    const int timeout_ms = static_cast<int>(timeout_seconds * 1000);
    const int fd = connect_to(host, port, timeout_ms);
    if (fd < 0) return Answer::NoConnection;
    if (greeting == Greeting::Mqtt) {
        send_all(fd, mqtt_connect());
    } else {
        send_all(fd, std::string_view(reinterpret_cast<const char*>(kTlsClientHello.data()),
                                      kTlsClientHello.size()));
    }
    bool closed = false;
    const std::string first_bytes = read_answer(fd, timeout_ms, closed);  // sets `closed`
    const Answer answer = classify_answer(first_bytes, closed);
    // A broker that let the probe in sees it leave cleanly, not as a lost client.
    if (answer == Answer::Connack) send_all(fd, kMqttDisconnect);
    close(fd);
    return answer;
}

}  // namespace mqtk
