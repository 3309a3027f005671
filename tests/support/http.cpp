// See http.h: one connection per request, read to end of file (HTTP/1.0 closes it).
#include "support/http.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>

namespace mqtk::test {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Everything the server sends until it closes; nothing on timeout.
std::optional<std::string> exchange(int port, const std::string& request,
                                    Clock::time_point deadline) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::optional<std::string> answer;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
        std::string received;
        char buffer[65536];
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, remaining_ms(deadline)) <= 0) break;
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n < 0) break;
            if (n == 0) {
                answer = std::move(received);
                break;
            }
            received.append(buffer, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return answer;
}

}  // namespace

std::optional<HttpResponse> http_get(int port, const std::string& path,
                                     std::chrono::milliseconds timeout) {
    const auto answer =
        exchange(port, fmt::format("GET {} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n", path, port),
                 Clock::now() + timeout);
    if (!answer) return std::nullopt;
    const auto end_of_headers = answer->find("\r\n\r\n");
    if (answer->rfind("HTTP/", 0) != 0 || end_of_headers == std::string::npos) {
        return std::nullopt;
    }
    HttpResponse response;
    response.status = std::stoi(answer->substr(answer->find(' ') + 1, 3));
    response.headers = answer->substr(0, end_of_headers);
    response.body = answer->substr(end_of_headers + 4);
    return response;
}

std::string url_encode(const std::string& text) {
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += fmt::format("%{:02X}", byte);
        }
    }
    return out;
}

}  // namespace mqtk::test
