// Unit tests for core/format: every output mode and every -F sequence, compared byte for
// byte with what the real mosquitto_sub 2.0.11 printed for the same message.
//
// The goldens (tests/unit/format_goldens.h, which says how they were captured) are what the
// real mosquitto_sub printed. Cases at the end cover what a mosquitto broker cannot show
// (topic aliases, mqtk's --json and colour); their expected bytes follow mosquitto's source
// (client/sub_client_output.c, v2.0.11).
#include "core/format.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/jsonl.h"
#include "core/message.h"
#include "core/options.h"
#include "tests/unit/format_goldens.h"

namespace {

using namespace std::string_view_literals;
using mqtk::Formatter;
using mqtk::Message;
using mqtk::OutputOptions;
using mqtk::Property;
using mqtk::PropertyId;
using namespace mqtk::format_goldens;

void set_timezone(const char* tz) {
    setenv("TZ", tz, 1);
    tzset();
}

// Bytes made readable for failure messages.
std::string visible(std::string_view bytes) {
    std::string text;
    for (const char c : bytes) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte < 0x7f && c != '\\') {
            text += c;
        } else {
            text += fmt::format("\\x{:02x}", byte);
        }
    }
    return text;
}

// Options as the command line says them: flags among -v -N --pretty --json --color.
OutputOptions options(std::string_view flags, std::string_view format = {}) {
    const auto has = [&](std::string_view flag) {
        return (" " + std::string(flags) + " ").find(" " + std::string(flag) + " ") !=
               std::string::npos;
    };
    OutputOptions result;
    result.verbose = has("-v");
    result.no_eol = has("-N");
    result.pretty = has("--pretty");
    result.json = has("--json");
    result.color = has("--color");
    if (!format.empty()) result.format = std::string(format);
    return result;
}

std::string render(const OutputOptions& options, const Message& message) {
    std::string out;
    Formatter(options).render(message, out);
    return out;
}

struct Rejected {
    std::string_view format;
    std::string_view mosquitto_says;
};

// clang-format off
const Rejected kRejectedFormats[] = {
    {"%", "Error: Incomplete format specifier."},
    {"%5", "Error: Incomplete format specifier."},
    {"%-", "Error: Incomplete format specifier."},
    {"%.", "Error: Incomplete format specifier."},
    {"%5.", "Error: Incomplete format specifier."},
    {"%5.3", "Error: Incomplete format specifier."},
    {"%k", "Error: Invalid format specifier 'k'."},
    {"%0-5p", "Error: Invalid format specifier '-'."},
    {"@", "Error: Incomplete format specifier."},
    {"x\\", "Error: Incomplete escape specifier."},
    {"%.5.p", "Error: Invalid format specifier '.'."},
    {"%--p", "Error: Invalid format specifier '-'."},
    {"%00", "Error: Incomplete format specifier."},
    {"%-0", "Error: Incomplete format specifier."},
    {"ab%", "Error: Incomplete format specifier."},
    {"%-05", "Error: Incomplete format specifier."},
    {"%w", "Error: Invalid format specifier 'w'."},
    {"%N", "Error: Invalid format specifier 'N'."},
    {"%s", "Error: Invalid format specifier 's'."},
    {"%T", "Error: Invalid format specifier 'T'."},
    {"%a", "Error: Invalid format specifier 'a'."},
    {"%1.2.3t", "Error: Invalid format specifier '.'."},
    {"%.-1t", "Error: Invalid format specifier '-'."},
    {"%+5p", "Error: Invalid format specifier '+'."},
    {" %Z", "Error: Invalid format specifier 'Z'."},
    {"\\q", "Error: Invalid escape specifier 'q'."},
    {"\\%", "Error: Invalid escape specifier '%'."},
    {"\\@", "Error: Invalid escape specifier '@'."},
    {"\\x", "Error: Invalid escape specifier 'x'."},
    {"\\1", "Error: Invalid escape specifier '1'."},
    {"\\ ", "Error: Invalid escape specifier ' '."},
    {"\\N", "Error: Invalid escape specifier 'N'."},
    {"100% x", "Error: Invalid format specifier ' '."},
    {"\\E", "Error: Invalid escape specifier 'E'."},
};
// clang-format on

}  // namespace

