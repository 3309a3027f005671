// Fuzzes the output formatter (core/format.h) and the --json writer (core/jsonl.h): the two
// things that turn what a broker sends into bytes on stdout.
//   - The input opens with a -F template: compiled (a refusal is a one-line mqtk::Error)
//     and, when accepted, used to render the message the rest of the input makes.
//   - That message also goes through every output mode: a fixed template using every
//     sequence, widths and flags, %j and %J (compact and pretty), -v, payload only, and
//     --json, whose output must be valid JSON whatever the bytes (core/jsonl.h promises it).
//   - Checked, not only rendered: one -F field with fuzzed flags, width and precision
//     (%t %l %m %p %x %X) renders as a reference says, written here from printf for the
//     text and number fields and from mosquitto's write_payload() for the payload ones.
//   - The goldens (tests/unit/format_goldens.h, what mosquitto_sub printed): a template
//     made of several golden templates of one message, with literal text between them,
//     renders as those goldens' outputs one after the other.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/format.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/fuzzed_message.h"
#include "tests/unit/format_goldens.h"

namespace {

mqtk::OutputOptions template_output(std::string format, bool pretty = false) {
    mqtk::OutputOptions options;
    options.format = std::move(format);
    options.pretty = pretty;
    return options;
}

std::vector<mqtk::Formatter> every_mode() {
    std::vector<mqtk::OutputOptions> modes = {
        template_output("%t %p %x %X %l %m %q %r %I %U %A %E %F %S %C %R %D %P "
                        "@Y-@m-@dT@H:@M:@S.@N @z@@%%\\t\\e\\0"),
        template_output("[%-10.3t][%08l][%-5p][%-p][%10x][%3X][%-m][%05A][%-12C][%.4R][%3E]"
                        "[%-8I][%0F][%20S]"),
        template_output("%j"),
        template_output("%j", true),
        template_output("%J"),
        template_output("%J", true),
    };
    mqtk::OutputOptions verbose;
    verbose.verbose = true;
    verbose.color = true;
    modes.push_back(verbose);
    mqtk::OutputOptions payload_only;
    payload_only.no_eol = true;
    modes.push_back(payload_only);

    std::vector<mqtk::Formatter> formatters;
    for (const auto& options : modes)
        formatters.emplace_back(options);
    return formatters;
}

void check_json_output(const mqtk::Message& message, bool pretty) {
    mqtk::OutputOptions options;
    options.json = true;
    options.pretty = pretty;
    std::string out;
    mqtk::Formatter(options).render(message, out);
    MQTK_FUZZ_CHECK(!out.empty() && out.back() == '\n');
    out.pop_back();
    MQTK_FUZZ_CHECK(pretty || out.find('\n') == std::string::npos);
    MQTK_FUZZ_CHECK(nlohmann::json::accept(out));
}

// The input's template, when it compiles; rendering must then not fail.
void render_with_template(const mqtk::OutputOptions& options, const mqtk::Message& message) {
    std::optional<mqtk::Formatter> formatter;
    try {
        formatter.emplace(options);
    } catch (const mqtk::Error& error) {
        MQTK_FUZZ_CHECK(error.code() == mqtk::ExitCode::Usage);
        MQTK_FUZZ_CHECK(mqtk::fuzz::is_one_line(error.what()));
        return;
    }
    std::string out;
    formatter->render(message, out);
}

std::string render(const std::string& format, const mqtk::Message& message) {
    mqtk::OutputOptions options = template_output(format);
    options.no_eol = true;
    std::string out;
    mqtk::Formatter(options).render(message, out);  // throwing is a finding: format is valid
    return out;
}

// --- One field against a reference ---------------------------------------------------------

struct Field {
    char conversion = 't';
    bool left = false;
    bool zero = false;
    int width = 0;       // 0: none
    int precision = -1;  // -1: none; only for %t

    std::string format() const {
        std::string text = "%";
        if (left) text += '-';
        if (zero) text += '0';
        if (width > 0) text += std::to_string(width);
        if (precision >= 0) text += "." + std::to_string(precision);
        return text + conversion;
    }
};

std::string printf_string(const char* format, int width, int precision, const std::string& text) {
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, format, width, precision, text.c_str());
    return buffer;
}

std::string printf_int(const Field& field, long value) {
    const char* format = field.left ? "%-*ld" : field.zero ? "%0*ld" : "%*ld";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, format, field.width, value);
    return buffer;
}

std::string hex(std::string_view bytes, bool upper) {
    std::string text;
    for (const char c : bytes) {
        char two[3];
        std::snprintf(two, sizeof two, upper ? "%02X" : "%02x", static_cast<unsigned char>(c));
        text += two;
    }
    return text;
}

