// Reads a file descriptor (stdin) line by line as the bytes arrive, so `pub -l` from a
// pipe publishes each line when it is written, not at EOF. Interruptible and bounded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace mqtk {

class LineReader {
  public:
    enum class Status { Line, End, Interrupted, TimedOut };

    explicit LineReader(int fd) : fd_(fd) {}

    // Next line without its '\n' ('\r' is kept, as mosquitto_pub keeps it). A last line
    // without '\n' is still a line. The view is valid until the next call.
    // Throws mqtk::Error(Failure) on a read error.
    Status next(std::string_view& line,
                std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt);

  private:
    bool fill(std::optional<std::chrono::steady_clock::time_point> deadline, Status& status);

    int fd_;
    std::string buffer_;
    std::size_t start_ = 0;  // first unconsumed byte
    bool eof_ = false;
};

// Reads everything from fd (stdin for -s) or a file (for -f); throws Error(Usage) if it
// cannot be read, is a directory, or is larger than an MQTT payload can be. With a
// deadline, Error(Timeout) "<what> still open" when the end has not come by then.
// expected: the size it probably has (a regular file's), 0 when unknown.
std::string read_all_from_fd(
    int fd, std::string_view what,
    std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt,
    std::size_t expected = 0);
std::string read_file(const std::string& path);

// The largest payload an MQTT PUBLISH can carry (remaining length 268,435,455 bytes,
// less the smallest possible header).
inline constexpr std::size_t kMaxPayload = 268'435'455 - 4;

}  // namespace mqtk
