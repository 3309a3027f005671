// RFC 4648 base64: a table-driven encoder and a strict decoder (see core/base64.h).
#include "core/base64.h"

#include <array>
#include <cstdint>

namespace mqtk {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xFF;

// Maps a character to its 6-bit value, or kInvalid ('=' included: padding is handled
// apart from the alphabet).
constexpr std::array<std::uint8_t, 256> make_decode_table() {
    std::array<std::uint8_t, 256> table{};
    table.fill(kInvalid);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
        table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return table;
}
constexpr std::array<std::uint8_t, 256> kDecodeTable = make_decode_table();

std::uint8_t sextet(char c) {
    return kDecodeTable[static_cast<unsigned char>(c)];
}

}  // namespace

void append_base64(std::string_view bytes, std::string& out) {
    // Sized once and written through a pointer: this runs per binary message in sub --json.
    const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t whole = bytes.size() / 3 * 3;
    const std::size_t start = out.size();
    out.resize(start + (bytes.size() + 2) / 3 * 4);
    char* to = out.data() + start;
    for (std::size_t i = 0; i < whole; i += 3) {
        const std::uint32_t group = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
        *to++ = kAlphabet[(group >> 18) & 0x3F];
        *to++ = kAlphabet[(group >> 12) & 0x3F];
        *to++ = kAlphabet[(group >> 6) & 0x3F];
        *to++ = kAlphabet[group & 0x3F];
    }
    const std::size_t rest = bytes.size() - whole;
    if (rest == 0) return;
    const std::uint32_t group = (in[whole] << 16) | (rest == 2 ? in[whole + 1] << 8 : 0);
    *to++ = kAlphabet[(group >> 18) & 0x3F];
    *to++ = kAlphabet[(group >> 12) & 0x3F];
    *to++ = rest == 2 ? kAlphabet[(group >> 6) & 0x3F] : '=';
    *to = '=';
}

std::string encode_base64(std::string_view bytes) {
    std::string out;
    append_base64(bytes, out);
    return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;

    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        const std::size_t data_chars = last ? 4 - padding : 4;
        std::uint32_t group = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const std::uint8_t value = k < data_chars ? sextet(text[i + k]) : 0;
            if (value == kInvalid) return std::nullopt;  // also '=' before the end
            group = (group << 6) | value;
        }
        out += static_cast<char>(group >> 16);
        if (data_chars > 2) out += static_cast<char>((group >> 8) & 0xFF);
        if (data_chars > 3) out += static_cast<char>(group & 0xFF);
        // Pad bits must be zero, or two texts would decode to the same bytes.
        if (data_chars == 2 && (group & 0xFFFF) != 0) return std::nullopt;
        if (data_chars == 3 && (group & 0xFF) != 0) return std::nullopt;
    }
    return out;
}

}  // namespace mqtk
