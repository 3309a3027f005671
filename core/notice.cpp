#include "core/notice.h"

#include <atomic>
#include <cstdio>

namespace mqtk {
namespace {
std::atomic<bool> enabled{true};
}

void set_notices_enabled(bool on) {
    enabled = on;
}

void notice(std::string_view line) {
    // One write per line, so notices from Paho's threads do not interleave mid-line.
    if (enabled) std::fprintf(stderr, "mqtk: %.*s\n", static_cast<int>(line.size()), line.data());
}

}  // namespace mqtk
