// What the codecs share: how bytes show in JSON, and parsing with a bounded depth.
//
// Bytes that are not text (a CBOR byte string, a MessagePack bin or ext, a hex or base64
// payload whose bytes are not UTF-8) are one JSON object, the same for decode and encode:
//
//   {"$bytes":"<base64, RFC 4648, padded>"}                 plain bytes
//   {"$bytes":"<base64>","$subtype":N}                      with a CBOR tag number or a
//                                                           MessagePack ext type (-128..127)
//
// nlohmann's own rendering of binary ({"bytes":[1,2],"subtype":null}) is neither compact nor
// read back by anything. The "$" keeps a real map with a "bytes" key from being taken for
// bytes; an object whose only keys are "$bytes" (and "$subtype") is bytes when encoding.
//
// Parsing is depth-bounded: nlohmann's CBOR and MessagePack readers and its dump() recurse
// once per nesting level, so a payload of 100 000 nested arrays would overflow the stack of
// the thread that receives messages. Past kMaxDepth levels the payload is refused.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace mqtk::codec {

constexpr int kMaxDepth = 512;

enum class Format { Json, Cbor, MessagePack };

// The value of `input` in `format`, binary values as "$bytes" objects. Throws DecodeError.
nlohmann::json parse_bounded(std::string_view input, Format format);

// `bytes` as JSON: a string when they are UTF-8 text without U+0000, else {"$bytes": ...}.
nlohmann::json bytes_to_json(std::string_view bytes);

// The bytes a JSON string or a "$bytes" object stands for (the inverse of bytes_to_json).
// Throws Error(Usage) naming `codec` otherwise.
std::string json_to_bytes(const nlohmann::json& value, std::string_view codec);

// `value` with each "$bytes" object turned into a binary value for to_cbor/to_msgpack.
// Throws Error(Usage) naming the JSON pointer of a malformed one.
nlohmann::json with_binary_values(const nlohmann::json& value, Format format);

}  // namespace mqtk::codec
