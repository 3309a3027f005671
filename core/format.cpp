// Rendering of received messages, byte for byte as mosquitto_sub 2.0.11 prints them
// (client/sub_client_output.c): payload only, -v, -N, and -F templates with every
// sequence of its OUTPUT FORMAT (and 2.1's %f and %d), including its quirks (a width
// truncates %p, %x halves it, "%-p" pads with as many spaces as the payload is long, %j
// cuts the payload at a NUL).
// %j and %J are mosquitto's own JSON, which it builds with cJSON 1.7.15: written by
// core/mosquitto_json.cpp. --json is mqtk's own schema (core/jsonl.h).
//
// --decode (core/codec/) swaps the payload for its decoded value, as compact JSON, in the
// payload-only and -v forms, fills %v, and adds "decoded" to --json. Without --decode the
// only cost is render()'s test of the codec pointer.
//
// The template is compiled once into segments; render() walks them and only appends.
// Calendar text (@ sequences, %I, the JSON "tst") is computed once per second and cached,
// so a Formatter must not be shared by threads rendering concurrently.
#include "core/format.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/codec/codec.h"
#include "core/error.h"
#include "core/jsonl.h"
#include "core/mosquitto_json.h"
#include "core/properties.h"

namespace mqtk {
namespace {

// --- Compiled template ---------------------------------------------------------------------

// Calendar: a run of literals and @ strftime sequences, rendered once per second.
enum class SegmentKind : std::uint8_t { Literal, Field, Strftime, Nanoseconds, Calendar };

struct Segment {
    SegmentKind kind = SegmentKind::Literal;
    char conversion = 0;  // Field: the letter after '%'; Strftime: the letter after '@'
    bool left = false;    // '-' flag
    char pad = ' ';       // '0' flag
    int width = 0;
    int precision = -1;        // -1: none given
    std::uint32_t offset = 0;  // Literal: start in Template::literals; Calendar: run index
    std::uint32_t length = 0;  // Literal: byte count
};

struct Template {
    std::vector<Segment> segments;
    std::string literals;
    std::vector<std::vector<Segment>> calendar_runs;  // what each Calendar segment stands for
    bool uses_iso = false;                            // %I
    bool uses_json = false;                           // %j, %J
    bool uses_clock = false;                          // anything that reads received_at
    bool uses_decoded = false;                        // %v
};

// Mosquitto's check_format() accepts the widths it parses into an int; larger ones are
// refused here rather than overflowing or padding gigabytes.
constexpr int kMaxWidth = 1'000'000;

// Text for an error message: control and non-ASCII bytes as \xNN, so it stays one line.
std::string displayable(std::string_view text) {
    std::string shown;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f) {
            shown += c;
        } else {
            shown += fmt::format("\\x{:02x}", byte);
        }
    }
    return shown;
}

Error format_error(std::string_view format, std::string_view problem) {
    return usage_error("invalid output format '{}': {}", displayable(format), problem);
}