TEST_CASE("format: output matches mosquitto_sub byte for byte") {
    for (const auto& row : goldens()) {
        set_timezone(row.message == "tz" ? "ABC+03:30" : "UTC");
        const auto out = render(options(row.flags, row.format), message_named(row.message));
        INFO("message ", row.message, ": ", row.flags, " -F '", row.format, "'");
        CHECK(visible(out) == visible(row.expected));
    }
    set_timezone("UTC");
}

TEST_CASE("format: formats mosquitto_sub rejects are usage errors") {
    for (const auto& row : kRejectedFormats) {
        OutputOptions options;
        options.format = std::string(row.format);
        INFO("-F '", row.format, "' (mosquitto: ", row.mosquitto_says, ")");
        try {
            Formatter formatter(options);
            FAIL("accepted");
        } catch (const mqtk::Error& error) {
            CHECK(error.code() == mqtk::ExitCode::Usage);
            CHECK(std::string_view(error.what()).find('\n') == std::string_view::npos);
            CHECK(std::string_view(error.what()).find("format") != std::string_view::npos);
        }
    }
}

TEST_CASE("format: a rejected format is named in one line, control characters escaped") {
    const auto message_for = [](std::string_view format) -> std::string {
        try {
            Formatter formatter(options("", format));
        } catch (const mqtk::Error& error) {
            return error.what();
        }
        return "accepted";
    };
    CHECK(message_for("%t %k") == "invalid output format '%t %k': unknown format specifier '%k'");
    CHECK(message_for("%t\n%5") ==
          "invalid output format '%t\\x0a%5': incomplete format specifier at the end");
    CHECK(message_for("\\q") == "invalid output format '\\q': unknown escape '\\q'");
    CHECK(message_for("x@") == "invalid output format 'x@': incomplete '@' sequence at the end");
}

TEST_CASE("format: -F and -v together, -F wins - -N drops the end of line everywhere") {
    const auto message = make("t", "p");
    CHECK(render(options("-v", "%p-%t"), message) == "p-t\n");
    CHECK(render(options("-v -N", "%p-%t"), message) == "p-t");
    CHECK(render(options("-N"), message) == "p");
}

TEST_CASE("format: render appends and keeps the buffer it is given") {
    const Formatter verbose(options("-v"));
    const Formatter templated(options("", "@H:@M:@S.@N %t %l %x %j"));
    std::string out = "before|";
    out.reserve(8192);
    const auto* data = out.data();
    const auto message = message_named("props");
    for (int i = 0; i < 10; ++i) {
        verbose.render(message, out);
        templated.render(message, out);
    }
    CHECK(out.data() == data);  // no reallocation once the capacity is there
    CHECK(out.substr(0, 17) == "before|g/a hello\n");
}

TEST_CASE("format: topic aliases and repeated subscription identifiers (not sent by mosquitto)") {
    using P = PropertyId;
    auto message = make("g/a", "x", 1);
    message.properties = {number_property(P::TopicAlias, 12),
                          number_property(P::SubscriptionIdentifier, 3),
                          number_property(P::SubscriptionIdentifier, 9)};
    CHECK(render(options("", "%A|[%5A]|[%-5A]|[%05A]|%S"), message) ==
          "12|[   12]|[12   ]|[00012]|3\n");
    // mosquitto 2.0.11 reads the alias back with the wrong property id, so its JSON shows
    // the length of the correlation data read before it, or 0.
    CHECK(render(options("", "%j"), message) ==
          R"({"tst":"2021-03-04T05:06:07.123456Z+0000","topic":"g/a","qos":1,"retain":0,)"
          R"("payloadlen":1,"mid":1,"properties":{"topic-alias":0,"subscription-identifier":3,)"
          R"("subscription-identifier":9},"payload":"x"})"
          "\n");
    message.properties = {text_property(P::CorrelationData, "abc"),
                          number_property(P::TopicAlias, 12)};
    CHECK(render(options("", "%j"), message).find(R"("correlation-data":"abc","topic-alias":3})") !=
          std::string::npos);
}

