// The --json writer and the --jsonl reader of the schema documented in core/jsonl.h.
//
// The writer is sub's per-message hot path, so it lays the object out itself: no JSON
// document is built per message and, once warm, nothing is allocated. Strings that need
// escaping (topic, text payload, string properties) go through nlohmann's serializer;
// valid UTF-8 without a quote, backslash or control, the usual case, is copied as it
// stands, which is what the serializer would write anyway. The pretty form is the compact one
// re-parsed and indented, so the two can never disagree. The reader parses a document (into
// nlohmann's ordered_json, so that properties keep the order of the line) and checks every field on
// the way.
#include "core/jsonl.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <nlohmann/json.hpp>

#include "core/base64.h"
#include "core/error.h"
#include "core/topic.h"
#include "core/utf8.h"

namespace mqtk {
namespace {

using Json = nlohmann::ordered_json;

// --- Writing ---------------------------------------------------------------------------

// Escapes strings with nlohmann's own serializer. One per thread, reusing its string value
// and its buffer, so escaping allocates nothing in steady state (a `Json(text).dump()`
// would allocate twice per string). Malformed UTF-8, which only a misbehaving broker could
// send, becomes U+FFFD instead of throwing.
class StringEscaper {
  public:
    StringEscaper()
        : serializer_(nlohmann::detail::output_adapter<char>(buffer_), ' ',
                      Json::error_handler_t::replace) {}

    void append(std::string_view text, std::string& out) {
        value_.get_ref<std::string&>().assign(text);
        buffer_.clear();
        serializer_.dump(value_, false, false, 0);
        out += buffer_;
    }