bool is_conversion(char c) {
    return std::string_view("%ACDdEFfIlmPpqRSrtjJUvxX").find(c) != std::string_view::npos;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

void add_literal(Template& t, std::string_view bytes) {
    if (t.segments.empty() || t.segments.back().kind != SegmentKind::Literal) {
        Segment segment;
        segment.offset = static_cast<std::uint32_t>(t.literals.size());
        t.segments.push_back(segment);
    }
    t.literals.append(bytes);
    t.segments.back().length += static_cast<std::uint32_t>(bytes.size());
}

int parse_number(std::string_view format, std::size_t& i) {
    int value = 0;
    while (i < format.size() && is_digit(format[i])) {
        value = value * 10 + (format[i] - '0');
        if (value > kMaxWidth) {
            throw format_error(format, "field width too large");
        }
        ++i;
    }
    return value;
}

// '%' [-] [0] [width] [.precision] conversion; returns the index after it.
std::size_t parse_field(std::string_view format, std::size_t i, Template& t) {
    Segment segment;
    segment.kind = SegmentKind::Field;
    std::size_t j = i + 1;
    if (j < format.size() && format[j] == '-') {
        segment.left = true;
        ++j;
    }
    if (j < format.size() && format[j] == '0') {
        segment.pad = '0';
        ++j;
    }
    segment.width = parse_number(format, j);
    if (j < format.size() && format[j] == '.') {
        ++j;
        segment.precision = parse_number(format, j);
    }
    if (j >= format.size()) {
        throw format_error(format, "incomplete format specifier at the end");
    }
    segment.conversion = format[j];
    if (!is_conversion(segment.conversion)) {
        throw format_error(format, fmt::format("unknown format specifier '%{}'",
                                               displayable({&segment.conversion, 1})));
    }
    if (segment.conversion == '%') {
        add_literal(t, "%");  // mosquitto ignores flags and width on %%
        return j + 1;
    }
    t.uses_iso |= segment.conversion == 'I';
    t.uses_decoded |= segment.conversion == 'v';
    t.uses_json |= segment.conversion == 'j' || segment.conversion == 'J';
    t.uses_clock |= std::string_view("IjJU").find(segment.conversion) != std::string_view::npos;
    t.segments.push_back(segment);
    return j + 1;
}

// '@' followed by a strftime conversion letter, '@N' (nanoseconds) or '@@'.
std::size_t parse_strftime(std::string_view format, std::size_t i, Template& t) {
    if (i + 1 >= format.size()) {
        throw format_error(format, "incomplete '@' sequence at the end");
    }
    const char conversion = format[i + 1];
    if (conversion == '@') {
        add_literal(t, "@");
        return i + 2;
    }
    Segment segment;
    segment.kind = conversion == 'N' ? SegmentKind::Nanoseconds : SegmentKind::Strftime;
    segment.conversion = conversion;
    t.uses_clock = true;
    t.segments.push_back(segment);
    return i + 2;
}

std::size_t parse_escape(std::string_view format, std::size_t i, Template& t) {
    if (i + 1 >= format.size()) {
        throw format_error(format, "incomplete '\\' escape at the end");
    }
    static constexpr std::string_view kFrom = "\\0aenrtv";
    static constexpr std::string_view kTo{"\\\0\a\033\n\r\t\v", 8};
    const auto found = kFrom.find(format[i + 1]);
    if (found == std::string_view::npos) {
        throw format_error(
            format, fmt::format("unknown escape '\\{}'", displayable(format.substr(i + 1, 1))));
    }
    add_literal(t, kTo.substr(found, 1));
    return i + 2;
}

// Replaces each run of literals and strftime sequences by one Calendar segment, so that
// "@Y-@m-@d @H:@M:@S " costs one append per message.
void merge_calendar_runs(Template& t) {
    std::vector<Segment> merged;
    std::vector<Segment> run;
    bool run_has_time = false;
    const auto flush = [&] {
        if (run_has_time) {
            Segment calendar;
            calendar.kind = SegmentKind::Calendar;
            calendar.offset = static_cast<std::uint32_t>(t.calendar_runs.size());
            t.calendar_runs.push_back(std::move(run));
            merged.push_back(calendar);
        } else {
            merged.insert(merged.end(), run.begin(), run.end());
        }
        run.clear();
        run_has_time = false;
    };
    for (const auto& segment : t.segments) {
        if (segment.kind == SegmentKind::Literal || segment.kind == SegmentKind::Strftime) {
            run.push_back(segment);
            run_has_time |= segment.kind == SegmentKind::Strftime;
        } else {
            flush();
            merged.push_back(segment);
        }
    }
    flush();
    t.segments = std::move(merged);
}

Template compile(std::string_view format) {
    format = format.substr(0, format.find('\0'));  // mosquitto sees a C string
    Template t;
    std::size_t i = 0;
    while (i < format.size()) {
        switch (format[i]) {
            case '%':
                i = parse_field(format, i, t);
                break;
            case '@':
                i = parse_strftime(format, i, t);
                break;
            case '\\':
                i = parse_escape(format, i, t);
                break;
            default: {
                const auto next = format.find_first_of("%@\\", i);
                const auto end = next == std::string_view::npos ? format.size() : next;
                add_literal(t, format.substr(i, end - i));
                i = end;
            }
        }
    }
    merge_calendar_runs(t);
    return t;
}

// --- Time ----------------------------------------------------------------------------------

struct SplitTime {
    std::int64_t seconds = 0;
    long nanoseconds = 0;
};

SplitTime split(std::chrono::system_clock::time_point when) {
    const auto ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(when.time_since_epoch()).count();
    SplitTime result{ns / 1'000'000'000, static_cast<long>(ns % 1'000'000'000)};
    if (result.nanoseconds < 0) {
        result.nanoseconds += 1'000'000'000;
        --result.seconds;
    }
    return result;
}

