// stdout for received messages: one lock, one buffer, and a flush policy chosen once.
// A reader watching live (a terminal, a pipe, a socket) gets every message as it comes;
// a file or /dev/null gets large writes for throughput, flushed at least every 100 ms by
// the command's main loop. A closed reader (EPIPE) is not an error: `| head -1` ends quietly.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

namespace mqtk {

class OutputSink {
  public:
    explicit OutputSink(int fd);
    ~OutputSink();

    // Appends rendered bytes; flushes per the policy. False once the reader has gone.
    bool write(std::string_view bytes);
    // Runs `render(buffer)` under the lock, appending to the pending buffer (no copy).
    template <typename Render>
    bool write_with(Render&& render) {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        render(pending_);
        return after_append();
    }
    void flush();
    bool closed() const;

  private:
    bool after_append();  // with mutex_ held
    bool flush_locked();

    int fd_;
    bool live_;  // flush per message
    bool closed_ = false;
    std::string pending_;
    mutable std::mutex mutex_;
};

}  // namespace mqtk
