// The exit-code table of the contract and the one exception type that carries it.
//
// The core throws mqtk::Error wherever a run must end; only cli/main.cpp catches it,
// prints "mqtk: <message>" and exits with its code. Nothing else decides exit codes.
#pragma once

#include <fmt/core.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace mqtk {

enum class ExitCode : int {
    Success = 0,
    Failure = 1,       // failed after connecting: publish refused, connection lost, I/O error
    Usage = 2,         // bad flag or value, invalid topic or filter, unreadable file
    Unreachable = 3,   // DNS, refused, TLS handshake or verification, connect timeout
    Refused = 4,       // the broker refused CONNECT
    Timeout = 5,       // -W elapsed before the count or expectation was met
    Interrupted = 130  // SIGINT/SIGTERM, after a clean disconnect
};

class Error : public std::runtime_error {
  public:
    Error(ExitCode code, std::string message)
        : std::runtime_error(std::move(message)), code_(code) {}
    ExitCode code() const noexcept { return code_; }

  private:
    ExitCode code_;
};

template <typename... Args>
Error make_error(ExitCode code, fmt::format_string<Args...> format, Args&&... args) {
    return Error(code, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
Error usage_error(fmt::format_string<Args...> format, Args&&... args) {
    return Error(ExitCode::Usage, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mqtk
