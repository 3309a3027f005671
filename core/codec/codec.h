// A payload codec: turns a payload's bytes into a JSON value (--decode on sub, echo and req)
// and a JSON value into bytes (--encode on pub). Each codec lives in its own file of
// core/codec/; make_codec() (core/codec/registry.cpp) builds one from its command-line name.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace mqtk {

// A payload that is not valid for the codec. what() is one line, without a "mqtk: " prefix.
class DecodeError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class Codec {
  public:
    virtual ~Codec() = default;
    // The name as given on the command line ("cbor", "protobuf:a.proto:pkg.Msg", ...).
    virtual const std::string& name() const = 0;
    // Throws DecodeError; never crashes or hangs on any input (each decoder is fuzzed).
    virtual nlohmann::json decode(std::string_view payload) const = 0;
    // Throws mqtk::Error(Usage) with one line that names the offending field when `value`
    // does not fit the codec.
    virtual std::string encode(const nlohmann::json& value) const = 0;
};

struct CodecOptions {
    std::vector<std::string> proto_paths;  // --proto-path DIR, for protobuf's imports
};

// "json", "cbor", "msgpack", "hex", "base64", "protobuf:FILE.proto:package.Message",
// "sparkplug". Throws mqtk::Error(Usage) for an unknown name or a .proto that does not load.
std::unique_ptr<Codec> make_codec(std::string_view name, const CodecOptions& options = {});

}  // namespace mqtk