// Calendar text for one second of local time; refreshed when the second changes.
struct TimeCache {
    std::int64_t second = std::numeric_limits<std::int64_t>::min();
    std::vector<std::string> calendar_text;  // one per Template::calendar_runs
    std::string iso;                         // %I
    bool iso_ok = false;                     // strftime gave text (else %I prints a blank)
    std::string json_date;                   // the JSON "tst" up to the seconds
    std::string json_zone;                   // and its %z
    std::string json_tst;                    // the whole "tst" of the message being rendered
};

// strftime into mosquitto's 100-byte buffer; it prints nothing when strftime returns 0.
bool append_time(const char* spec, const std::tm& tm, std::string& text) {
    char buffer[100];
    const auto n = std::strftime(buffer, sizeof buffer, spec, &tm);
    text.append(buffer, n);
    return n != 0;
}

void refresh(TimeCache& cache, const Template& t, std::int64_t second) {
    cache.second = second;
    const auto seconds = static_cast<std::time_t>(second);
    std::tm tm{};
    localtime_r(&seconds, &tm);
    for (std::size_t i = 0; i < t.calendar_runs.size(); ++i) {
        auto& text = cache.calendar_text[i];
        text.clear();
        for (const auto& part : t.calendar_runs[i]) {
            if (part.kind == SegmentKind::Literal) {
                text.append(t.literals, part.offset, part.length);
                continue;
            }
            const char spec[3] = {'%', part.conversion, '\0'};
            append_time(spec, tm, text);
        }
    }
    if (t.uses_iso) {
        cache.iso.clear();
        cache.iso_ok = append_time("%FT%T%z", tm, cache.iso);
    }
    if (t.uses_json) {
        cache.json_date.clear();
        append_time("%Y-%m-%dT%H:%M:%S", tm, cache.json_date);
        cache.json_zone.clear();
        append_time("%z", tm, cache.json_zone);
    }
}

// --- Fields --------------------------------------------------------------------------------

void append_digits(std::string& out, long long value, int min_digits = 0) {
    char buffer[24];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    (void)ec;
    const auto length = static_cast<int>(end - buffer);
    if (min_digits > length) out.append(static_cast<std::size_t>(min_digits - length), '0');
    out.append(buffer, end);
}

void append_padding(std::string& out, char pad, int count) {
    if (count > 0) out.append(static_cast<std::size_t>(count), pad);
}

// formatted_print_int(): printf "%d", "%-*d", "%0*d" or "%*d".
void append_int(std::string& out, int value, const Segment& s) {
    char buffer[16];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    (void)ec;
    const int length = static_cast<int>(end - buffer);
    const int fill = s.width - length;
    if (s.width == 0 || s.left) {
        out.append(buffer, end);
        if (s.width != 0) append_padding(out, ' ', fill);
    } else if (s.pad == '0') {
        const char* digits = buffer;
        if (value < 0) {
            out += '-';
            ++digits;
        }
        append_padding(out, '0', fill);
        out.append(digits, static_cast<std::size_t>(end - digits));
    } else {
        append_padding(out, ' ', fill);
        out.append(buffer, end);
    }
}

// mosquitto 2.1's formatted_print_float(): a 4-byte (%f) or 8-byte (%d) payload read as an
// IEEE 754 number in this machine's byte order, printed by printf as "%.*f" (6 decimals
// unless a precision is given), "%-*.*f", "%0*.*f" or "%*.*f". False, printing nothing,
// for a payload of any other length.
bool append_float(std::string& out, std::string_view payload, char conversion, const Segment& s) {
    double value = 0;
    if (conversion == 'f') {
        float single = 0;
        if (payload.size() != sizeof single) return false;
        std::memcpy(&single, payload.data(), sizeof single);
        value = single;
    } else {
        if (payload.size() != sizeof value) return false;
        std::memcpy(&value, payload.data(), sizeof value);
    }
    const char* spec = s.width == 0   ? "%.*f"
                       : s.left       ? "%-*.*f"
                       : s.pad == '0' ? "%0*.*f"
                                      : "%*.*f";
    const auto print = [&](char* buffer, std::size_t size) {
        return s.width == 0 ? std::snprintf(buffer, size, spec, s.precision, value)
                            : std::snprintf(buffer, size, spec, s.width, s.precision, value);
    };
    const int length = print(nullptr, 0);
    if (length <= 0) return true;
    const std::size_t start = out.size();
    out.resize(start + static_cast<std::size_t>(length) + 1);  // snprintf writes the NUL too
    print(out.data() + start, static_cast<std::size_t>(length) + 1);
    out.resize(start + static_cast<std::size_t>(length));
    return true;
}

