// Fuzzes the Sparkplug B decoder (core/codec/sparkplug.cpp, `--decode sparkplug`) with any
// bytes. A payload either decodes or is a DecodeError; what decodes is JSON that encodes
// again (`pub --encode sparkplug`) and decodes to the same JSON: the data type names, the
// 64-bit strings, base64 bytes and NaNs all read back as they were printed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/codec/protobuf.h"
#include "core/error.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto codec = mqtk::make_sparkplug_codec();
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    nlohmann::json decoded;
    try {
        decoded = codec->decode(payload);
    } catch (const mqtk::DecodeError& e) {
        MQTK_FUZZ_CHECK(mqtk::fuzz::is_one_line(e.what()));
        return 0;
    }
    MQTK_FUZZ_CHECK(decoded.is_object());
    const auto encoded = codec->encode(decoded);  // any Error here is a finding
    MQTK_FUZZ_CHECK(codec->decode(encoded) == decoded);
    return 0;
}
