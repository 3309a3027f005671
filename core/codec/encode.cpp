// encode_json_text(): the one place where pub's message text becomes a codec's input.
#include "core/codec/encode.h"

#include "core/codec/binary_json.h"
#include "core/error.h"

namespace mqtk {

std::string encode_json_text(const Codec& codec, std::string_view text, std::string_view where) {
    nlohmann::json value;
    try {
        value = codec::parse_bounded(text, codec::Format::Json);
    } catch (const DecodeError& error) {
        throw usage_error("--encode {}: {} is not valid JSON: {}", codec.name(), where,
                          error.what());
    }
    try {
        return codec.encode(value);
    } catch (const Error& error) {
        throw usage_error("--encode {}: {}: {}", codec.name(), where, error.what());
    }
}

}  // namespace mqtk