std::string_view c_string(std::string_view text) {
    return text.substr(0, text.find('\0'));
}

// formatted_print_str(): printf "%*.*s" with the optional '-'; '0' does not apply.
void append_str(std::string& out, std::string_view text, const Segment& s) {
    text = c_string(text);
    if (s.precision >= 0 && static_cast<std::size_t>(s.precision) < text.size()) {
        text = text.substr(0, static_cast<std::size_t>(s.precision));
    }
    const int fill = s.width - static_cast<int>(text.size());
    if (!s.left) append_padding(out, ' ', fill);
    out.append(text);
    if (s.left) append_padding(out, ' ', fill);
}

void append_hex(std::string& out, std::string_view bytes, bool upper) {
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    const auto start = out.size();
    out.resize(start + 2 * bytes.size());
    char* hex = out.data() + start;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        *hex++ = digits[byte >> 4];
        *hex++ = digits[byte & 0x0f];
    }
}

// write_payload(): a width is also a maximum (for hex, of characters, rounded down to whole
// bytes); "%-p" without a width pads with as many spaces as the payload has bytes.
enum class PayloadAs { Bytes, Hex, HexUpper };

void append_payload(std::string& out, std::string_view payload, PayloadAs as, const Segment& s) {
    const bool hex = as != PayloadAs::Bytes;
    int length = static_cast<int>(payload.size());
    int pad_length = 0;
    if (s.width > 0) {
        if (length > s.width) length = s.width;
        if (hex) length /= 2;
        pad_length = s.width - (hex ? length * 2 : length);
    } else {
        pad_length = s.width - length;
    }
    if (!s.left) append_padding(out, s.pad, pad_length);
    const auto shown = payload.substr(0, static_cast<std::size_t>(length));
    if (hex) {
        append_hex(out, shown, as == PayloadAs::HexUpper);
    } else {
        out.append(shown);
    }
    if (s.left) append_padding(out, ' ', std::abs(pad_length));
}

// %A %E %F %S: the value at its wire width, cast to int as mosquitto does (an expiry above
// 2^31-1 prints negative); without the property, a blank of the pad character.
void append_numeric_property(std::string& out, const Properties& properties, PropertyId id,
                             std::uint32_t mask, const Segment& s) {
    if (const auto* property = find_property(properties, id)) {
        append_int(out, static_cast<int>(property->number & mask), s);
    } else {
        append_padding(out, s.pad, s.width);
    }
}

void append_user_properties(std::string& out, const Properties& properties) {
    bool first = true;
    for (const auto& property : properties) {
        if (property.id != PropertyId::UserProperty) continue;
        if (!first) out += ' ';
        first = false;
        out.append(c_string(property.text));
        out += ':';
        out.append(c_string(property.value));
    }
}

}  // namespace

// --- Formatter -----------------------------------------------------------------------------

struct Formatter::Impl {
    enum class Mode { Json, Template, Verbose, PayloadOnly };

    OutputOptions options;
    Mode mode = Mode::PayloadOnly;
    Template compiled;
    mutable TimeCache time;
    // --decode; null without it, and for a -F template without %v (nothing to show it).
    std::unique_ptr<Codec> codec;
    mutable std::string decoded_text;                // the value of the message in hand
    mutable std::unordered_set<std::string> warned;  // topics whose payload did not decode
    mutable std::string warning;                     // RenderProblems::undecoded

    explicit Impl(const OutputOptions& output) : options(output) {
        if (options.json) {
            mode = Mode::Json;
        } else if (options.format) {
            mode = Mode::Template;
            compiled = compile(*options.format);
            time.calendar_text.resize(compiled.calendar_runs.size());
            for (auto& text : time.calendar_text)
                text.reserve(256);
            time.iso.reserve(100);
            time.json_date.reserve(100);
            time.json_zone.reserve(100);
            time.json_tst.reserve(256);
            if (compiled.uses_clock) tzset();
        } else if (options.verbose) {
            mode = Mode::Verbose;
        }
        if (!options.decode.name.empty()) {
            // Built (and so checked) even when unused: a misspelt name is still an error.
            codec = make_codec(options.decode.name, CodecOptions{options.decode.proto_paths});
            if (mode == Mode::Template && !compiled.uses_decoded) codec.reset();
            decoded_text.reserve(256);
        }
    }

