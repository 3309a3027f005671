// mosquitto_sub's own JSON, the -F sequences %j and %J, byte for byte. mosquitto 2.0.11
// builds it with cJSON 1.7.15 (client/sub_client_output.c, json_print()), so this is a
// small cJSON emulation: strings escaped as print_string_ptr() does, numbers as
// print_number() prints them, objects in cJSON's layout (tabs when pretty, ", " in
// arrays), and for %J a one-pass reprinter that parses the payload as
// cJSON_ParseWithOpts(..., require_null_terminated) and prints it as cJSON_Print or
// cJSON_PrintUnformatted would. Only the template compiler and renderer in core/format.cpp
// use it; --json is mqtk's own schema (core/jsonl.h).
#include "core/mosquitto_json.h"

#include <locale.h>  // newlocale, strtod_l: cJSON reads numbers in the C locale

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/properties.h"

namespace mqtk {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// What cJSON hands to strtod as a number.
bool is_number_char(char c) {
    return is_digit(c) || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

// A C string as cJSON sees it: cut at its first NUL.
std::string_view c_string(std::string_view text) {
    return text.substr(0, text.find('\0'));
}

// cJSON prints a number that holds an integer with "%d".
void append_integer(std::string& out, long long value) {
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

// One byte of a string as cJSON's print_string_ptr() writes it: ", \ and control
// characters escaped; every other byte (UTF-8 or not) copied as is.
void append_cjson_byte(std::string& out, char c) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte > 31 && c != '"' && c != '\\') {
        out += c;
        return;
    }
    out += '\\';
    switch (c) {
        case '"':
        case '\\':
            out += c;
            break;
        case '\b':
            out += 'b';
            break;
        case '\f':
            out += 'f';
            break;
        case '\n':
            out += 'n';
            break;
        case '\r':
            out += 'r';
            break;
        case '\t':
            out += 't';
            break;
        default:
            out += "u00";
            out += "0123456789abcdef"[byte >> 4];
            out += "0123456789abcdef"[byte & 0x0f];
    }
}

// A C string (cut at its first NUL, as cJSON sees it) as a JSON string.
void append_cjson_string(std::string& out, std::string_view text) {
    text = c_string(text);
    out += '"';
    std::size_t plain_from = 0;  // runs that need no escaping are copied in one go
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (static_cast<unsigned char>(c) > 31 && c != '"' && c != '\\') continue;
        out.append(text, plain_from, i - plain_from);
        append_cjson_byte(out, c);
        plain_from = i + 1;
    }
    out.append(text, plain_from);
    out += '"';
}

// cJSON's object layout. `depth` is the depth of the members: one tab each when pretty.
struct JsonObject {
    std::string& out;
    bool pretty;
    int depth;
    bool empty = true;

    JsonObject(std::string& output, bool pretty_print, int member_depth)
        : out(output), pretty(pretty_print), depth(member_depth) {
        out += '{';
        if (pretty) out += '\n';
    }
    // The separator and indentation before a member's key.
    void next_member() {
        if (!empty) {
            out += ',';
            if (pretty) out += '\n';
        }
        empty = false;
        if (pretty) out.append(static_cast<std::size_t>(depth), '\t');
    }
    // What follows a key; returns the output for the value.
    std::string& colon() {
        out += ':';
        if (pretty) out += '\t';
        return out;
    }
    std::string& key(std::string_view name) {
        next_member();
        append_cjson_string(out, name);
        return colon();
    }
    void close() {
        if (pretty) {
            if (!empty) out += '\n';
            out.append(static_cast<std::size_t>(depth - 1), '\t');
        }
        out += '}';
    }
};

// strtod in the C locale, whatever the process's locale is (cJSON runs in mosquitto_sub,
// which never calls setlocale).
double strtod_c(const char* text, char** end) {
    static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
    return strtod_l(text, end, c_locale);
}

