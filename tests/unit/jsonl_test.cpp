// The JSON Lines schema of `sub --json` / `pub --jsonl`: exact text for fixed messages (so the
// schema cannot drift unnoticed), round trips of text, binary and every property type, and
// the reader's refusals with their messages.
#include "core/jsonl.h"

#include <doctest/doctest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace {

using mqtk::Message;
using mqtk::Property;
using mqtk::PropertyId;

Property number_property(PropertyId id, std::uint32_t number) {
    Property property;
    property.id = id;
    property.number = number;
    return property;
}

Property text_property(PropertyId id, std::string text) {
    Property property;
    property.id = id;
    property.text = std::move(text);
    return property;
}

Property user_property(std::string name, std::string value) {
    Property property = text_property(PropertyId::UserProperty, std::move(name));
    property.value = std::move(value);
    return property;
}

Message make_message(std::string topic, std::string payload) {
    Message message;
    message.topic = std::move(topic);
    message.payload = std::move(payload);
    return message;
}

std::string to_json(const Message& message, bool pretty = false) {
    std::string out;
    mqtk::append_json(message, out, pretty);
    return out;
}

std::chrono::system_clock::time_point fixed_time() {
    using namespace std::chrono;
    return sys_days{year{2024} / 5 / 1} + hours{12} + minutes{34} + seconds{56} +
           microseconds{123456};
}

std::string all_byte_values() {
    std::string bytes;
    for (int value = 0; value < 256; ++value)
        bytes += static_cast<char>(value);
    return bytes;
}

// Every property a PUBLISH may carry, in identifier order, user properties repeated.
mqtk::Properties publish_properties() {
    return {
        number_property(PropertyId::PayloadFormatIndicator, 1),
        number_property(PropertyId::MessageExpiryInterval, 4294967295u),
        text_property(PropertyId::ContentType, "application/json; charset=\"utf-8\""),
        text_property(PropertyId::ResponseTopic, "réponse/ñ"),
        text_property(PropertyId::CorrelationData, std::string("\x00\xff\x01 id\"\\", 8)),
        user_property("unit", "C"),
        user_property("unit", "C"),
        user_property("", ""),
        user_property("unit", "K\n\"quoted\""),
    };
}

void check_round_trip(const Message& message) {
    const std::string line = to_json(message);
    CAPTURE(line);
    const mqtk::JsonRecord record = mqtk::parse_json_record(line);
    CHECK(record.message.topic == message.topic);
    CHECK(record.message.payload == message.payload);
    CHECK(record.message.qos == message.qos);
    CHECK(record.message.retain == message.retain);
    CHECK(record.message.properties == message.properties);
    CHECK(record.has_qos);
    CHECK(record.has_retain);
    CHECK(line.find('\n') == std::string::npos);
}

}  // namespace