    void render_verbose(const Message& message, std::string_view payload, std::string& out) const;
    void render_payload(std::string_view payload, std::string& out) const;
    // `decoded`: %v's text; null prints the payload as received.
    RenderProblems render_template(const Message& message, const std::string* decoded,
                                   std::string& out) const;
    // Counts in `problems` a field that cannot print this payload (it prints nothing).
    void render_field(const Segment& s, const Message& message, const std::string* decoded,
                      SplitTime when, std::string& out, RenderProblems& problems) const;
    RenderProblems render_decoded(const Message& message, std::string& out) const;
    // The compact JSON of the payload's decoded value, or null when it does not decode
    // (then `problems` carries the warning if it is the topic's first).
    const std::string* decode(const Message& message, RenderProblems& problems) const;
    // The JSON "tst" as mosquitto writes it: local time to the microsecond, a 'Z' and
    // then the zone ("2024-01-31T12:00:00.123456Z+0100").
    std::string_view json_timestamp(long nanoseconds) const;
};

std::string_view Formatter::Impl::json_timestamp(long nanoseconds) const {
    auto& tst = time.json_tst;
    tst.assign(time.json_date);
    tst += '.';
    append_digits(tst, nanoseconds / 1000, 6);
    tst += 'Z';
    tst += time.json_zone;
    return tst;
}

void Formatter::Impl::render_verbose(const Message& message, std::string_view payload,
                                     std::string& out) const {
    if (payload.empty() && options.no_eol) return;  // mosquitto prints nothing
    if (options.color) out += "\033[1;36m";         // bold cyan topic; mqtk's only addition to -v
    out.append(c_string(message.topic));
    if (options.color) out += "\033[0m";
    if (payload.empty()) {
        out += " (null)\n";
        return;
    }
    out += ' ';
    out.append(payload);
    if (!options.no_eol) out += '\n';
}

void Formatter::Impl::render_payload(std::string_view payload, std::string& out) const {
    if (payload.empty()) return;  // mosquitto prints nothing, not even EOL
    out.append(payload);
    if (!options.no_eol) out += '\n';
}

RenderProblems Formatter::Impl::render_template(const Message& message, const std::string* decoded,
                                                std::string& out) const {
    RenderProblems problems;
    SplitTime when;
    if (compiled.uses_clock) {
        when = split(message.received_at);
        if (when.seconds != time.second) refresh(time, compiled, when.seconds);
    }
    for (const auto& s : compiled.segments) {
        switch (s.kind) {
            case SegmentKind::Literal:
                out.append(compiled.literals, s.offset, s.length);
                break;
            case SegmentKind::Field:
                render_field(s, message, decoded, when, out, problems);
                break;
            case SegmentKind::Calendar:
                out.append(time.calendar_text[s.offset]);
                break;
            case SegmentKind::Strftime:  // always inside a Calendar run
                break;
            case SegmentKind::Nanoseconds:
                append_digits(out, when.nanoseconds, 9);
                break;
        }
    }
    if (!options.no_eol) out += '\n';
    return problems;
}

