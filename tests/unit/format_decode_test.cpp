// Unit tests for --decode in core/format: the decoded value in each output form, %v, the
// once-per-topic warning, and an unknown codec refused when the Formatter is built.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/format.h"
#include "core/message.h"
#include "core/options.h"

namespace {

using namespace std::string_view_literals;
using mqtk::Formatter;
using mqtk::Message;
using mqtk::OutputOptions;

OutputOptions decoding(std::string codec) {
    OutputOptions options;
    options.decode.name = std::move(codec);
    return options;
}

Message message(std::string topic, std::string payload) {
    Message m;
    m.topic = std::move(topic);
    m.payload = std::move(payload);
    return m;
}

std::string render(const Formatter& formatter, const Message& m) {
    std::string out;
    formatter.render(m, out);
    return out;
}

const Message kCbor = message("a/b", std::string("\xa1\x61k\x42\x00\xff", 6));  // {"k":h'00ff'}

}  // namespace

TEST_CASE("format decode: the payload-only and -v forms print the value as compact JSON") {
    CHECK(render(Formatter(decoding("cbor")), kCbor) == "{\"k\":{\"$bytes\":\"AP8=\"}}\n");
    auto verbose = decoding("cbor");
    verbose.verbose = true;
    CHECK(render(Formatter(verbose), kCbor) == "a/b {\"k\":{\"$bytes\":\"AP8=\"}}\n");
    verbose.no_eol = true;
    CHECK(render(Formatter(verbose), kCbor) == "a/b {\"k\":{\"$bytes\":\"AP8=\"}}");
    // An empty payload is not decoded: printed as mosquitto_sub prints it, no warning.
    verbose.no_eol = false;
    const Formatter formatter(verbose);
    std::string out;
    CHECK(formatter.render(message("a/b", ""), out).undecoded == nullptr);
    CHECK(out == "a/b (null)\n");
}

TEST_CASE(
    "format decode: %v is the value, the payload when it does not decode or without --decode") {
    auto options = decoding("hex");
    options.format = "%t|%v|%p|%-6.3v|";
    const Formatter formatter(options);
    CHECK(render(formatter, message("t", "4869")) == "t|\"Hi\"|4869|\"Hi   |\n");
    CHECK(render(formatter, message("t", "zz")) == "t|zz|zz|zz    |\n");
    OutputOptions plain;
    plain.format = "%v";
    CHECK(render(Formatter(plain), message("t", "4869")) == "4869\n");
}

TEST_CASE("format decode: --json adds decoded after the unchanged keys, pretty or not") {
    auto options = decoding("cbor");
    options.json = true;
    CHECK(render(Formatter(options), kCbor) ==
          R"({"topic":"a/b","payload":"oWFrQgD/","encoding":"base64","qos":0,"retain":false,)"
          R"("decoded":{"k":{"$bytes":"AP8="}}})"
          "\n");
    CHECK(render(Formatter(options), message("a/b", "x")) ==
          R"({"topic":"a/b","payload":"x","encoding":"utf8","qos":0,"retain":false})"
          "\n");
    options.pretty = true;
    const auto pretty = render(Formatter(options), kCbor);
    CHECK(pretty.find("\n  \"decoded\": {\n    \"k\": {\n") != std::string::npos);
}

TEST_CASE("format decode: a payload that does not decode is warned about once per topic") {
    const Formatter formatter(decoding("json"));
    std::string out;
    const auto first = formatter.render(message("a", "{bad"), out);
    REQUIRE(first.undecoded != nullptr);
    CHECK(first.undecoded->rfind("warning: a payload on topic a is not json (", 0) == 0);
    CHECK(formatter.render(message("a", "{worse"), out).undecoded == nullptr);
    CHECK(formatter.render(message("b", "{bad"), out).undecoded != nullptr);
    CHECK(formatter.render(message("a", "[1]"), out).undecoded == nullptr);
    CHECK(out == "{bad\n{worse\n{bad\n[1]\n");
}

TEST_CASE("format decode: an unknown codec is a usage error, even with a -F that has no %v") {
    auto options = decoding("yaml");
    options.format = "%p";
    try {
        Formatter formatter(options);
        FAIL("accepted");
    } catch (const mqtk::Error& error) {
        CHECK(error.code() == mqtk::ExitCode::Usage);
    }
}
