// Buffered, poll()-driven line reading plus whole-file reads for payloads.
#include "core/line_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/interrupt.h"

namespace mqtk {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

// Milliseconds to wait in poll(): short slices so interrupts are seen promptly.
int poll_slice(std::optional<std::chrono::steady_clock::time_point> deadline) {
    constexpr int kSliceMs = 100;
    if (!deadline) return kSliceMs;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        *deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp<long long>(left.count(), 0, kSliceMs));
}

}  // namespace

bool LineReader::fill(std::optional<std::chrono::steady_clock::time_point> deadline,
                      Status& status) {
    if (start_ > 0) {  // keep the partial line, drop consumed bytes
        buffer_.erase(0, start_);
        start_ = 0;
    }
    for (;;) {
        if (interrupted()) {
            status = Status::Interrupted;
            return false;
        }
        if (deadline && std::chrono::steady_clock::now() >= *deadline) {
            status = Status::TimedOut;
            return false;
        }
        pollfd waiter{fd_, POLLIN, 0};
        const int ready = poll(&waiter, 1, poll_slice(deadline));
        if (ready < 0 && errno != EINTR) {
            throw make_error(ExitCode::Failure, "cannot read stdin: {}", std::strerror(errno));
        }
        if (ready <= 0) continue;
        const std::size_t old_size = buffer_.size();
        buffer_.resize(old_size + kChunk);
        const ssize_t got = read(fd_, buffer_.data() + old_size, kChunk);
        buffer_.resize(old_size + static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
        if (got > 0) return true;
        if (got == 0) {
            eof_ = true;
            return true;
        }
        if (errno != EINTR && errno != EAGAIN) {
            throw make_error(ExitCode::Failure, "cannot read stdin: {}", std::strerror(errno));
        }
    }
}

LineReader::Status LineReader::next(std::string_view& line,
                                    std::optional<std::chrono::steady_clock::time_point> deadline) {
    for (;;) {
        const char* begin = buffer_.data() + start_;
        const std::size_t available = buffer_.size() - start_;
        if (const void* newline = std::memchr(begin, '\n', available)) {
            const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - begin);
            line = std::string_view(begin, length);
            start_ += length + 1;
            return Status::Line;
        }
        if (eof_) {
            if (available == 0) return Status::End;
            line = std::string_view(begin, available);
            start_ = buffer_.size();
            return Status::Line;
        }
        Status status = Status::Line;
        if (!fill(deadline, status)) return status;
    }
}

namespace {

// Waits until fd has something to read (or its end). Throws Error(Timeout) at the
// deadline, Error(Interrupted) on a signal.
void await_readable(int fd, std::string_view what, std::chrono::steady_clock::time_point deadline) {
    for (;;) {
        if (interrupted()) throw Error(ExitCode::Interrupted, "");
        if (std::chrono::steady_clock::now() >= deadline) {
            throw make_error(ExitCode::Timeout, "{} still open", what);
        }
        pollfd waiter{fd, POLLIN, 0};
        const int ready = poll(&waiter, 1, poll_slice(deadline));
        if (ready > 0) return;
        if (ready < 0 && errno != EINTR) return;  // the read() names the error
    }
}

}  // namespace

std::string read_all_from_fd(int fd, std::string_view what,
                             std::optional<std::chrono::steady_clock::time_point> deadline,
                             std::size_t expected) {
    // Read straight into the string, sized for what is expected (one more byte, so that
    // the end shows without growing it): a payload of 100 MB read in 64 KiB pieces and
    // appended cost another 256 MB of fresh pages and 128 MB of copies.
    std::string data(std::max(expected + 1, kChunk), '\0');
    std::size_t size = 0;
    for (;;) {
        if (size == data.size()) data.resize(std::min(data.size() * 2, kMaxPayload + 1));
        if (deadline) await_readable(fd, what, *deadline);
        const ssize_t got = read(fd, data.data() + size, data.size() - size);
        if (got == 0) break;
        if (got < 0) {
            if (errno == EINTR && !interrupted()) continue;
            throw usage_error("cannot read {}: {}", what, std::strerror(errno));
        }
        size += static_cast<std::size_t>(got);
        if (size > kMaxPayload) {
            throw usage_error("{} is larger than the largest MQTT payload ({} bytes)", what,
                              kMaxPayload);
        }
    }
    data.resize(size);
    return data;
}

std::string read_file(const std::string& path) {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw usage_error("cannot read file '{}': {}", path, std::strerror(errno));
    struct stat info {};
    std::size_t expected = 0;
    if (fstat(fd, &info) == 0) {
        if (S_ISDIR(info.st_mode)) {
            close(fd);
            throw usage_error("cannot read file '{}': it is a directory", path);
        }
        if (S_ISREG(info.st_mode) && static_cast<std::size_t>(info.st_size) > kMaxPayload) {
            close(fd);
            throw usage_error(
                "file '{}' ({} bytes) is larger than the largest MQTT payload ({} bytes)", path,
                info.st_size, kMaxPayload);
        }
        if (S_ISREG(info.st_mode)) expected = static_cast<std::size_t>(info.st_size);
    }
    try {
        std::string data =
            read_all_from_fd(fd, fmt::format("file '{}'", path), std::nullopt, expected);
        close(fd);
        return data;
    } catch (...) {
        close(fd);
        throw;
    }
}

}  // namespace mqtk
