// The one check every payload decoder's fuzz target makes (core/codec/): decoding any bytes
// either throws DecodeError (with a one-line reason) or gives a value that prints, and that
// the same codec encodes and decodes back to the same printed JSON (NaN and invalid UTF-8
// compare by their printed form). An encode refusing a decoded value (a map that looks like
// "$bytes" with a MessagePack subtype out of range) must be Error(Usage), one line too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/codec/codec.h"
#include "core/error.h"
#include "fuzz/fuzz_check.h"

namespace mqtk::fuzz {

inline std::string printed(const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline int fuzz_codec(const char* name, const std::uint8_t* data, std::size_t size) {
    static const auto codec = make_codec(name);
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    nlohmann::json value;
    try {
        value = codec->decode(input);
    } catch (const DecodeError& error) {
        MQTK_FUZZ_CHECK(is_one_line(error.what()));
        return 0;
    }
    std::string encoded;
    try {
        encoded = codec->encode(value);
    } catch (const Error& error) {
        MQTK_FUZZ_CHECK(error.code() == ExitCode::Usage && is_one_line(error.what()));
        return 0;
    }
    MQTK_FUZZ_CHECK(printed(codec->decode(encoded)) == printed(value));
    return 0;
}

}  // namespace mqtk::fuzz
