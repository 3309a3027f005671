// stdout for received messages: one lock, one buffer, and a flush policy chosen once.
// A reader watching live (a terminal, a pipe, a socket) gets every message as it comes;
// a file or /dev/null gets large writes for throughput, flushed at least every 100 ms by
// the command's main loop. A closed reader (EPIPE) is not an error: `| head -1` ends quietly.
// The engines are handed their sink (cli/ makes it on stdout); the unit tests make one that
// keeps the bytes in memory.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

namespace mqtk {

class OutputSink {
  public:
    explicit OutputSink(int fd);
    // Keeps what would be written in memory, flushed per message (tests): see written().
    OutputSink();
    ~OutputSink();
    OutputSink(const OutputSink&) = delete;
    OutputSink& operator=(const OutputSink&) = delete;

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
    // The memory sink's bytes so far.
    std::string written() const;

  private:
    bool after_append();  // with mutex_ held
    bool flush_locked();

    int fd_;     // -1: into memory_
    bool live_;  // flush per message
    bool closed_ = false;
    std::string pending_;
    std::string memory_;
    mutable std::mutex mutex_;
};

}  // namespace mqtk
