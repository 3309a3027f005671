// make_codec(): the one table of codecs, looked up by the name before the first ':'.
// A codec is added here with one row and a factory in codecs.h.
#include <fmt/format.h>

#include "core/codec/codecs.h"
#include "core/error.h"

namespace mqtk {
namespace {

using Factory = std::unique_ptr<Codec> (*)(std::string_view name, const CodecOptions& options);

struct KnownCodec {
    std::string_view name;   // before the first ':'
    std::string_view usage;  // as the error lists it
    bool takes_argument;     // "name:ARGUMENT"
    Factory make;
};

constexpr KnownCodec kCodecs[] = {
    {"json", "json", false, codec::make_json},
    {"cbor", "cbor", false, codec::make_cbor},
    {"msgpack", "msgpack", false, codec::make_msgpack},
    {"hex", "hex", false, codec::make_hex},
    {"base64", "base64", false, codec::make_base64},
    {"protobuf", "protobuf:FILE.proto:package.Message", true, codec::make_protobuf},
    {"sparkplug", "sparkplug", false, codec::make_sparkplug},
};

std::string known_names() {
    std::string names;
    for (const auto& known : kCodecs) {
        if (!names.empty()) names += ", ";
        names += known.usage;
    }
    return names;
}

}  // namespace

std::unique_ptr<Codec> make_codec(std::string_view name, const CodecOptions& options) {
    const auto colon = name.find(':');
    const auto base = name.substr(0, colon);
    for (const auto& known : kCodecs) {
        if (known.name != base) continue;
        if (colon != std::string_view::npos && !known.takes_argument) {
            throw usage_error("codec '{}' takes no argument: '{}'", known.name, name);
        }
        if (colon == std::string_view::npos && known.takes_argument) {
            throw usage_error("codec '{}' needs an argument: {}", known.name, known.usage);
        }
        return known.make(name, options);
    }
    throw usage_error("unknown codec '{}' (known: {})", name, known_names());
}

}  // namespace mqtk
