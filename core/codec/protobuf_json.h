// The JSON mapping both protobuf codecs share: protobuf's own (util::MessageToJsonString,
// util::JsonStringToMessage, the proto3 JSON mapping), with these choices, the same both
// ways:
//  - field names as the .proto spells them ("is_historical", not "isHistorical"), so
//    that what is printed can be found in the .proto; reading accepts both spellings;
//  - only the fields a message has: a proto2 field that is absent stays absent (printing
//    defaults would make re-encoding add them);
//  - enums by name; 64-bit integers as JSON strings ("1486144502122"), as the mapping
//    says, since JSON readers lose digits past 2^53 (reading accepts numbers too);
//  - bytes as base64; NaN and infinities as "NaN", "Infinity", "-Infinity".
// Unknown fields in a payload are left out of the JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace google::protobuf {
class Message;
}

namespace mqtk::protobuf_json {

// The JSON of `payload` parsed as a message of `prototype`'s type. Throws DecodeError when
// the bytes are not such a message.
nlohmann::json decode(const google::protobuf::Message& prototype, std::string_view payload);

// The bytes of `value` read as a message of `prototype`'s type. Throws Error(Usage) with
// one line naming the field when `value` does not fit it (unknown field, wrong type,
// out of range, a required field missing).
std::string encode(const google::protobuf::Message& prototype, const nlohmann::json& value);

}  // namespace mqtk::protobuf_json