TEST_CASE("format: binary properties - %D is written whole - strings stop at a NUL") {
    using P = PropertyId;
    auto message = make("g/a", "x");
    message.properties = {text_property(P::CorrelationData, std::string("a\0b", 3)),
                          text_property(P::ContentType, std::string("c\0d", 3)),
                          text_property(P::UserProperty, std::string("k\0x", 3), "v")};
    CHECK(render(options("", "%D|%C|%P"), message) == std::string("a\0b|c|k:v\n", 10));
    CHECK(render(options("", "%j"), message)
              .find(R"("correlation-data":"a","content-type":"c",)"
                    R"("user-properties":{"k":"v"}})") != std::string::npos);
}

TEST_CASE("format: %J nests as deep as cJSON allows (1000), checked against mosquitto_sub") {
    set_timezone("UTC");
    const auto nested = [](int depth) {
        return std::string(static_cast<std::size_t>(depth), '[') +
               std::string(static_cast<std::size_t>(depth), ']');
    };
    const auto deep = render(options("", "<%J>"), make("g/n", nested(1000)));
    CHECK(deep.find(R"("payload":)" + nested(1000) + "}>\n") != std::string::npos);
    CHECK(render(options("", "<%J>"), make("g/n", nested(1001))) == "<>\n");
}

TEST_CASE("format: time sequences follow received_at, across seconds and time zones") {
    set_timezone("UTC");
    const Formatter formatter(options("", "@T.@N %U %I"));
    auto message = make("t", "p");
    std::string out;
    formatter.render(message, out);
    message.received_at = at(1614834368, 5);
    formatter.render(message, out);
    message.received_at = at(1614834367, 999999999);
    formatter.render(message, out);
    message.received_at = at(-1, 500000000);
    formatter.render(message, out);
    CHECK(out ==
          "05:06:07.123456788 1614834367.123456788 2021-03-04T05:06:07+0000\n"
          "05:06:08.000000005 1614834368.000000005 2021-03-04T05:06:08+0000\n"
          "05:06:07.999999999 1614834367.999999999 2021-03-04T05:06:07+0000\n"
          "23:59:59.500000000 -1.500000000 1969-12-31T23:59:59+0000\n");
    set_timezone("ABC-05:45");
    CHECK(render(options("", "%I @z"), make("t", "p")) == "2021-03-04T10:51:07+0545 +0545\n");
    set_timezone("UTC");
}

TEST_CASE("format: --json is the jsonl schema, one object per line, and wins over -F") {
    const auto message = message_named("props");
    for (const bool pretty : {false, true}) {
        std::string expected;
        mqtk::append_json(message, expected, pretty);
        expected += '\n';
        CHECK(render(options(pretty ? "--json --pretty" : "--json", "%t"), message) == expected);
    }
}

TEST_CASE("format: colour marks the topic of -v only") {
    CHECK(render(options("-v --color"), make("g/a", "hi")) == "\033[1;36mg/a\033[0m hi\n");
    CHECK(render(options("-v --color"), make("g/e", "")) == "\033[1;36mg/e\033[0m (null)\n");
    CHECK(render(options("--color"), make("g/a", "hi")) == "hi\n");
    CHECK(render(options("--color", "%t %p"), make("g/a", "hi")) == "g/a hi\n");
}

TEST_CASE("format: %J of a payload ending inside a string escape is not JSON") {
    // {"a":"x\ ends with a backslash: the string scan must stop at the end of the payload
    // (found by fuzz/format_fuzz.cpp's review), and the payload is not JSON, so %J is empty.
    set_timezone("UTC");
    CHECK(render(options("", "<%J>"), make("g/j", "{\"a\":\"x\\")) == "<>\n");
    CHECK(render(options("", "<%J>"), make("g/j", "\"\\")) == "<>\n");
}

TEST_CASE("format: a template stops at a NUL, as mosquitto's C string does") {
    CHECK(render(options("", std::string_view("a%t\0%k", 6)), make("t", "p")) == "at\n");
}

