// The msgpack codec (MessagePack) over nlohmann-json's reader and writer. bin values are
// "$bytes" objects and ext values the same with the ext type as "$subtype" (binary_json.h).
#include "core/codec/binary_json.h"
#include "core/codec/codecs.h"

namespace mqtk::codec {
namespace {

nlohmann::json decode(std::string_view payload) {
    return parse_bounded(payload, Format::MessagePack);
}

std::string encode(const nlohmann::json& value) {
    std::string bytes;
    nlohmann::json::to_msgpack(with_binary_values(value, Format::MessagePack), bytes);
    return bytes;
}

}  // namespace

std::unique_ptr<Codec> make_msgpack(std::string_view name, const CodecOptions&) {
    return std::make_unique<SimpleCodec>(name, decode, encode);
}

}  // namespace mqtk::codec