// mosquitto's write_payload(), as the goldens [%3p] [%20p] [%-p] [%10x] [%40x] [%-x] pin
// it: a width is also a maximum (for hex, of digits, in whole bytes), and "%-p" without a
// width pads with as many spaces as the payload has bytes.
std::string payload_reference(const Field& field, std::string_view payload) {
    const bool as_hex = field.conversion != 'p';
    std::size_t bytes = payload.size();
    std::size_t shown_width = 0;
    if (field.width > 0) {
        bytes = std::min<std::size_t>(bytes, static_cast<std::size_t>(field.width));
        if (as_hex) bytes /= 2;
        shown_width = as_hex ? 2 * bytes : bytes;
    }
    const std::string shown = as_hex ? hex(payload.substr(0, bytes), field.conversion == 'X')
                                     : std::string(payload.substr(0, bytes));
    const std::size_t pad = field.width > 0 ? static_cast<std::size_t>(field.width) - shown_width
                            : field.left    ? payload.size()
                                            : 0;
    return field.left ? shown + std::string(pad, ' ') : std::string(pad, ' ') + shown;
}

std::string field_reference(const Field& field, const mqtk::Message& message) {
    switch (field.conversion) {
        case 't':  // printf "%*.*s" of the C string: what mosquitto passes
            return printf_string(field.left ? "%-*.*s" : "%*.*s", field.width,
                                 field.precision < 0 ? 0x7fffffff : field.precision, message.topic);
        case 'l':
            return printf_int(field, static_cast<long>(message.payload.size()));
        case 'm':
            return printf_int(field, message.message_id);
        default:
            return payload_reference(field, message.payload);
    }
}

Field fuzzed_field(FuzzedDataProvider& provider) {
    Field field;
    field.conversion = provider.PickValueInArray({'t', 'l', 'm', 'p', 'x', 'X'});
    field.left = provider.ConsumeBool();
    field.width = provider.ConsumeIntegralInRange(0, 40);
    if (field.conversion == 'l' || field.conversion == 'm') {
        field.zero = provider.ConsumeBool();  // "-0" is accepted; '-' wins, as in printf
    }
    if (field.conversion == 't' && provider.ConsumeBool()) {
        field.precision = provider.ConsumeIntegralInRange(0, 40);
    }
    return field;
}

void check_field(const Field& field, const mqtk::Message& message) {
    MQTK_FUZZ_CHECK(render(field.format(), message) == field_reference(field, message));
}

// The plain fields, exactly: the payload's bytes, its hex, its length, the topic.
void check_plain_fields(const mqtk::Message& message) {
    MQTK_FUZZ_CHECK(render("%p", message) == message.payload);
    const std::string lower = render("%x", message);
    MQTK_FUZZ_CHECK(lower.size() == 2 * message.payload.size());
    MQTK_FUZZ_CHECK(lower == hex(message.payload, false));
    MQTK_FUZZ_CHECK(render("%X", message) == hex(message.payload, true));
    MQTK_FUZZ_CHECK(render("%l", message) == std::to_string(message.payload.size()));
    MQTK_FUZZ_CHECK(render("%t", message) == message.topic.substr(0, message.topic.find('\0')));
}

// --- Goldens, composed ---------------------------------------------------------------------

using mqtk::format_goldens::Golden;

// The -F rows with no other flag, by message; "tz" needs another time zone than UTC.
std::map<std::string_view, std::vector<const Golden*>> golden_templates() {
    std::map<std::string_view, std::vector<const Golden*>> rows;
    for (const auto& row : mqtk::format_goldens::goldens()) {
        if (row.flags.empty() && !row.format.empty() && row.message != "tz") {
            rows[row.message].push_back(&row);
        }
    }
    return rows;
}

// Literal text between two templates: no '%', '@' or '\\' that would start a sequence,
// no NUL that would end the template as mosquitto reads it.
std::string literal(FuzzedDataProvider& provider) {
    std::string text = provider.ConsumeRandomLengthString(8);
    std::erase_if(text, [](char c) { return c == '%' || c == '@' || c == '\\' || c == '\0'; });
    return text;
}

void check_goldens(FuzzedDataProvider& provider) {
    static const auto by_message = golden_templates();
    auto message = by_message.begin();
    std::advance(message, provider.ConsumeIntegralInRange<std::size_t>(0, by_message.size() - 1));
    const auto& rows = message->second;
    std::string format;
    std::string expected;
    const int count = provider.ConsumeIntegralInRange(1, 4);
    for (int i = 0; i < count; ++i) {
        const Golden* row = rows[provider.ConsumeIntegralInRange<std::size_t>(0, rows.size() - 1)];
        const std::string between = literal(provider);
        format += std::string(row->format) + between;
        expected += std::string(row->expected.substr(0, row->expected.size() - 1)) + between;
    }
    MQTK_FUZZ_CHECK(render(format, mqtk::format_goldens::message_named(message->first)) ==
                    expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool utc = (setenv("TZ", "UTC", 1), tzset(), true);  // as the goldens
    (void)utc;
    static const std::vector<mqtk::Formatter> fixed = every_mode();
    FuzzedDataProvider provider(data, size);
    check_goldens(provider);
    const Field field = fuzzed_field(provider);
    mqtk::OutputOptions options = template_output(provider.ConsumeRandomLengthString(256));
    options.no_eol = provider.ConsumeBool();
    options.pretty = provider.ConsumeBool();
    const mqtk::Message message = mqtk::fuzz::fuzzed_message(provider);

    render_with_template(options, message);
    std::string out;
    for (const auto& formatter : fixed)
        formatter.render(message, out);
    check_plain_fields(message);
    check_field(field, message);
    check_json_output(message, false);
    check_json_output(message, true);
    return 0;
}
