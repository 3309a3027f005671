#include "core/notice.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace mqtk {
namespace {
std::atomic<bool> enabled{true};
std::atomic<bool> diverted{false};  // checked first, so an ordinary notice takes no lock
std::mutex divert_mutex;
std::function<void(std::string_view)> divert_to;
}  // namespace

void set_notices_enabled(bool on) {
    enabled = on;
}

void divert_notices(std::function<void(std::string_view line)> divert) {
    std::lock_guard lock(divert_mutex);
    divert_to = std::move(divert);
    diverted = static_cast<bool>(divert_to);
}

void notice(std::string_view line) {
    if (!enabled) return;
    if (diverted) {
        std::lock_guard lock(divert_mutex);
        if (divert_to) return divert_to(line);
    }
    // One write per line, so notices from Paho's threads do not interleave mid-line.
    std::fprintf(stderr, "mqtk: %.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace mqtk
