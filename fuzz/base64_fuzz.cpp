// Fuzzes the strict base64 decoder (core/base64.h) and checks both directions: what decodes
// re-encodes to the very same text (the decoder accepts canonical text only), and any
// bytes survive encoding then decoding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base64.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    if (const auto bytes = mqtk::decode_base64(input)) {
        MQTK_FUZZ_CHECK(mqtk::encode_base64(*bytes) == input);
    }
    const std::string text = mqtk::encode_base64(input);
    MQTK_FUZZ_CHECK(text.size() == (size + 2) / 3 * 4);
    const auto back = mqtk::decode_base64(text);
    MQTK_FUZZ_CHECK(back && *back == input);
    return 0;
}
