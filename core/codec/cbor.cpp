// The cbor codec (RFC 8949) over nlohmann-json's reader and writer. Byte strings are
// "$bytes" objects, a tag on a byte string is their "$subtype" (binary_json.h); other tags
// (a set, a URI) are dropped, the value kept; tags 0 to 5 (dates, bignums) are refused
// by nlohmann-json 3.11, so such payloads do not decode.
#include "core/codec/binary_json.h"
#include "core/codec/codecs.h"

namespace mqtk::codec {
namespace {

nlohmann::json decode(std::string_view payload) {
    return parse_bounded(payload, Format::Cbor);
}

std::string encode(const nlohmann::json& value) {
    std::string bytes;
    nlohmann::json::to_cbor(with_binary_values(value, Format::Cbor), bytes);
    return bytes;
}

}  // namespace

std::unique_ptr<Codec> make_cbor(std::string_view name, const CodecOptions&) {
    return std::make_unique<SimpleCodec>(name, decode, encode);
}

}  // namespace mqtk::codec