TEST_CASE("append_json writes the documented schema exactly") {
    SUBCASE("a text message: topic first, no mid, properties or received when unset") {
        CHECK(to_json(make_message("a/b", "hello")) ==
              R"({"topic":"a/b","payload":"hello","encoding":"utf8","qos":0,"retain":false})");
    }
    SUBCASE("an empty payload is empty text") {
        CHECK(to_json(make_message("a", "")) ==
              R"({"topic":"a","payload":"","encoding":"utf8","qos":0,"retain":false})");
    }
    SUBCASE("a binary payload goes base64, with mid and retain") {
        Message message = make_message("bin", std::string("\x00\xff\x10", 3));
        message.qos = 1;
        message.retain = true;
        message.message_id = 7;
        CHECK(to_json(message) ==
              R"({"topic":"bin","payload":"AP8Q","encoding":"base64","qos":1,"retain":true,)"
              R"("mid":7})");
    }
    SUBCASE("a NUL byte makes the payload base64 (MQTT's UTF-8 excludes U+0000)") {
        CHECK(to_json(make_message("t", std::string("\x00\x01", 2))) ==
              R"({"topic":"t","payload":"AAE=","encoding":"base64","qos":0,"retain":false})");
    }
    SUBCASE("strings are escaped by the JSON serializer, non-ASCII kept as UTF-8") {
        CHECK(to_json(make_message("q/\"x\"", "a\"b\\c\nd\te\x01 é 😀")) ==
              R"({"topic":"q/\"x\"","payload":"a\"b\\c\nd\te\u0001 é 😀","encoding":"utf8",)"
              R"("qos":0,"retain":false})");
    }
    SUBCASE("properties in identifier order, repeatable ones as arrays, binary as base64") {
        Message message = make_message("lab/t1", "21.5");
        message.qos = 1;
        message.message_id = 7;
        message.received_at = fixed_time();
        message.properties = {
            user_property("unit", "C"),
            text_property(PropertyId::ContentType, "text/plain"),
            text_property(PropertyId::CorrelationData, "\x01\x02req"),
            number_property(PropertyId::SubscriptionIdentifier, 3),
            user_property("unit", "K"),
            number_property(PropertyId::MessageExpiryInterval, 60),
            number_property(PropertyId::PayloadFormatIndicator, 1),
            text_property(PropertyId::ResponseTopic, "lab/reply"),
            number_property(PropertyId::SubscriptionIdentifier, 9),
            number_property(PropertyId::TopicAlias, 4),
        };
        CHECK(to_json(message) ==
              R"({"topic":"lab/t1","payload":"21.5","encoding":"utf8","qos":1,"retain":false,)"
              R"("mid":7,"properties":{"payload-format-indicator":1,)"
              R"("message-expiry-interval":60,"content-type":"text/plain",)"
              R"("response-topic":"lab/reply","correlation-data":"AQJyZXE=",)"
              R"("subscription-identifier":[3,9],"topic-alias":4,)"
              R"("user-property":[["unit","C"],["unit","K"]]},)"
              R"("received":"2024-05-01T12:34:56.123456Z"})");
    }
    SUBCASE("received is UTC with microseconds, zero-padded") {
        Message message = make_message("t", "x");
        message.received_at = std::chrono::system_clock::time_point{} + std::chrono::seconds{1};
        CHECK(to_json(message) ==
              R"({"topic":"t","payload":"x","encoding":"utf8","qos":0,"retain":false,)"
              R"("received":"1970-01-01T00:00:01.000000Z"})");
    }
    SUBCASE("received truncates to the microsecond") {
        using namespace std::chrono;
        Message message = make_message("t", "x");
        message.received_at = time_point_cast<system_clock::duration>(
            sys_days{year{2000} / 2 / 29} + hours{23} + minutes{59} + seconds{59} +
            nanoseconds{999'999'999});
        CHECK(to_json(message).find(R"("received":"2000-02-29T23:59:59.999999Z"})") !=
              std::string::npos);
    }
    SUBCASE("a malformed topic cannot break the line: bad bytes become U+FFFD") {
        CHECK(to_json(make_message("a/\xff", "x")) ==
              "{\"topic\":\"a/\xEF\xBF\xBD\",\"payload\":\"x\",\"encoding\":\"utf8\",\"qos\":0,"
              "\"retain\":false}");
    }
    SUBCASE("append_json appends") {
        std::string out = "previous\n";
        mqtk::append_json(make_message("t", "x"), out);
        CHECK(out.rfind("previous\n{\"topic\":\"t\"", 0) == 0);
    }
}

