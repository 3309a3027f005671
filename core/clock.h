// The one clock mqtk times things with: monotonic nanoseconds.
//
// steady_clock is CLOCK_MONOTONIC on Linux, so readings compare across threads and across
// processes on the same machine (bench workers), but not across machines, and the origin
// (boot) means nothing on its own. A call costs ~25 ns (vDSO, no system call).
#pragma once

#include <chrono>
#include <cstdint>

namespace mqtk {

inline std::uint64_t monotonic_ns() noexcept {
    const auto since_origin = std::chrono::steady_clock::now().time_since_epoch();
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_origin).count());
}

}  // namespace mqtk
