// Four-byte integers in Paho's signed encoding (see paho_int4.h).
#include "core/connection/private/paho_int4.h"

namespace mqtk {

std::int32_t paho_int4(std::uint32_t value) {
    if (value < 0x80000000U) return static_cast<std::int32_t>(value);
    if (value <= 0x80FFFFFFU) return INT32_MIN;  // unreachable: the nearest below
    std::int64_t encoded = 0;
    for (int shift = 24; shift >= 0; shift -= 8) {
        const std::int64_t byte = (value >> shift) & 0xFF;
        encoded = encoded * 256 + (byte == 0 ? 0 : byte - 256);
    }
    return static_cast<std::int32_t>(encoded);
}

std::uint32_t paho_written_int4(std::int32_t value) {
    // MQTTPacket.c's writeInt4(), with each (char) cast read back as an unsigned byte.
    int an_int = value;
    std::uint32_t written = static_cast<unsigned char>(static_cast<char>(an_int / 16777216));
    an_int %= 16777216;
    written = written << 8 | static_cast<unsigned char>(static_cast<char>(an_int / 65536));
    an_int %= 65536;
    written = written << 8 | static_cast<unsigned char>(static_cast<char>(an_int / 256));
    return written << 8 | static_cast<unsigned char>(static_cast<char>(an_int % 256));
}

}  // namespace mqtk