// cJSON's print_number(): "%1.15g", or "%1.17g" when 15 digits do not read back.
void append_cjson_number(std::string& out, double value) {
    if (std::isnan(value) || std::isinf(value)) {
        out += "null";
        return;
    }
    char buffer[32];
    auto result =
        std::to_chars(buffer, buffer + sizeof buffer - 1, value, std::chars_format::general, 15);
    *result.ptr = '\0';
    const double back = strtod_c(buffer, nullptr);
    const double largest = std::fabs(back) > std::fabs(value) ? std::fabs(back) : std::fabs(value);
    if (!(std::fabs(back - value) <= largest * std::numeric_limits<double>::epsilon())) {
        result =
            std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, 17);
    }
    out.append(buffer, result.ptr);
}

// Parses a payload as cJSON_ParseWithOpts(..., require_null_terminated) does and prints it
// as cJSON_Print/cJSON_PrintUnformatted would, in one pass. On failure the caller discards
// what was appended.
class CjsonReprinter {
  public:
    CjsonReprinter(std::string_view text, std::string& out, bool pretty)
        : p_(text.data()), end_(text.data() + text.size()), out_(out), pretty_(pretty) {}

    bool document(int depth) {
        if (std::memchr(p_, '\0', static_cast<std::size_t>(end_ - p_)) != nullptr) return false;
        if (end_ - p_ >= 4 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
        skip_whitespace();
        if (!value(depth)) return false;
        skip_whitespace();
        return p_ == end_;
    }

  private:
    static constexpr int kNestingLimit = 1000;  // CJSON_NESTING_LIMIT

    char peek() const { return p_ < end_ ? *p_ : '\0'; }
    void skip_whitespace() {
        while (p_ < end_ && static_cast<unsigned char>(*p_) <= 32)
            ++p_;
    }
    bool literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::memcmp(p_, word.data(), word.size()) != 0) {
            return false;
        }
        out_.append(word);
        p_ += word.size();
        return true;
    }

    bool value(int depth) {
        const char c = peek();
        if (literal("null") || literal("false") || literal("true")) return true;
        if (c == '"') return string();
        if (c == '-' || is_digit(c)) return number();
        if (c == '[') return array(depth);
        if (c == '{') return object(depth);
        return false;
    }

    bool array(int depth) {
        if (nesting_ >= kNestingLimit) return false;
        ++nesting_;
        ++p_;
        skip_whitespace();
        out_ += '[';
        if (peek() != ']') {
            if (p_ == end_) return false;
            for (bool first = true;; first = false) {
                if (!first) out_.append(pretty_ ? ", " : ",");
                if (!value(depth + 1)) return false;
                skip_whitespace();
                if (peek() != ',') break;
                ++p_;
                skip_whitespace();
            }
            if (peek() != ']') return false;
        }
        ++p_;
        out_ += ']';
        --nesting_;
        return true;
    }

    bool object(int depth) {
        if (nesting_ >= kNestingLimit) return false;
        ++nesting_;
        ++p_;
        skip_whitespace();
        JsonObject members(out_, pretty_, depth + 1);
        if (peek() != '}') {
            if (p_ == end_) return false;
            while (true) {
                if (peek() != '"') return false;
                members.next_member();
                if (!string()) return false;
                skip_whitespace();
                if (peek() != ':') return false;
                ++p_;
                skip_whitespace();
                members.colon();
                if (!value(depth + 1)) return false;
                skip_whitespace();
                if (peek() != ',') break;
                ++p_;
                skip_whitespace();
            }
            if (peek() != '}') return false;
        }
        ++p_;
        members.close();
        --nesting_;
        return true;
    }

    // cJSON's parse_string() followed by print_string_ptr(): escapes are decoded, the
    // result is cut at a decoded NUL, and re-escaped.
    bool string() {
        const char* const start = p_ + 1;
        const char* close = start;
        while (close < end_ && *close != '"') {
            // A trailing backslash leaves the string open; stepping over it would point
            // past the end of the payload.
            if (*close == '\\' && end_ - close < 2) return false;
            close += *close == '\\' ? 2 : 1;
        }
        if (close >= end_) return false;
        out_ += '"';
        truncated_ = false;
        for (const char* in = start; in < close;) {
            if (*in != '\\') {
                emit(static_cast<unsigned char>(*in++));
                continue;
            }
            const int used = escape(in, close);
            if (used == 0) return false;
            in += used;
        }
        out_ += '"';
        p_ = close + 1;
        return true;
    }

    int escape(const char* in, const char* close) {
        switch (in[1]) {
            case 'b':
                emit('\b');
                return 2;
            case 'f':
                emit('\f');
                return 2;
            case 'n':
                emit('\n');
                return 2;
            case 'r':
                emit('\r');
                return 2;
            case 't':
                emit('\t');
                return 2;
            case '"':
            case '\\':
            case '/':
                emit(static_cast<unsigned char>(in[1]));
                return 2;
            case 'u':
                return utf16_literal(in, close);
            default:
                return 0;
        }
    }

    // cJSON's parse_hex4(): any non-hex digit makes the whole value 0 (not an error).
    static unsigned hex4(const char* in) {
        unsigned value = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = in[i];
            unsigned digit = 0;
            if (c >= '0' && c <= '9') {
                digit = static_cast<unsigned>(c - '0');
            } else if (c >= 'A' && c <= 'F') {
                digit = static_cast<unsigned>(c - 'A' + 10);
            } else if (c >= 'a' && c <= 'f') {
                digit = static_cast<unsigned>(c - 'a' + 10);
            } else {
                return 0;
            }
            value = value << 4 | digit;
        }
        return value;
    }

    int utf16_literal(const char* in, const char* close) {
        if (close - in < 6) return 0;
        const unsigned first = hex4(in + 2);
        if (first >= 0xDC00 && first <= 0xDFFF) return 0;
        unsigned long codepoint = first;
        int used = 6;
        if (first >= 0xD800 && first <= 0xDBFF) {
            const char* second = in + 6;
            if (close - second < 6 || second[0] != '\\' || second[1] != 'u') return 0;
            const unsigned low = hex4(second + 2);
            if (low < 0xDC00 || low > 0xDFFF) return 0;
            codepoint = 0x10000 + (((first & 0x3FFul) << 10) | (low & 0x3FFul));
            used = 12;
        }
        emit_utf8(codepoint);
        return used;
    }

    void emit_utf8(unsigned long codepoint) {
        if (codepoint < 0x80) {
            emit(static_cast<unsigned char>(codepoint));
        } else if (codepoint < 0x800) {
            emit(static_cast<unsigned char>(0xC0 | (codepoint >> 6)));
            emit(static_cast<unsigned char>(0x80 | (codepoint & 0x3F)));
        } else if (codepoint < 0x10000) {
            emit(static_cast<unsigned char>(0xE0 | (codepoint >> 12)));
            emit(static_cast<unsigned char>(0x80 | ((codepoint >> 6) & 0x3F)));
            emit(static_cast<unsigned char>(0x80 | (codepoint & 0x3F)));
        } else {
            emit(static_cast<unsigned char>(0xF0 | (codepoint >> 18)));
            emit(static_cast<unsigned char>(0x80 | ((codepoint >> 12) & 0x3F)));
            emit(static_cast<unsigned char>(0x80 | ((codepoint >> 6) & 0x3F)));
            emit(static_cast<unsigned char>(0x80 | (codepoint & 0x3F)));
        }
    }

    // One decoded byte, escaped as print_string_ptr() would; nothing after a NUL.
    void emit(unsigned char byte) {
        if (truncated_ || byte == 0) {
            truncated_ = true;
            return;
        }
        append_cjson_byte(out_, static_cast<char>(byte));
    }

    // cJSON's parse_number(): the run of [0-9+-eE.] goes to strtod in the C locale.
    bool number() {
        const char* run_end = p_;
        while (run_end < end_ && is_number_char(*run_end))
            ++run_end;
        const std::string_view run(p_, static_cast<std::size_t>(run_end - p_));
        char small[64];
        std::string large;
        const char* text = small;
        if (run.size() < sizeof small) {
            std::memcpy(small, run.data(), run.size());
            small[run.size()] = '\0';
        } else {
            large.assign(run);
            text = large.c_str();
        }
        char* parsed_end = nullptr;
        const double value = strtod_c(text, &parsed_end);
        if (parsed_end == text) return false;
        p_ += parsed_end - text;
        append_cjson_number(out_, value);
        return true;
    }

    const char* p_;
    const char* end_;
    std::string& out_;
    bool pretty_;
    int nesting_ = 0;
    bool truncated_ = false;
};

