// Fuzzes `--decode protobuf:FILE:MSG` (core/codec/protobuf.cpp) with any bytes as a message
// of fuzz/codec_protobuf.proto, a schema with every kind of field the JSON mapping treats
// apart: 64-bit ints, floats, bytes, enums, maps, oneofs, nesting, recursion, the
// well-known types with their own JSON forms (Timestamp, Duration, Struct, wrappers, Any),
// and proto2's required fields and defaults (fuzz/codec_protobuf_proto2.proto). A payload
// either decodes or is a DecodeError with one line. What decodes encodes again to JSON
// that decodes the same, or is refused with a one-line usage error: the mapping cannot
// write back everything it prints (an Any naming an unknown type), and refusing is the
// promised outcome for those.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/codec/protobuf.h"
#include "core/error.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const auto codec =
        mqtk::make_protobuf_codec(MQTK_FUZZ_PROTO, "fuzz.Everything", mqtk::CodecOptions{});
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    nlohmann::json decoded;
    try {
        decoded = codec->decode(payload);
    } catch (const mqtk::DecodeError& e) {
        MQTK_FUZZ_CHECK(mqtk::fuzz::is_one_line(e.what()));
        return 0;
    }
    MQTK_FUZZ_CHECK(decoded.is_object());
    std::string encoded;
    try {
        encoded = codec->encode(decoded);
    } catch (const mqtk::Error& e) {
        MQTK_FUZZ_CHECK(e.code() == mqtk::ExitCode::Usage && mqtk::fuzz::is_one_line(e.what()));
        return 0;
    }
    MQTK_FUZZ_CHECK(codec->decode(encoded) == decoded);
    return 0;
}
