// The base64 codec: the payload is base64 text (RFC 4648, padded, strict as core/base64.h),
// decoded to the bytes it spells, which show as a JSON string when they are UTF-8 text and
// as {"$bytes": ...} otherwise (binary_json.h). Encoding writes padded base64.
#include "core/base64.h"

#include "core/codec/binary_json.h"
#include "core/codec/codecs.h"

namespace mqtk::codec {
namespace {

nlohmann::json decode(std::string_view payload) {
    auto bytes = decode_base64(payload);
    if (!bytes) throw DecodeError("not base64 text (RFC 4648, padded, no line breaks)");
    return bytes_to_json(*bytes);
}

std::string encode(const nlohmann::json& value) {
    return encode_base64(json_to_bytes(value, "base64"));
}

}  // namespace

std::unique_ptr<Codec> make_base64(std::string_view name, const CodecOptions&) {
    return std::make_unique<SimpleCodec>(name, decode, encode);
}

}  // namespace mqtk::codec
