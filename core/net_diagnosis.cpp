// A one-off TCP probe, run only after a connect failed, to name the cause.
#include "core/net_diagnosis.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mqtk {
namespace {

// Returns 0 when connected, else an errno value.
int try_connect(const addrinfo& address, int timeout_ms) {
    const int fd = socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
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
    close(fd);
    return error;
}

}  // namespace

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

}  // namespace mqtk
