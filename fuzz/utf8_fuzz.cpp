// Fuzzes the UTF-8 validator (core/utf8.h) against a second, independently written one:
// RFC 3629's grammar (section 4) spelt out byte range by byte range, minus U+0000 as
// MQTT requires. The two must agree on every input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/utf8.h"
#include "fuzz/fuzz_check.h"

namespace {

bool in(unsigned char byte, unsigned low, unsigned high) {
    return byte >= low && byte <= high;
}

// The length of the well-formed sequence at `p`, or 0 when there is none.
std::size_t sequence_length(const unsigned char* p, std::size_t left) {
    const auto tails_ok = [&](std::size_t from, std::size_t to) {
        for (std::size_t i = from; i < to; ++i) {
            if (!in(p[i], 0x80, 0xBF)) return false;
        }
        return true;
    };
    const unsigned char lead = p[0];
    if (in(lead, 0x01, 0x7F)) return 1;
    if (in(lead, 0xC2, 0xDF)) return left >= 2 && tails_ok(1, 2) ? 2 : 0;
    if (in(lead, 0xE0, 0xEF)) {
        if (left < 3) return 0;
        const bool second_ok = lead == 0xE0   ? in(p[1], 0xA0, 0xBF)
                               : lead == 0xED ? in(p[1], 0x80, 0x9F)
                                              : in(p[1], 0x80, 0xBF);
        return second_ok && tails_ok(2, 3) ? 3 : 0;
    }
    if (in(lead, 0xF0, 0xF4)) {
        if (left < 4) return 0;
        const bool second_ok = lead == 0xF0   ? in(p[1], 0x90, 0xBF)
                               : lead == 0xF4 ? in(p[1], 0x80, 0x8F)
                                              : in(p[1], 0x80, 0xBF);
        return second_ok && tails_ok(2, 4) ? 4 : 0;
    }
    return 0;
}

bool reference_is_valid(const unsigned char* p, std::size_t size) {
    for (std::size_t i = 0; i < size;) {
        const std::size_t length = sequence_length(p + i, size - i);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    MQTK_FUZZ_CHECK(mqtk::is_valid_utf8(text) == reference_is_valid(data, size));
    return 0;
}
