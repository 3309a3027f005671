// The --stats stream: one JSON object per interval, with that interval's figures and the
// cumulative ones, written on its own thread as each interval ends (and once more, marked
// final, when the command has finished: its cumulative figures are then the command's
// result). Schema (field names as in bench's --json result):
//   {"time":"2026-12-08T00:15:02.001Z","elapsed_s":2.0,"command":"bench","final":false,
//    "interval":{"seconds":1.0,
//                "messages":{"sent":N,"received":N,"lost":N,"duplicates":N,"out_of_order":N,
//                            "send_rate":R,"receive_rate":R},
//                "connections":{"up":N,"lost":N,"reconnected":N},
//                "latency":{"end_to_end":{"count":N,"min_ns":N,"p50_ns":N,"p90_ns":N,
//                                         "p99_ns":N,"p99.9_ns":N,"max_ns":N}, ...}},
//    "total":{ the same, cumulative, "seconds" = elapsed_s }}
// connections.up is a gauge (now) in both.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <thread>

#include "core/live.h"

namespace mqtk {

// What one line compares: the figures now, and those of the previous line (none for the
// first line: everything so far is the interval).
struct StatsMoment {
    std::string time;     // wall clock, ISO 8601 UTC
    double elapsed = 0;   // seconds since the command started
    double interval = 0;  // seconds since the previous line
    bool final = false;
};

// One line's document (pure: the interval arithmetic, tested on its own). Counts in the
// interval are now - before; latencies subtract as histograms (Histogram::since()).
nlohmann::ordered_json stats_line(const LiveFigures& now, const LiveFigures* before,
                                  const StatsMoment& moment);

// The writer. Opening happens in the constructor, so that a path that cannot be written is
// an error before the command connects.
class StatsStream {
  public:
    // `path` "-" is stderr. Throws Error(Usage) if the file cannot be opened for writing.
    StatsStream(const std::string& path, double interval, std::string command, const LiveHub& hub);
    ~StatsStream();
    StatsStream(const StatsStream&) = delete;
    StatsStream& operator=(const StatsStream&) = delete;

    void start();
    // Ends the thread and writes the final line (once).
    void stop();

  private:
    void run();
    void write_line(bool final);

    int fd_ = -1;
    bool owns_fd_ = false;
    std::uint64_t interval_ns_;
    std::string command_;
    const LiveHub& hub_;
    std::uint64_t start_ns_ = 0;
    std::uint64_t last_ns_ = 0;
    std::optional<LiveFigures> last_;  // the previous line's figures

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace mqtk
