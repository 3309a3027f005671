// What every fuzz target shares: a check that aborts, so that libFuzzer reports the input
// that broke an invariant as a crash and keeps it, and the one-line test for error messages.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

// A macro rather than a function: clang 14 has no std::source_location to name the line.
#define MQTK_FUZZ_CHECK(condition)                                                                 \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

namespace mqtk::fuzz {

// mqtk's error messages are one line on stderr (STYLE.md): no byte below 0x20 in them.
inline bool is_one_line(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20) return false;
    }
    return true;
}

}  // namespace mqtk::fuzz
