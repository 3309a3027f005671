// Buffered, EPIPE-aware writing to stdout (or to memory, for the engines' unit tests).
#include "core/output.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace mqtk {
namespace {

constexpr std::size_t kBufferLimit = 64 * 1024;

bool is_live_reader(int fd) {
    struct stat info {};
    if (fstat(fd, &info) != 0) return true;
    return isatty(fd) || S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode);
}

}  // namespace

OutputSink::OutputSink(int fd) : fd_(fd), live_(is_live_reader(fd)) {
    pending_.reserve(kBufferLimit + 4096);
}

OutputSink::OutputSink() : fd_(-1), live_(true) {}

OutputSink::~OutputSink() {
    flush();
}

bool OutputSink::write(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    pending_.append(bytes);
    return after_append();
}

bool OutputSink::after_append() {
    if (live_ || pending_.size() >= kBufferLimit) return flush_locked();
    return true;
}

void OutputSink::flush() {
    std::lock_guard lock(mutex_);
    if (!closed_) flush_locked();
}

bool OutputSink::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

std::string OutputSink::written() const {
    std::lock_guard lock(mutex_);
    return memory_;
}

bool OutputSink::flush_locked() {
    if (fd_ < 0) {  // once per flush, not per byte: the sub path stays as it was
        memory_.append(pending_);
        pending_.clear();
        return true;
    }
    std::size_t done = 0;
    while (done < pending_.size()) {
        const ssize_t wrote = ::write(fd_, pending_.data() + done, pending_.size() - done);
        if (wrote < 0) {
            if (errno == EINTR) continue;
            closed_ = true;
            pending_.clear();
            if (errno == EPIPE) return false;  // the reader left: end quietly
            throw make_error(ExitCode::Failure, "cannot write to stdout: {}", std::strerror(errno));
        }
        done += static_cast<std::size_t>(wrote);
    }
    pending_.clear();
    return true;
}

}  // namespace mqtk