// json_print_properties(): the properties mosquitto knows, in arrival order; all user
// properties go into one "user-properties" object where the first of them appears.
void append_json_properties(std::string& out, const Properties& properties, bool pretty) {
    JsonObject object(out, pretty, 2);
    std::uint16_t last_binary_length = 0;  // what mosquitto shows as "topic-alias"
    bool users_written = false;
    for (const auto& property : properties) {
        const auto name = property_name(property.id);
        switch (property.id) {
            case PropertyId::PayloadFormatIndicator:
                append_integer(object.key(name), property.number & 0xFF);
                break;
            case PropertyId::MessageExpiryInterval:
            case PropertyId::SubscriptionIdentifier:
                append_integer(object.key(name), property.number);
                break;
            case PropertyId::ContentType:
            case PropertyId::ResponseTopic:
                append_cjson_string(object.key(name), property.text);
                break;
            case PropertyId::CorrelationData:
                append_cjson_string(object.key(name), property.text);
                last_binary_length = static_cast<std::uint16_t>(property.text.size());
                break;
            case PropertyId::TopicAlias:
                // mosquitto 2.0.11 reads this one with the wrong identifier and prints
                // whatever its 16-bit variable last held.
                append_integer(object.key(name), last_binary_length);
                break;
            case PropertyId::UserProperty:
                if (users_written) break;
                users_written = true;
                object.key("user-properties");
                {
                    JsonObject users(out, pretty, 3);
                    for (const auto& user : properties) {
                        if (user.id != PropertyId::UserProperty) continue;
                        append_cjson_string(users.key(c_string(user.text)), user.value);
                    }
                    users.close();
                }
                break;
            default:
                break;
        }
    }
    object.close();
}

}  // namespace

// json_print().
bool append_mosquitto_json(std::string& out, const Message& message, std::string_view tst,
                           bool parse_payload, bool pretty) {
    const auto mark = out.size();
    JsonObject root(out, pretty, 1);
    auto& tst_value = root.key("tst");
    tst_value += '"';
    tst_value += tst;
    tst_value += '"';
    append_cjson_string(root.key("topic"), message.topic);
    append_integer(root.key("qos"), message.qos);
    append_integer(root.key("retain"), message.retain ? 1 : 0);
    append_integer(root.key("payloadlen"), static_cast<long long>(message.payload.size()));
    if (message.qos > 0) append_integer(root.key("mid"), message.message_id);
    if (!message.properties.empty()) {
        root.key("properties");
        append_json_properties(out, message.properties, pretty);
    }
    auto& payload = root.key("payload");
    if (message.payload.empty()) {
        payload += "null";  // mosquitto's payload pointer is NULL
    } else if (!parse_payload) {
        append_cjson_string(payload, message.payload);
    } else if (!CjsonReprinter(message.payload, out, pretty).document(1)) {
        out.resize(mark);
        return false;
    }
    root.close();
    return true;
}

}  // namespace mqtk