  private:
    std::string buffer_;
    Json value_ = std::string();
    nlohmann::detail::serializer<Json> serializer_;
};

StringEscaper& escaper() {
    thread_local StringEscaper instance;
    return instance;
}

// The bytes JSON requires escaped: the controls, the quote and the backslash.
bool needs_escaping(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') return true;
    }
    return false;
}

// Appends `text`, known to be valid UTF-8, as a JSON string. Most topics and payloads need no
// escaping, and are then their own JSON text: byte for byte what the serializer would write
// (it passes everything else through, DEL and non-ASCII included), at a fraction of the cost.
void append_utf8_string(std::string_view text, std::string& out) {
    if (needs_escaping(text)) return escaper().append(text, out);
    out += '"';
    out += text;
    out += '"';
}

// Appends any bytes as a JSON string, malformed UTF-8 replaced by U+FFFD.
void append_string(std::string_view text, std::string& out) {
    if (is_valid_utf8(text)) return append_utf8_string(text, out);
    escaper().append(text, out);
}

// Keys are fixed ASCII names (the schema's and mosquitto's property names): nothing to escape.
void append_key(std::string_view key, std::string& out) {
    out += '"';
    out += key;
    out += "\":";
}

void append_number(std::uint64_t number, std::string& out) {
    char digits[24];
    const auto result = std::to_chars(std::begin(digits), std::end(digits), number);
    out.append(digits, result.ptr);
}

// Base64 text needs no escaping either: its alphabet is plain ASCII without '"' or '\'.
void append_base64_string(std::string_view bytes, std::string& out) {
    out += '"';
    append_base64(bytes, out);
    out += '"';
}

// Writes `value` as exactly `width` decimal digits, zero-padded, and returns the end.
char* put_digits(char* to, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i) {
        to[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return to + width;
}

// "2024-05-01T12:34:56.123456Z", quoted. Written digit by digit: fmt took a third of the
// writer's time here. Years outside 0..9999 do not occur on a receiving clock.
void append_timestamp(std::chrono::system_clock::time_point time, std::string& out) {
    using namespace std::chrono;
    const auto micros = floor<microseconds>(time);
    const auto day = floor<days>(micros);
    const year_month_day date{day};
    const hh_mm_ss clock{micros - day};
    constexpr std::size_t kLength = 29;
    const std::size_t start = out.size();
    out.resize(start + kLength);
    char* to = out.data() + start;
    *to++ = '"';
    to = put_digits(to, static_cast<unsigned>(static_cast<int>(date.year())), 4);
    *to++ = '-';
    to = put_digits(to, static_cast<unsigned>(date.month()), 2);
    *to++ = '-';
    to = put_digits(to, static_cast<unsigned>(date.day()), 2);
    *to++ = 'T';
    to = put_digits(to, static_cast<unsigned>(clock.hours().count()), 2);
    *to++ = ':';
    to = put_digits(to, static_cast<unsigned>(clock.minutes().count()), 2);
    *to++ = ':';
    to = put_digits(to, static_cast<unsigned>(clock.seconds().count()), 2);
    *to++ = '.';
    to = put_digits(to, static_cast<unsigned>(clock.subseconds().count()), 6);
    *to++ = 'Z';
    *to = '"';
}

// The properties that may occur more than once in a PUBLISH, written as arrays.
bool is_repeatable(PropertyId id) {
    return id == PropertyId::UserProperty || id == PropertyId::SubscriptionIdentifier;
}

void append_property_value(const Property& property, std::string& out) {
    switch (property_type(property.id)) {
        case PropertyType::Byte:
        case PropertyType::TwoByte:
        case PropertyType::FourByte:
        case PropertyType::VarInt:
            append_number(property.number, out);
            break;
        case PropertyType::Utf8:
            append_string(property.text, out);
            break;
        case PropertyType::Binary:
            append_base64_string(property.text, out);
            break;
        case PropertyType::Pair:
            out += '[';
            append_string(property.text, out);
            out += ',';
            append_string(property.value, out);
            out += ']';
            break;
    }
}

// Ascending identifier order whatever order Paho reported them in. The scan is 42 x n
// comparisons for a handful of properties: cheaper than sorting into a scratch vector.
void append_properties(const Properties& properties, std::string& out) {
    constexpr int kLastPropertyId = static_cast<int>(PropertyId::SharedSubscriptionAvailable);
    out += ",\"properties\":{";
    bool first_key = true;
    for (int number = 1; number <= kLastPropertyId; ++number) {
        const auto id = static_cast<PropertyId>(number);
        bool seen = false;
        for (const Property& property : properties) {
            if (property.id != id) continue;
            if (seen && !is_repeatable(id)) break;  // a single-valued one twice: keep the first
            if (!seen) {
                if (!first_key) out += ',';
                first_key = false;
                append_key(property_name(id), out);
                if (is_repeatable(id)) out += '[';
            } else {
                out += ',';
            }
            seen = true;
            append_property_value(property, out);
        }
        if (seen && is_repeatable(id)) out += ']';
    }
    out += '}';
}

void append_compact(const Message& message, std::string& out) {
    const bool text = is_valid_utf8(message.payload);
    out += "{\"topic\":";
    append_string(message.topic, out);
    out += ",\"payload\":";
    if (text) {
        append_utf8_string(message.payload, out);
    } else {
        append_base64_string(message.payload, out);
    }
    out += text ? R"(,"encoding":"utf8","qos":)" : R"(,"encoding":"base64","qos":)";
    append_number(static_cast<std::uint64_t>(message.qos), out);
    out += message.retain ? R"(,"retain":true)" : R"(,"retain":false)";
    if (message.message_id != 0) {
        out += ",\"mid\":";
        append_number(static_cast<std::uint64_t>(message.message_id), out);
    }
    if (!message.properties.empty()) append_properties(message.properties, out);
    if (message.received_at != std::chrono::system_clock::time_point{}) {
        out += ",\"received\":";
        append_timestamp(message.received_at, out);
    }
    out += '}';
}

// Replaces the object's closing brace by ,"decoded":<decoded>}.
void append_decoded(std::string_view decoded, std::string& out) {
    out.pop_back();
    out += ",\"decoded\":";
    out.append(decoded);
    out += '}';
}

// --- Reading ---------------------------------------------------------------------------

// A value as an error message shows it: scalars as JSON (long ones cut), containers by kind.
std::string describe(const Json& value) {
    if (value.is_object()) return "an object";
    if (value.is_array()) return "an array";
    std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::size_t cut = 40;
    if (text.size() <= cut) return text;
    // Cut between characters, not inside one.
    while ((static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;
    return text.substr(0, cut) + "...";
}

std::string json_quoted(std::string_view text) {
    return describe(Json(std::string(text)));
}

Json parse_document(std::string_view line) {
    try {
        return Json::parse(line.begin(), line.end());
    } catch (const Json::parse_error& error) {
        // what() is "[json.exception.parse_error.101] parse error at line 1, column 5: <why>";
        // keep the reason and say where by byte, the line being the caller's to name.
        std::string_view reason = error.what();
        const auto colon = reason.find(": ");
        if (colon != std::string_view::npos) reason.remove_prefix(colon + 2);
        // "last read: '...'" quotes the raw input, which is unfit for stderr if malformed.
        if (!is_valid_utf8(reason)) reason = reason.substr(0, reason.find("; last read:"));
        throw usage_error("not valid JSON at byte {}: {}", error.byte, reason);
    } catch (const Json::out_of_range& error) {
        // A number beyond a double's range ("1e400") is no syntax error to nlohmann, which
        // throws this instead: "[json.exception.out_of_range.406] number overflow parsing
        // '1e400'". Found by fuzz/jsonl_fuzz; it escaped pub's --jsonl error handling.
        std::string_view reason = error.what();
        const auto bracket = reason.find("] ");
        if (bracket != std::string_view::npos) reason.remove_prefix(bracket + 2);
        throw usage_error("{}", reason);
    }
}

std::string read_topic(Json& value) {
    if (!value.is_string()) throw usage_error("no \"topic\" string");
    std::string& topic = value.get_ref<std::string&>();
    check_topic_name(topic);
    return std::move(topic);
}

bool read_base64_encoding(const Json& value) {
    if (value == "utf8") return false;
    if (value == "base64") return true;
    throw usage_error("\"encoding\" must be \"utf8\" or \"base64\", not {}", describe(value));
}

std::string read_payload(Json& value, bool base64) {
    if (!value.is_string()) {
        throw usage_error("\"payload\" must be a string, not {}", describe(value));
    }
    std::string& payload = value.get_ref<std::string&>();
    if (!base64) return std::move(payload);
    auto bytes = decode_base64(payload);
    if (!bytes) throw usage_error("\"payload\" is not valid base64");
    return std::move(*bytes);
}

int read_qos(const Json& value) {
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() > 2) {
        throw usage_error("\"qos\" must be 0, 1 or 2, not {}", describe(value));
    }
    return value.get<int>();
}

bool read_retain(const Json& value) {
    if (!value.is_boolean()) {
        throw usage_error("\"retain\" must be true or false, not {}", describe(value));
    }
    return value.get<bool>();
}

void read_user_properties(const Json& value, Properties& properties) {
    const auto bad = [] {
        return usage_error(
            "property user-property must be an array of [name, value] "
            "string pairs");
    };
    if (!value.is_array()) throw bad();
    for (const Json& pair : value) {
        if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
            throw bad();
        }
        properties.push_back(parse_property_argument(PacketKind::Publish, "user-property",
                                                     pair[0].get_ref<const std::string&>(),
                                                     pair[1].get_ref<const std::string&>()));
    }
}

// The property's value as parse_property_argument (the -D parser) takes it, so that both
// apply the same range and UTF-8 checks: numbers as decimal text, binary ones decoded.
std::string property_argument(std::string_view name, PropertyType type, const Json& value) {
    if (type == PropertyType::Utf8 || type == PropertyType::Binary) {
        if (!value.is_string()) {
            throw usage_error("property {} must be a string, not {}", name, describe(value));
        }
        const auto& text = value.get_ref<const std::string&>();
        if (type == PropertyType::Utf8) return text;
        auto bytes = decode_base64(text);
        if (!bytes) throw usage_error("property {} is not valid base64", name);
        return std::move(*bytes);
    }
    if (!value.is_number_unsigned()) {
        throw usage_error("property {} must be a whole number, not {}", name, describe(value));
    }
    return std::to_string(value.get<std::uint64_t>());
}

void read_property(const std::string& name, const Json& value, Properties& properties) {
    const auto id = property_from_name(name);
    if (!id) throw usage_error("unknown property {}", json_quoted(name));
    // In captures, but the broker's to set (see core/jsonl.h): skip, do not fail.
    if (id == PropertyId::SubscriptionIdentifier || id == PropertyId::TopicAlias) return;
    if (!property_allowed_in(*id, PacketKind::Publish)) {
        throw usage_error("property {} is not allowed in publish", name);
    }
    const PropertyType type = property_type(*id);
    if (type == PropertyType::Pair) return read_user_properties(value, properties);
    const std::string argument = property_argument(name, type, value);
    properties.push_back(parse_property_argument(PacketKind::Publish, name, argument));
}

Properties read_properties(const Json& value) {
    if (!value.is_object()) {
        throw usage_error("\"properties\" must be an object, not {}", describe(value));
    }
    Properties properties;
    for (const auto& item : value.items()) {
        read_property(item.key(), item.value(), properties);
    }
    return properties;
}

}  // namespace

void append_json(const Message& message, std::string& out, bool pretty, std::string_view decoded) {
    if (!pretty) {
        append_compact(message, out);
        if (!decoded.empty()) append_decoded(decoded, out);
        return;
    }
    std::string compact;
    append_compact(message, compact);
    if (!decoded.empty()) append_decoded(decoded, compact);
    out += Json::parse(compact).dump(2);
}

JsonRecord parse_json_record(std::string_view line) {
    Json document = parse_document(line);
    if (!document.is_object()) throw usage_error("not a JSON object");

    JsonRecord record;
    Message& message = record.message;
    bool has_topic = false;
    Json* payload = nullptr;  // decoded last: "encoding" may come after it
    bool base64 = false;
    for (auto& item : document.items()) {
        const std::string& key = item.key();
        Json& value = item.value();
        if (key == "topic") {
            message.topic = read_topic(value);
            has_topic = true;
        } else if (key == "payload") {
            payload = &value;
        } else if (key == "encoding") {
            base64 = read_base64_encoding(value);
        } else if (key == "qos") {
            message.qos = read_qos(value);
            record.has_qos = true;
        } else if (key == "retain") {
            message.retain = read_retain(value);
            record.has_retain = true;
        } else if (key == "properties") {
            message.properties = read_properties(value);
        } else if (key != "mid" && key != "received" && key != "decoded") {
            throw usage_error("unknown key {}", json_quoted(key));
        }
    }
    if (!has_topic) throw usage_error("no \"topic\" string");
    if (payload != nullptr) message.payload = read_payload(*payload, base64);
    return record;
}

Message parse_json_line(std::string_view line) {
    return parse_json_record(line).message;
}

}  // namespace mqtk
