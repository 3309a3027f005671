// The factories of the codecs that registry.cpp lists, one per file of core/codec/. Each
// takes the name as given on the command line (its part after the first ':' is the
// codec's argument, as in protobuf:FILE.proto:package.Message) and throws Error(Usage)
// when it cannot be built.
#pragma once

#include <memory>
#include <string_view>

#include "core/codec/codec.h"

namespace mqtk::codec {

std::unique_ptr<Codec> make_json(std::string_view name, const CodecOptions& options);
std::unique_ptr<Codec> make_cbor(std::string_view name, const CodecOptions& options);
std::unique_ptr<Codec> make_msgpack(std::string_view name, const CodecOptions& options);
std::unique_ptr<Codec> make_hex(std::string_view name, const CodecOptions& options);
std::unique_ptr<Codec> make_base64(std::string_view name, const CodecOptions& options);
// Through the protobuf module, loaded on first use (protobuf_loader.cpp).
std::unique_ptr<Codec> make_protobuf(std::string_view name, const CodecOptions& options);
std::unique_ptr<Codec> make_sparkplug(std::string_view name, const CodecOptions& options);

// A codec whose decode() and encode() are two functions, for the codecs without state.
class SimpleCodec : public Codec {
  public:
    using Decode = nlohmann::json (*)(std::string_view payload);
    using Encode = std::string (*)(const nlohmann::json& value);
    SimpleCodec(std::string_view name, Decode decode, Encode encode)
        : name_(name), decode_(decode), encode_(encode) {}
    const std::string& name() const override { return name_; }
    nlohmann::json decode(std::string_view payload) const override { return decode_(payload); }
    std::string encode(const nlohmann::json& value) const override { return encode_(value); }

  private:
    std::string name_;
    Decode decode_;
    Encode encode_;
};

}  // namespace mqtk::codec