TEST_CASE("format: absurd field widths are refused instead of padding gigabytes") {
    CHECK_NOTHROW(Formatter(options("", "%1000000p")));
    CHECK_THROWS_AS(Formatter(options("", "%1000001p")), mqtk::Error);
    CHECK_THROWS_AS(Formatter(options("", "%.99999999999t")), mqtk::Error);
}

TEST_CASE("format: a Formatter can be moved") {
    Formatter first(options("", "[%t]"));
    Formatter second(std::move(first));
    Formatter third(options(""));
    third = std::move(second);
    std::string out;
    third.render(make("t", "p"), out);
    CHECK(out == "[t]\n");
}

TEST_CASE("format: an empty -F template prints an empty line per message, as mosquitto_sub") {
    OutputOptions output;
    output.format = std::string();
    Message message;
    message.topic = "t";
    message.payload = "payload";
    std::string out;
    Formatter(output).render(message, out);
    CHECK(out == "\n");
}

TEST_CASE("format: render() counts each %J whose payload is not JSON, for the stderr report") {
    const Formatter formatter(options("", "A%JB%J%j"));
    std::string out;
    CHECK(formatter.render(make("t", "not json"), out).not_json == 2);
    CHECK(out.substr(0, 2) == "AB");  // %J prints nothing for it, as mosquitto_sub
    out.clear();
    CHECK(formatter.render(make("t", "{\"a\":1}"), out).not_json == 0);
    CHECK(Formatter(options("", "%j")).render(make("t", "not json"), out).not_json == 0);
    CHECK(Formatter(options("-v")).render(make("t", "not json"), out).not_json == 0);
}

// mosquitto 2.1's %f and %d (client/sub_client_output.c, formatted_print_float): the payload's
// bytes as an IEEE 754 float or double in this machine's byte order, through printf's %f.
std::string bytes_of(float value) {
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}
std::string bytes_of(double value) {
    return std::string(reinterpret_cast<const char*>(&value), sizeof value);
}

TEST_CASE("format: %f and %d print a 4- or 8-byte IEEE 754 payload as printf's %f (2.1)") {
    CHECK(render(options("", "%f"), make("t", bytes_of(1.5F))) == "1.500000\n");
    CHECK(render(options("", "%d"), make("t", bytes_of(-2.25))) == "-2.250000\n");
    CHECK(render(options("", "%.2f"), make("t", bytes_of(3.14159F))) == "3.14\n");
    CHECK(render(options("", "%.0d"), make("t", bytes_of(2.5))) == "2\n");  // to even
    CHECK(render(options("", "[%9.3d]"), make("t", bytes_of(-2.25))) == "[   -2.250]\n");
    CHECK(render(options("", "[%-9.1f]"), make("t", bytes_of(1.5F))) == "[1.5      ]\n");
    CHECK(render(options("", "[%09.3d]"), make("t", bytes_of(-2.25))) == "[-0002.250]\n");
    // A float is widened to double first: its own rounding shows.
    CHECK(render(options("", "%.10f"), make("t", bytes_of(0.1F))) == "0.1000000015\n");
    CHECK(render(options("", "%f %d"), make("t", bytes_of(16777217.0))) == " 16777217.000000\n");
    CHECK(render(options("", "%d|%f"),
                 make("t", bytes_of(std::numeric_limits<double>::infinity()))) == "inf|\n");
}

TEST_CASE("format: %f or %d with a payload of another length prints nothing and is counted") {
    const Formatter formatter(options("", "<%f><%d><%p>"));
    std::string out;
    mqtk::RenderProblems problems = formatter.render(make("t", "abc"), out);
    CHECK(out == "<><><abc>\n");
    CHECK(problems.not_float == 1);
    CHECK(problems.not_double == 1);
    CHECK(problems.not_json == 0);
    out.clear();
    problems = formatter.render(make("t", bytes_of(1.0F)), out);
    CHECK(out == "<1.000000><>" + std::string("<") + bytes_of(1.0F) + ">\n");
    CHECK(problems.not_float == 0);
    CHECK(problems.not_double == 1);
    CHECK(formatter.render(make("t", ""), out).not_float == 1);  // empty is not a float either
}
