// Base64 as RFC 4648 section 4 defines it: the standard alphabet, '=' padding, no line
// breaks. Decoding is strict, so that a mistyped --jsonl payload fails loudly instead of
// publishing garbage: anything but whole padded quanta of alphabet characters is refused,
// and so are non-zero pad bits (RFC 4648 3.5), making the encoding of any bytes unique.
//
// No library fits: the Debian candidates (libb64, libmodpbase64, libbaseencode) are
// unmaintained or lenient decoders, and OpenSSL's EVP_DecodeBlock skips whitespace and
// does not report padding, besides being only a transitive dependency of Paho.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mqtk {

// Appends the base64 encoding of `bytes` to `out`.
void append_base64(std::string_view bytes, std::string& out);

std::string encode_base64(std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not canonical padded base64.
std::optional<std::string> decode_base64(std::string_view text);

}  // namespace mqtk