void Formatter::Impl::render_field(const Segment& s, const Message& message,
                                   const std::string* decoded, SplitTime when, std::string& out,
                                   RenderProblems& problems) const {
    const auto& properties = message.properties;
    const Property* property = nullptr;
    switch (s.conversion) {
        case 't':
            append_str(out, message.topic, s);
            break;
        case 'p':
            append_payload(out, message.payload, PayloadAs::Bytes, s);
            break;
        case 'v':
            append_str(out, decoded != nullptr ? std::string_view(*decoded) : message.payload, s);
            break;
        case 'x':
            append_payload(out, message.payload, PayloadAs::Hex, s);
            break;
        case 'X':
            append_payload(out, message.payload, PayloadAs::HexUpper, s);
            break;
        case 'l':
            append_int(out, static_cast<int>(message.payload.size()), s);
            break;
        case 'm':
            append_int(out, message.message_id, s);
            break;
        case 'q':
            out += static_cast<char>('0' + message.qos);
            break;
        case 'r':
            out += message.retain ? '1' : '0';
            break;
        case 'I':
            if (time.iso_ok) {
                append_str(out, time.iso, s);
            } else {
                append_padding(out, ' ', s.width);
            }
            break;
        case 'U':
            append_digits(out, when.seconds);
            out += '.';
            append_digits(out, when.nanoseconds, 9);
            break;
        case 'j':
        case 'J':
            if (!append_mosquitto_json(out, message, json_timestamp(when.nanoseconds),
                                       s.conversion == 'J', options.pretty)) {
                ++problems.not_json;
            }
            break;
        case 'f':
            if (!append_float(out, message.payload, 'f', s)) ++problems.not_float;
            break;
        case 'd':
            if (!append_float(out, message.payload, 'd', s)) ++problems.not_double;
            break;
        case 'A':
            append_numeric_property(out, properties, PropertyId::TopicAlias, 0xFFFF, s);
            break;
        case 'E':
            append_numeric_property(out, properties, PropertyId::MessageExpiryInterval, 0xFFFFFFFF,
                                    s);
            break;
        case 'F':
            append_numeric_property(out, properties, PropertyId::PayloadFormatIndicator, 0xFF, s);
            break;
        case 'S':
            append_numeric_property(out, properties, PropertyId::SubscriptionIdentifier, 0xFFFFFFFF,
                                    s);
            break;
        case 'C':
            if ((property = find_property(properties, PropertyId::ContentType)) != nullptr) {
                append_str(out, property->text, s);
            } else {
                append_padding(out, ' ', s.width);
            }
            break;
        case 'R':
            if ((property = find_property(properties, PropertyId::ResponseTopic)) != nullptr) {
                append_str(out, property->text, s);
            }
            break;
        case 'D':
            if ((property = find_property(properties, PropertyId::CorrelationData)) != nullptr) {
                out.append(property->text);  // binary, written whole
            }
            break;
        case 'P':
            append_user_properties(out, properties);
            break;
        default:
            break;
    }
}

Formatter::Formatter(const OutputOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Formatter::~Formatter() = default;
Formatter::Formatter(Formatter&&) noexcept = default;
Formatter& Formatter::operator=(Formatter&&) noexcept = default;

const std::string* Formatter::Impl::decode(const Message& message, RenderProblems& problems) const {
    // An empty payload (a retained message being cleared) is shown as without --decode.
    if (message.payload.empty()) return nullptr;
    try {
        const nlohmann::json value = codec->decode(message.payload);
        decoded_text.clear();
        // Into the reused buffer; a string the codec let through that is not UTF-8 (a
        // MessagePack str of raw bytes) shows U+FFFD rather than failing the message.
        nlohmann::detail::serializer<nlohmann::json> serializer(
            nlohmann::detail::output_adapter<char>(decoded_text), ' ',
            nlohmann::json::error_handler_t::replace);
        serializer.dump(value, false, false, 0);
        return &decoded_text;
    } catch (const DecodeError& error) {
        if (warned.insert(message.topic).second) {
            warning = fmt::format(
                "warning: a payload on topic {} is not {} ({}): printed as received; no more "
                "warnings for this topic",
                message.topic, codec->name(), error.what());
            problems.undecoded = &warning;
        }
        return nullptr;
    }
}

RenderProblems Formatter::Impl::render_decoded(const Message& message, std::string& out) const {
    RenderProblems problems;
    const std::string* decoded = decode(message, problems);
    const std::string_view shown = decoded != nullptr ? *decoded : message.payload;
    switch (mode) {
        case Mode::Json:
            append_json(message, out, options.pretty, decoded != nullptr ? shown : "");
            out += '\n';
            break;
        case Mode::Template: {
            const auto* warning_text = problems.undecoded;
            problems = render_template(message, decoded, out);
            problems.undecoded = warning_text;
            break;
        }
        case Mode::Verbose:
            render_verbose(message, shown, out);
            break;
        case Mode::PayloadOnly:
            render_payload(shown, out);
            break;
    }
    return problems;
}

RenderProblems Formatter::render(const Message& message, std::string& out) const {
    if (impl_->codec) return impl_->render_decoded(message, out);
    switch (impl_->mode) {
        case Impl::Mode::Json:
            append_json(message, out, impl_->options.pretty);
            out += '\n';
            break;
        case Impl::Mode::Template:
            return impl_->render_template(message, nullptr, out);
        case Impl::Mode::Verbose:
            impl_->render_verbose(message, message.payload, out);
            break;
        case Impl::Mode::PayloadOnly:
            impl_->render_payload(message.payload, out);
            break;
    }
    return {};
}

}  // namespace mqtk
