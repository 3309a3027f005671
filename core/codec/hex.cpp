// The hex codec: the payload is hexadecimal text ("48690a", either case, no separators),
// decoded to the bytes it spells, which show as a JSON string when they are UTF-8 text and
// as {"$bytes": ...} otherwise (binary_json.h). Encoding writes lowercase hex.
#include <fmt/format.h>

#include "core/codec/binary_json.h"
#include "core/codec/codecs.h"

namespace mqtk::codec {
namespace {

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

nlohmann::json decode(std::string_view payload) {
    if (payload.size() % 2 != 0) {
        throw DecodeError(fmt::format("an odd number of hex digits ({})", payload.size()));
    }
    std::string bytes(payload.size() / 2, '\0');
    for (std::size_t i = 0; i < payload.size(); i += 2) {
        const int high = nibble(payload[i]);
        const int low = nibble(payload[i + 1]);
        if (high < 0 || low < 0) {
            throw DecodeError(fmt::format("not a hex digit at byte {}", high < 0 ? i : i + 1));
        }
        bytes[i / 2] = static_cast<char>(high * 16 + low);
    }
    return bytes_to_json(bytes);
}

std::string encode(const nlohmann::json& value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    const std::string bytes = json_to_bytes(value, "hex");
    std::string text;
    text.reserve(bytes.size() * 2);
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        text += kDigits[byte >> 4];
        text += kDigits[byte & 0x0f];
    }
    return text;
}

}  // namespace

std::unique_ptr<Codec> make_hex(std::string_view name, const CodecOptions&) {
    return std::make_unique<SimpleCodec>(name, decode, encode);
}

}  // namespace mqtk::codec
