// The json codec: the payload is JSON text; encoding writes the value back compactly.
#include "core/codec/binary_json.h"
#include "core/codec/codecs.h"

namespace mqtk::codec {
namespace {

nlohmann::json decode(std::string_view payload) {
    return parse_bounded(payload, Format::Json);
}

std::string encode(const nlohmann::json& value) {
    return value.dump();
}

}  // namespace

std::unique_ptr<Codec> make_json(std::string_view name, const CodecOptions&) {
    return std::make_unique<SimpleCodec>(name, decode, encode);
}

}  // namespace mqtk::codec