TEST_CASE("strings are written exactly as nlohmann's serializer writes them") {
    // The writer copies strings that need no escaping as they stand; this pins that shortcut
    // to the serializer's own output for every byte value, alone and among others.
    const auto serialized = [](const std::string& text) {
        return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    };
    for (int value = 0; value < 256; ++value) {
        const std::string topic = "t/" + std::string(1, static_cast<char>(value)) + "/é";
        const std::string payload = std::string(1, static_cast<char>(value)) + "x\x7f€";
        CAPTURE(value);
        const std::string line = to_json(make_message(topic, payload));
        CHECK(line.rfind("{\"topic\":" + serialized(topic) + ",\"payload\":", 0) == 0);
        if (value != 0 && value < 0x80) {
            CHECK(line.find(",\"payload\":" + serialized(payload) + ",\"encoding\":\"utf8\"") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("pretty output indents by two spaces, same keys in the same order") {
    Message message = make_message("t", "x");
    message.qos = 2;
    message.message_id = 1;
    message.properties = {user_property("k", "v"),
                          number_property(PropertyId::MessageExpiryInterval, 5)};
    CHECK(to_json(message, true) == R"({
  "topic": "t",
  "payload": "x",
  "encoding": "utf8",
  "qos": 2,
  "retain": false,
  "mid": 1,
  "properties": {
    "message-expiry-interval": 5,
    "user-property": [
      [
        "k",
        "v"
      ]
    ]
  }
})");
    // Not line-based, but still one document the reader accepts whole.
    CHECK(mqtk::parse_json_line(to_json(message, true)).properties.size() == 2);
}

TEST_CASE("append_json and parse_json_record round-trip") {
    SUBCASE("text") {
        check_round_trip(make_message("sensors/kitchen/t", "21.5 °C"));
    }
    SUBCASE("empty payload") {
        check_round_trip(make_message("a", ""));
    }
    SUBCASE("binary payload") {
        check_round_trip(make_message("bin", std::string("\x89PNG\r\n\x1a\n\x00\x00", 10)));
    }
    SUBCASE("all 256 byte values") {
        check_round_trip(make_message("bytes", all_byte_values()));
    }
    SUBCASE("text that JSON must escape") {
        check_round_trip(make_message("t", "\"\\/\b\f\n\r\t\x1f\x7f"));
    }
    SUBCASE("qos and retain") {
        for (int qos = 0; qos <= 2; ++qos) {
            Message message = make_message("t", "x");
            message.qos = qos;
            message.retain = qos != 1;
            message.message_id = qos;
            check_round_trip(message);
        }
    }
    SUBCASE("every publish property type, repeated user properties, binary correlation data") {
        Message message = make_message("rpc/request", "{}");
        message.properties = publish_properties();
        check_round_trip(message);
    }
    SUBCASE("random payloads") {
        std::mt19937 random(42);  // fixed seed: the same cases every run
        std::uniform_int_distribution<int> length(0, 300);
        std::uniform_int_distribution<int> byte(0, 255);
        std::uniform_int_distribution<int> ascii(0x20, 0x7e);
        for (int i = 0; i < 500; ++i) {
            Message message = make_message("r/" + std::to_string(i), "");
            const bool text = i % 2 == 0;
            for (int n = length(random); n > 0; --n) {
                message.payload += static_cast<char>(text ? ascii(random) : byte(random));
            }
            check_round_trip(message);
        }
    }
}

TEST_CASE("parse_json_record: absent fields and what is ignored") {
    SUBCASE("only a topic: empty payload, qos and retain left to the publisher") {
        const auto record = mqtk::parse_json_record(R"({"topic":"t"})");
        CHECK(record.message.topic == "t");
        CHECK(record.message.payload.empty());
        CHECK_FALSE(record.has_qos);
        CHECK_FALSE(record.has_retain);
        CHECK(record.message.qos == 0);
        CHECK_FALSE(record.message.retain);
        CHECK(record.message.properties.empty());
    }
    SUBCASE("keys in any order; encoding may follow the payload") {
        const auto message =
            mqtk::parse_json_line(R"({"payload":"AP8=","qos":1,"encoding":"base64","topic":"t"})");
        CHECK(message.payload == std::string("\x00\xff", 2));
        CHECK(message.qos == 1);
    }
    SUBCASE("mid and received are read past") {
        const auto message = mqtk::parse_json_line(
            R"({"topic":"t","mid":9,"received":"2024-05-01T12:34:56.123456Z"})");
        CHECK(message.message_id == 0);
        CHECK(message.received_at == std::chrono::system_clock::time_point{});
    }
    SUBCASE("subscription-identifier and topic-alias from a capture are skipped") {
        const auto message = mqtk::parse_json_line(
            R"({"topic":"t","properties":{"subscription-identifier":[1,2],"topic-alias":3,)"
            R"("content-type":"x"}})");
        REQUIRE(message.properties.size() == 1);
        CHECK(message.properties[0] == text_property(PropertyId::ContentType, "x"));
    }
    SUBCASE("properties keep the order of the line") {
        const auto message = mqtk::parse_json_line(
            R"({"topic":"t","properties":{"user-property":[["b","2"],["a","1"]],)"
            R"("message-expiry-interval":0}})");
        CHECK(message.properties ==
              mqtk::Properties{user_property("b", "2"), user_property("a", "1"),
                               number_property(PropertyId::MessageExpiryInterval, 0)});
    }
    SUBCASE("a utf8 payload written by hand may hold U+0000 and escapes") {
        CHECK(mqtk::parse_json_line(R"({"topic":"t","payload":"a\u0000b\u00e9"})").payload ==
              std::string("a\0b\xc3\xa9", 5));
    }
    SUBCASE("a CRLF line end is whitespace") {
        CHECK(mqtk::parse_json_line("{\"topic\":\"t\"}\r").topic == "t");
    }
}

namespace {

struct BadLine {
    std::string_view line;
    std::string_view error;
};

constexpr BadLine kBadLines[] = {
    {"",
     "not valid JSON at byte 1: syntax error while parsing value - unexpected "
     "end of input; expected '[', '{', or a literal"},
    {"not json",
     "not valid JSON at byte 2: syntax error while parsing value - invalid "
     "literal; last read: 'no'"},
    {R"({"topic":"t"} {"topic":"u"})",
     "not valid JSON at byte 15: syntax error while parsing value - unexpected '{'; "
     "expected end of input"},
    {"{\"topic\":\"\xff\"}",
     "not valid JSON at byte 11: syntax error while parsing value - invalid string: "
     "ill-formed UTF-8 byte"},
    {R"(["topic","t"])", "not a JSON object"},
    {R"({"payload":"x"})", R"(no "topic" string)"},
    {R"({"topic":5})", R"(no "topic" string)"},
    {R"({"topic":null})", R"(no "topic" string)"},
    {R"({"topic":"a/+"})", "invalid topic 'a/+': wildcards are not allowed in a publish topic"},
    {R"({"topic":""})", "invalid topic '': it is empty"},
    {R"({"topic":"a\u0000b"})", R"(invalid topic 'a\x00b': it contains a NUL character)"},
    {R"({"topic":"t","qos":3})", R"("qos" must be 0, 1 or 2, not 3)"},
    {R"({"topic":"t","qos":-1})", R"("qos" must be 0, 1 or 2, not -1)"},
    {R"({"topic":"t","qos":1.0})", R"("qos" must be 0, 1 or 2, not 1.0)"},
    {R"({"topic":"t","qos":"1"})", R"("qos" must be 0, 1 or 2, not "1")"},
    {R"({"topic":"t","retain":1})", R"("retain" must be true or false, not 1)"},
    {R"({"topic":"t","payload":null})", R"("payload" must be a string, not null)"},
    {R"({"topic":"t","payload":[1]})", R"("payload" must be a string, not an array)"},
    {R"({"topic":"t","payload":"@@@@","encoding":"base64"})", R"("payload" is not valid base64)"},
    {R"({"topic":"t","payload":"Zg","encoding":"base64"})", R"("payload" is not valid base64)"},
    {R"({"topic":"t","encoding":"hex"})", R"("encoding" must be "utf8" or "base64", not "hex")"},
    {R"({"topic":"t","encoding":"UTF-8"})",
     R"("encoding" must be "utf8" or "base64", not "UTF-8")"},
    {R"({"topic":"t","encoding":"ééééééééééééééééééééééééééééé"})",
     R"("encoding" must be "utf8" or "base64", not "ééééééééééééééééééé...)"},
    {R"({"topic":"t","retian":true})", R"(unknown key "retian")"},
    {R"({"topic":"t","properties":[]})", R"("properties" must be an object, not an array)"},
    {R"({"topic":"t","properties":{"colour":"red"}})", R"(unknown property "colour")"},
    {R"({"topic":"t","properties":{"session-expiry-interval":5}})",
     "property session-expiry-interval is not allowed in publish"},
    {R"({"topic":"t","properties":{"message-expiry-interval":"60"}})",
     R"(property message-expiry-interval must be a whole number, not "60")"},
    {R"({"topic":"t","properties":{"message-expiry-interval":-1}})",
     "property message-expiry-interval must be a whole number, not -1"},
    {R"({"topic":"t","properties":{"message-expiry-interval":4294967296}})",
     "invalid value '4294967296' for property message-expiry-interval: expected "
     "0..4294967295"},
    {R"({"topic":"t","properties":{"payload-format-indicator":256}})",
     "invalid value '256' for property payload-format-indicator: expected 0..255"},
    {R"({"topic":"t","properties":{"content-type":1}})",
     "property content-type must be a string, not 1"},
    {R"({"topic":"t","properties":{"content-type":"a\u0000b"}})",
     "property content-type is not valid UTF-8"},
    {R"({"topic":"t","properties":{"correlation-data":5}})",
     "property correlation-data must be a string, not 5"},
    {R"({"topic":"t","properties":{"correlation-data":"not base64"}})",
     "property correlation-data is not valid base64"},
    {R"({"topic":"t","properties":{"user-property":[["a"]]}})",
     "property user-property must be an array of [name, value] string pairs"},
    {R"({"topic":"t","properties":{"user-property":{"a":"b"}}})",
     "property user-property must be an array of [name, value] string pairs"},
    {R"({"topic":"t","properties":{"user-property":[["a",1]]}})",
     "property user-property must be an array of [name, value] string pairs"},
};

}  // namespace

TEST_CASE("parse_json_record refuses bad lines with a one-line reason") {
    for (const auto& bad : kBadLines) {
        CAPTURE(bad.line);
        try {
            (void)mqtk::parse_json_record(bad.line);
            FAIL("accepted");
        } catch (const mqtk::Error& error) {
            CHECK(error.code() == mqtk::ExitCode::Usage);
            CHECK(std::string_view(error.what()) == bad.error);
        }
    }
}

// Found by fuzz/jsonl_fuzz: nlohmann reports a number beyond a double's range with
// out_of_range, not parse_error, and it escaped as an untyped exception (pub --jsonl then
// exited 1 without naming the line). The first line is the fuzzer's input as it was.
TEST_CASE("parse_json_record: a number beyond a double's range is a usage error") {
    const BadLine lines[] = {
        {"18446474009e51616", "number overflow parsing '18446474009e51616'"},
        {R"({"topic":"t","qos":1e400})", "number overflow parsing '1e400'"},
        {R"({"topic":"t","mid":-2e308})", "number overflow parsing '-2e308'"},
    };
    for (const auto& bad : lines) {
        CAPTURE(bad.line);
        try {
            (void)mqtk::parse_json_record(bad.line);
            FAIL("accepted");
        } catch (const mqtk::Error& error) {
            CHECK(error.code() == mqtk::ExitCode::Usage);
            CHECK(std::string_view(error.what()) == bad.error);
        }
    }
}
