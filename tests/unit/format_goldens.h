// The -F goldens: what the real mosquitto_sub 2.0.11 printed for a few messages under each
// output mode and -F template, byte for byte. Shared by the unit test (tests/unit/format_test.cpp,
// every row) and the fuzz target fuzz/format_fuzz.cpp (templates made of several rows).
//
// How the goldens were produced (Debian 12: mosquitto 2.0.11-1.2+deb12u2, libcjson1
// 1.7.15-1+deb12u4, faketime 0.9.10), with a capture script kept out of the repository:
//   1. A private broker, `mosquitto -c conf` with the conf lines `listener 18837 127.0.0.1`,
//      `allow_anonymous true`, `user root`, `persistence false`; stopped by its PID after.
//   2. Per message, one `mosquitto_sub -p 18837 -V 5 -C 1 -W 6 -t 'g/#' VARIANT` per row
//      (VARIANT is -v, -N, --pretty, -F FORMAT as the row's options say), all started
//      together under `faketime -f '2021-03-04 05:06:07.123456789'` with TZ=UTC, then one
//      `mosquitto_pub -p 18837 -V 5 -t TOPIC -q QOS -s < PAYLOAD` with:
//        props    g/a, "hello", -q 1, subscriber -q 2 -D subscribe subscription-identifier 7,
//                 -D publish user-property k1 v1 -D publish content-type text/plain
//                 -D publish response-topic resp/t -D publish correlation-data corr123
//                 -D publish message-expiry-interval 3600
//                 -D publish payload-format-indicator 1 -D publish user-property k2 v2
//        props2   g/b, {"x":[1,2]}, -q 1, subscriber -q 1,
//                 -D publish user-property 'a"b' 'c d/é' -D publish payload-format-indicator 0
//                 -D publish user-property dup 1 -D publish content-type 'ct"\/'
//                 -D publish correlation-data $'\x01\x02é'
//                 -D publish message-expiry-interval 4294967295
//                 -D publish response-topic r/é -D publish user-property dup 2
//        plain    g/plain/topic, "hello world"     bin    g/bin, kBinaryPayload
//        empty    g/e, -n                           qos2   g/q2, "x", -q 2, subscriber -q 2
//        retained g/r, "kept", published with -r before the subscribers started
//        tz       g/tz, "t", subscribers under TZ=ABC+03:30
//        jsonN    g/json, kJsonPayloads[N]
//      Each subscriber's stdout was stored raw and written below as a C string (octal
//      escapes for everything but printable ASCII).
//   3. faketime froze the clock: libfaketime rounds the fraction to .123456788 and reads
//      the time as local time, hence the two received_at values in message_named().
//   4. Rejected formats: `mosquitto_sub -F FORMAT` exits 1 before connecting; its message
//      is quoted beside each row of
//      kRejectedFormats (tests/unit/format_test.cpp).
//   To reproduce one row (here props with -F '[%-10.2t]'; broker as in 1.), run
//     TZ=UTC faketime -f '2021-03-04 05:06:07.123456789' mosquitto_sub -p 18837 -V 5 -C 1
//         -q 2 -D subscribe subscription-identifier 7 -t 'g/#' -F '[%-10.2t]' | od -c &
//   (one line), wait a second, then the props mosquitto_pub above.
// The broker sends a message's properties in this order: subscription-identifier, user
// properties, content-type, response-topic, correlation-data, payload-format-indicator,
// message-expiry-interval; message_named() builds them so.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/message.h"
#include "core/properties.h"

namespace mqtk::format_goldens {

using namespace std::string_view_literals;

inline constexpr auto kBinaryPayload = "a\000b\377\012\"\\\001\177\011\010\014\033/"sv;

// clang-format off
inline constexpr std::string_view kJsonPayloads[] = {
    "{\"a\":1,\"b\":[1,2.5,-0,1e15,123456789012345678,1e400,0.1,-12.5,1E2,01,1.5e3],\"c\":{},\"d\":[],\"e\":null,\"f\":true,\"g\":false,\"h\":{\"i\":{\"j\":[{},[]]}}}"sv,  // json0
    " \011\015\012 [1, 2 ,\012\"x\"]  \012"sv,  // json1
    "\"str\\u00e9\\n\\/\\\"\\\\\\b\\f\\r\\t\\u001f\\u007f\""sv,  // json2
    "42"sv,  // json3
    "null"sv,  // json4
    "{\"a\":}"sv,  // json5
    "{\"a\":1} x"sv,  // json6
    "\357\273\277{\"bom\":1}"sv,  // json7
    "{\"s\":\"\\ud83d\\ude00\"}"sv,  // json8
    "\"\\u0000abc\""sv,  // json9
    "\"ab\\uzzzzcd\""sv,  // json10
    "10000000000000000000000000000000000000000000000000000000000000000000000"sv,  // json11
    "\001{}\002"sv,  // json12
    "\"raw\001\037\303\251\377\""sv,  // json13
    "{\"k\\n\":\"v\",\"k\\n\":[true,false,null]}"sv,  // json14
    "[1,]"sv,  // json15
    "\"\\x\""sv,  // json16
    "\"\\ud800\""sv,  // json17
    "-"sv,  // json18
    "1e"sv,  // json19
    "{\"a\":1,}"sv,  // json20
    "[]"sv,  // json21
    "{}"sv,  // json22
    "0.30000000000000004"sv,  // json23
    "1.7976931348623157e308"sv,  // json24
    "5e-324"sv,  // json25
    "-1.5E-7"sv,  // json26
    "[[[[1]]],{\"x\":[{\"y\":{}}]}]"sv,  // json27
};
// clang-format on

using mqtk::Message;
using mqtk::Property;
using mqtk::PropertyId;

inline std::chrono::system_clock::time_point at(std::int64_t seconds, std::int64_t nanoseconds) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanoseconds)));
}

inline Property number_property(PropertyId id, std::uint32_t number) {
    Property property;
    property.id = id;
    property.number = number;
    return property;
}

inline Property text_property(PropertyId id, std::string text, std::string value = {}) {
    Property property;
    property.id = id;
    property.text = std::move(text);
    property.value = std::move(value);
    return property;
}

inline Message make(std::string topic, std::string_view payload, int qos = 0) {
    Message message;
    message.topic = std::move(topic);
    message.payload = std::string(payload);
    message.qos = qos;
    message.message_id = qos > 0 ? 1 : 0;
    message.received_at = at(1614834367, 123456788);  // 2021-03-04T05:06:07.123456788Z
    return message;
}

// The message each golden row was captured with (see the top of the file).
inline Message message_named(std::string_view name) {
    using P = PropertyId;
    if (name == "props") {
        auto message = make("g/a", "hello", 1);
        message.properties = {number_property(P::SubscriptionIdentifier, 7),
                              text_property(P::UserProperty, "k1", "v1"),
                              text_property(P::UserProperty, "k2", "v2"),
                              text_property(P::ContentType, "text/plain"),
                              text_property(P::ResponseTopic, "resp/t"),
                              text_property(P::CorrelationData, "corr123"),
                              number_property(P::PayloadFormatIndicator, 1),
                              number_property(P::MessageExpiryInterval, 3600)};
        return message;
    }
    if (name == "props2") {
        // User properties interleaved on purpose: mosquitto groups them all under the first.
        auto message = make("g/b", R"({"x":[1,2]})", 1);
        message.properties = {text_property(P::UserProperty, "a\"b", "c d/\303\251"),
                              text_property(P::UserProperty, "dup", "1"),
                              number_property(P::PayloadFormatIndicator, 0),
                              text_property(P::ContentType, "ct\"\\/"),
                              text_property(P::UserProperty, "dup", "2"),
                              text_property(P::CorrelationData, "\001\002\303\251"),
                              text_property(P::ResponseTopic, "r/\303\251"),
                              number_property(P::MessageExpiryInterval, 4294967295u)};
        return message;
    }
    if (name == "plain") return make("g/plain/topic", "hello world");
    if (name == "bin") return make("g/bin", kBinaryPayload);
    if (name == "empty") return make("g/e", "");
    if (name == "qos2") return make("g/q2", "x", 2);
    if (name == "retained") {
        auto message = make("g/r", "kept");
        message.retain = true;
        return message;
    }
    if (name == "tz") {
        auto message = make("g/tz", "t");
        message.received_at = at(1614846967, 123456788);  // 05:06:07 at UTC-03:30
        return message;
    }
    // "jsonN": the Nth of kJsonPayloads.
    const auto index = static_cast<std::size_t>(std::stoi(std::string(name.substr(4))));
    return make("g/json", kJsonPayloads[index]);
}

struct Golden {
    std::string_view message;
    std::string_view flags;
    std::string_view format;  // -F
    std::string_view expected;
};

// Rows: message, mosquitto_sub's flags besides -F, -F, what mosquitto_sub printed.
// clang-format off
inline const std::vector<Golden>& goldens() {
    static const std::vector<Golden> table = {
        {"props", "", "", "hello\012"sv},
        {"props", "-v", "", "g/a hello\012"sv},
        {"props", "-N", "", "hello"sv},
        {"props", "-v -N", "", "g/a hello"sv},
        {"props", "-v", "%t", "g/a\012"sv},
        {"props", "-N", "%t", "g/a"sv},
        {"props", "-v -N", "%p", "hello"sv},
        {"props", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/a\",\012\011\"qos\":\0111,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0115,\012\011\"mid\":\0111,\012\011\"properties\":\011{\012\011\011\"subscription-identifier\":\0117,\012\011\011\"user-properties\":\011{\012\011\011\011\"k1\":\011\"v1\",\012\011\011\011\"k2\":\011\"v2\"\012\011\011},\012\011\011\"content-type\":\011\"text/plain\",\012\011\011\"response-topic\":\011\"resp/t\",\012\011\011\"correlation-data\":\011\"corr123\",\012\011\011\"payload-format-indicator\":\0111,\012\011\011\"message-expiry-interval\":\0113600\012\011},\012\011\"payload\":\011\"hello\"\012}\012"sv},
        {"props", "--pretty", "%J", "\012"sv},
        {"props", "", "%j%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/a\",\"qos\":1,\"retain\":0,\"payloadlen\":5,\"mid\":1,\"properties\":{\"subscription-identifier\":7,\"user-properties\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"content-type\":\"text/plain\",\"response-topic\":\"resp/t\",\"correlation-data\":\"corr123\",\"payload-format-indicator\":1,\"message-expiry-interval\":3600},\"payload\":\"hello\"}{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/a\",\"qos\":1,\"retain\":0,\"payloadlen\":5,\"mid\":1,\"properties\":{\"subscription-identifier\":7,\"user-properties\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"content-type\":\"text/plain\",\"response-topic\":\"resp/t\",\"correlation-data\":\"corr123\",\"payload-format-indicator\":1,\"message-expiry-interval\":3600},\"payload\":\"hello\"}\012"sv},
        {"props", "", "%%", "%\012"sv},
        {"props", "", "%t", "g/a\012"sv},
        {"props", "", "%p", "hello\012"sv},
        {"props", "", "%q", "1\012"sv},
        {"props", "", "%r", "0\012"sv},
        {"props", "", "%l", "5\012"sv},
        {"props", "", "%m", "1\012"sv},
        {"props", "", "%x", "68656c6c6f\012"sv},
        {"props", "", "%X", "68656C6C6F\012"sv},
        {"props", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/a\",\"qos\":1,\"retain\":0,\"payloadlen\":5,\"mid\":1,\"properties\":{\"subscription-identifier\":7,\"user-properties\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"content-type\":\"text/plain\",\"response-topic\":\"resp/t\",\"correlation-data\":\"corr123\",\"payload-format-indicator\":1,\"message-expiry-interval\":3600},\"payload\":\"hello\"}\012"sv},
        {"props", "", "%J", "\012"sv},
        {"props", "", "%I", "2021-03-04T05:06:07+0000\012"sv},
        {"props", "", "%U", "1614834367.123456788\012"sv},
        {"props", "", "%A", "\012"sv},
        {"props", "", "%C", "text/plain\012"sv},
        {"props", "", "%D", "corr123\012"sv},
        {"props", "", "%E", "3600\012"sv},
        {"props", "", "%F", "1\012"sv},
        {"props", "", "%P", "k1:v1 k2:v2\012"sv},
        {"props", "", "%R", "resp/t\012"sv},
        {"props", "", "%S", "7\012"sv},
        {"props", "", "[%10t]", "[       g/a]\012"sv},
        {"props", "", "[%-10t]", "[g/a       ]\012"sv},
        {"props", "", "[%010t]", "[       g/a]\012"sv},
        {"props", "", "[%.2t]", "[g/]\012"sv},
        {"props", "", "[%10.2t]", "[        g/]\012"sv},
        {"props", "", "[%-10.2t]", "[g/        ]\012"sv},
        {"props", "", "[%2t]", "[g/a]\012"sv},
        {"props", "", "[%.0t]", "[]\012"sv},
        {"props", "", "[%.t]", "[]\012"sv},
        {"props", "", "[%-.2t]", "[g/]\012"sv},
        {"props", "", "[%-0t]", "[g/a]\012"sv},
        {"props", "", "[%-010.1t]", "[g         ]\012"sv},
        {"props", "", "[%0.2t]", "[g/]\012"sv},
        {"props", "", "[%10p]", "[     hello]\012"sv},
        {"props", "", "[%-10p]", "[hello     ]\012"sv},
        {"props", "", "[%010p]", "[00000hello]\012"sv},
        {"props", "", "[%3p]", "[hel]\012"sv},
        {"props", "", "[%-3p]", "[hel]\012"sv},
        {"props", "", "[%-p]", "[hello     ]\012"sv},
        {"props", "", "[%.2p]", "[hello]\012"sv},
        {"props", "", "[%-0p]", "[hello     ]\012"sv},
        {"props", "", "[%-05p]", "[hello]\012"sv},
        {"props", "", "[%5.1p]", "[hello]\012"sv},
        {"props", "", "[%0p]", "[hello]\012"sv},
        {"props", "", "[%00p]", "[hello]\012"sv},
        {"props", "", "[%x]", "[68656c6c6f]\012"sv},
        {"props", "", "[%10x]", "[      6865]\012"sv},
        {"props", "", "[%-10x]", "[6865      ]\012"sv},
        {"props", "", "[%010X]", "[0000006865]\012"sv},
        {"props", "", "[%3x]", "[ 68]\012"sv},
        {"props", "", "[%-x]", "[68656c6c6f     ]\012"sv},
        {"props", "", "[%-X]", "[68656C6C6F     ]\012"sv},
        {"props", "", "[%4x]", "[6865]\012"sv},
        {"props", "", "[%5X]", "[ 6865]\012"sv},
        {"props", "", "[%-5x]", "[6865 ]\012"sv},
        {"props", "", "[%0x]", "[68656c6c6f]\012"sv},
        {"props", "", "[%5l]", "[    5]\012"sv},
        {"props", "", "[%-5l]", "[5    ]\012"sv},
        {"props", "", "[%05l]", "[00005]\012"sv},
        {"props", "", "[%-05l]", "[5    ]\012"sv},
        {"props", "", "[%5m]", "[    1]\012"sv},
        {"props", "", "[%05m]", "[00001]\012"sv},
        {"props", "", "[%.3l]", "[5]\012"sv},
        {"props", "", "[%5q]", "[1]\012"sv},
        {"props", "", "[%5r]", "[0]\012"sv},
        {"props", "", "[%-5q]", "[1]\012"sv},
        {"props", "", "[%05r]", "[0]\012"sv},
        {"props", "", "[%1l]", "[5]\012"sv},
        {"props", "", "[%0l]", "[5]\012"sv},
        {"props", "", "[%5E]", "[ 3600]\012"sv},
        {"props", "", "[%05E]", "[03600]\012"sv},
        {"props", "", "[%-5E]", "[3600 ]\012"sv},
        {"props", "", "[%5F]", "[    1]\012"sv},
        {"props", "", "[%05F]", "[00001]\012"sv},
        {"props", "", "[%05S]", "[00007]\012"sv},
        {"props", "", "[%-5S]", "[7    ]\012"sv},
        {"props", "", "[%5A]", "[     ]\012"sv},
        {"props", "", "[%05A]", "[00000]\012"sv},
        {"props", "", "[%-05A]", "[00000]\012"sv},
        {"props", "", "[%-5A]", "[     ]\012"sv},
        {"props", "", "[%-05E]", "[3600 ]\012"sv},
        {"props", "", "[%-05F]", "[1    ]\012"sv},
        {"props", "", "[%-05S]", "[7    ]\012"sv},
        {"props", "", "[%.2E]", "[3600]\012"sv},
        {"props", "", "[%10C]", "[text/plain]\012"sv},
        {"props", "", "[%-10C]", "[text/plain]\012"sv},
        {"props", "", "[%.3C]", "[tex]\012"sv},
        {"props", "", "[%10.3C]", "[       tex]\012"sv},
        {"props", "", "[%-10.3C]", "[tex       ]\012"sv},
        {"props", "", "[%010C]", "[text/plain]\012"sv},
        {"props", "", "[%3C]", "[text/plain]\012"sv},
        {"props", "", "[%10R]", "[    resp/t]\012"sv},
        {"props", "", "[%.3R]", "[res]\012"sv},
        {"props", "", "[%-10R]", "[resp/t    ]\012"sv},
        {"props", "", "[%10D]", "[corr123]\012"sv},
        {"props", "", "[%.2D]", "[corr123]\012"sv},
        {"props", "", "[%10P]", "[k1:v1 k2:v2]\012"sv},
        {"props", "", "[%-10P]", "[k1:v1 k2:v2]\012"sv},
        {"props", "", "[%30I]", "[      2021-03-04T05:06:07+0000]\012"sv},
        {"props", "", "[%-30I]", "[2021-03-04T05:06:07+0000      ]\012"sv},
        {"props", "", "[%.10I]", "[2021-03-04]\012"sv},
        {"props", "", "[%10.4I]", "[      2021]\012"sv},
        {"props", "", "[%030I]", "[      2021-03-04T05:06:07+0000]\012"sv},
        {"props", "", "[%30U]", "[1614834367.123456788]\012"sv},
        {"props", "", "[%-30U]", "[1614834367.123456788]\012"sv},
        {"props", "", "[%5%]", "[%]\012"sv},
        {"props", "", "[%-%]", "[%]\012"sv},
        {"props", "", "[%05%]", "[%]\012"sv},
        {"props", "", "[%10j]", "[{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/a\",\"qos\":1,\"retain\":0,\"payloadlen\":5,\"mid\":1,\"properties\":{\"subscription-identifier\":7,\"user-properties\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"content-type\":\"text/plain\",\"response-topic\":\"resp/t\",\"correlation-data\":\"corr123\",\"payload-format-indicator\":1,\"message-expiry-interval\":3600},\"payload\":\"hello\"}]\012"sv},
        {"props", "", "[%.3q]", "[1]\012"sv},
        {"props", "", "@Y-@m-@d @H:@M:@S.@N @@ @z @Z @s", "2021-03-04 05:06:07.123456788 @ +0000 UTC 1614834367\012"sv},
        {"props", "", "@a|@A|@b|@B|@c|@C|@d|@D|@e|@F|@g|@G|@h|@H|@I|@j|@k|@l|@m|@M|@n|@p|@P|@r|@R|@S|@t|@T|@u|@U|@V|@w|@W|@x|@X|@y|@Y|@+|@%", "Thu|Thursday|Mar|March|Thu Mar  4 05:06:07 2021|20|04|03/04/21| 4|2021-03-04|21|2021|Mar|05|05|063| 5| 5|03|06|\012|AM|am|05:06:07 AM|05:06|07|\011|05:06:07|4|09|09|4|09|03/04/21|05:06:07|21|2021|%+|%\012"sv},
        {"props", "", "@E|@O|@q|@i|@J|@L|@f|@v|@Q|@K|@1|@ |@-|@_|@#|@^|@0|@.", "%E|%O|%q|%i|%J|%L|%f|%v|%Q|%K|%1|% |%-|%_|%#|%^|%0|%.\012"sv},
        {"props", "", "@Ey|@Od|@EY", "%Ey|%Od|%EY\012"sv},
        {"props", "", "x@Ny@N", "x123456788y123456788\012"sv},
        {"props", "", "a\\\\b\\0c\\ad\\ee\\nf\\rg\\th\\vi", "a\\b\000c\007d\033e\012f\015g\011h\013i\012"sv},
        {"props", "", "%t\\n%p\\n", "g/a\012hello\012\012"sv},
        {"props", "", "100%% \\\\ plain text", "100% \\ plain text\012"sv},
        {"props", "", "%%t @@Y", "%t @Y\012"sv},
        {"props", "", "%t %p %q %r %l %m", "g/a hello 1 0 5 1\012"sv},
        {"props", "", "%P|%C|%R|%D|%E|%F|%S|%A", "k1:v1 k2:v2|text/plain|resp/t|corr123|3600|1|7|\012"sv},
        {"props", "", "%j|%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/a\",\"qos\":1,\"retain\":0,\"payloadlen\":5,\"mid\":1,\"properties\":{\"subscription-identifier\":7,\"user-properties\":{\"k1\":\"v1\",\"k2\":\"v2\"},\"content-type\":\"text/plain\",\"response-topic\":\"resp/t\",\"correlation-data\":\"corr123\",\"payload-format-indicator\":1,\"message-expiry-interval\":3600},\"payload\":\"hello\"}|\012"sv},
        {"props", "", "%I %U", "2021-03-04T05:06:07+0000 1614834367.123456788\012"sv},
        {"plain", "", "", "hello world\012"sv},
        {"plain", "-v", "", "g/plain/topic hello world\012"sv},
        {"plain", "-N", "", "hello world"sv},
        {"plain", "-v -N", "", "g/plain/topic hello world"sv},
        {"plain", "-v", "%t", "g/plain/topic\012"sv},
        {"plain", "-N", "%t", "g/plain/topic"sv},
        {"plain", "-v -N", "%p", "hello world"sv},
        {"plain", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/plain/topic\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01111,\012\011\"payload\":\011\"hello world\"\012}\012"sv},
        {"plain", "--pretty", "%J", "\012"sv},
        {"plain", "", "%j%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/plain/topic\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":\"hello world\"}{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/plain/topic\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":\"hello world\"}\012"sv},
        {"plain", "", "%%", "%\012"sv},
        {"plain", "", "%t", "g/plain/topic\012"sv},
        {"plain", "", "%p", "hello world\012"sv},
        {"plain", "", "%q", "0\012"sv},
        {"plain", "", "%r", "0\012"sv},
        {"plain", "", "%l", "11\012"sv},
        {"plain", "", "%m", "0\012"sv},
        {"plain", "", "%x", "68656c6c6f20776f726c64\012"sv},
        {"plain", "", "%X", "68656C6C6F20776F726C64\012"sv},
        {"plain", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/plain/topic\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":\"hello world\"}\012"sv},
        {"plain", "", "%J", "\012"sv},
        {"plain", "", "%I", "2021-03-04T05:06:07+0000\012"sv},
        {"plain", "", "%U", "1614834367.123456788\012"sv},
        {"plain", "", "%A", "\012"sv},
        {"plain", "", "%C", "\012"sv},
        {"plain", "", "%D", "\012"sv},
        {"plain", "", "%E", "\012"sv},
        {"plain", "", "%F", "\012"sv},
        {"plain", "", "%P", "\012"sv},
        {"plain", "", "%R", "\012"sv},
        {"plain", "", "%S", "\012"sv},
        {"plain", "", "[%5E]", "[     ]\012"sv},
        {"plain", "", "[%05E]", "[00000]\012"sv},
        {"plain", "", "[%-5E]", "[     ]\012"sv},
        {"plain", "", "[%-05E]", "[00000]\012"sv},
        {"plain", "", "[%5F]", "[     ]\012"sv},
        {"plain", "", "[%05F]", "[00000]\012"sv},
        {"plain", "", "[%-05F]", "[00000]\012"sv},
        {"plain", "", "[%05S]", "[00000]\012"sv},
        {"plain", "", "[%-5S]", "[     ]\012"sv},
        {"plain", "", "[%5A]", "[     ]\012"sv},
        {"plain", "", "[%05A]", "[00000]\012"sv},
        {"plain", "", "[%-05A]", "[00000]\012"sv},
        {"plain", "", "[%10C]", "[          ]\012"sv},
        {"plain", "", "[%010C]", "[          ]\012"sv},
        {"plain", "", "[%-10C]", "[          ]\012"sv},
        {"plain", "", "[%10R]", "[]\012"sv},
        {"plain", "", "[%-10R]", "[]\012"sv},
        {"plain", "", "[%10D]", "[]\012"sv},
        {"plain", "", "[%10P]", "[]\012"sv},
        {"plain", "", "[%.2C]", "[]\012"sv},
        {"bin", "", "", "a\000b\377\012\"\\\001\177\011\010\014\033/\012"sv},
        {"bin", "-v", "", "g/bin a\000b\377\012\"\\\001\177\011\010\014\033/\012"sv},
        {"bin", "-N", "", "a\000b\377\012\"\\\001\177\011\010\014\033/"sv},
        {"bin", "-v -N", "", "g/bin a\000b\377\012\"\\\001\177\011\010\014\033/"sv},
        {"bin", "-v", "%t", "g/bin\012"sv},
        {"bin", "-N", "%t", "g/bin"sv},
        {"bin", "-v -N", "%p", "a\000b\377\012\"\\\001\177\011\010\014\033/"sv},
        {"bin", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/bin\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01114,\012\011\"payload\":\011\"a\"\012}\012"sv},
        {"bin", "--pretty", "%J", "\012"sv},
        {"bin", "", "%j%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/bin\",\"qos\":0,\"retain\":0,\"payloadlen\":14,\"payload\":\"a\"}{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/bin\",\"qos\":0,\"retain\":0,\"payloadlen\":14,\"payload\":\"a\"}\012"sv},
        {"bin", "", "%p", "a\000b\377\012\"\\\001\177\011\010\014\033/\012"sv},
        {"bin", "", "[%20p]", "[      a\000b\377\012\"\\\001\177\011\010\014\033/]\012"sv},
        {"bin", "", "[%-20p]", "[a\000b\377\012\"\\\001\177\011\010\014\033/      ]\012"sv},
        {"bin", "", "[%3p]", "[a\000b]\012"sv},
        {"bin", "", "%x", "610062ff0a225c017f09080c1b2f\012"sv},
        {"bin", "", "%X", "610062FF0A225C017F09080C1B2F\012"sv},
        {"bin", "", "[%-x]", "[610062ff0a225c017f09080c1b2f              ]\012"sv},
        {"bin", "", "[%40x]", "[                          610062ff0a225c]\012"sv},
        {"bin", "", "[%6X]", "[610062]\012"sv},
        {"bin", "", "%l", "14\012"sv},
        {"bin", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/bin\",\"qos\":0,\"retain\":0,\"payloadlen\":14,\"payload\":\"a\"}\012"sv},
        {"bin", "", "%J", "\012"sv},
        {"bin", "", "%t:%p:%l", "g/bin:a\000b\377\012\"\\\001\177\011\010\014\033/:14\012"sv},
        {"bin", "", "[%-p]", "[a\000b\377\012\"\\\001\177\011\010\014\033/              ]\012"sv},
        {"empty", "", "", ""sv},
        {"empty", "-v", "", "g/e (null)\012"sv},
        {"empty", "-N", "", ""sv},
        {"empty", "-v -N", "", ""sv},
        {"empty", "-v", "%t", "g/e\012"sv},
        {"empty", "-N", "%t", "g/e"sv},
        {"empty", "-v -N", "%p", ""sv},
        {"empty", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/e\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0110,\012\011\"payload\":\011null\012}\012"sv},
        {"empty", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/e\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0110,\012\011\"payload\":\011null\012}\012"sv},
        {"empty", "", "%j%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/e\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/e\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}\012"sv},
        {"empty", "", "%p", "\012"sv},
        {"empty", "", "[%p]", "[]\012"sv},
        {"empty", "", "[%5p]", "[     ]\012"sv},
        {"empty", "", "[%-5p]", "[     ]\012"sv},
        {"empty", "", "[%-p]", "[]\012"sv},
        {"empty", "", "%x", "\012"sv},
        {"empty", "", "[%4x]", "[    ]\012"sv},
        {"empty", "", "[%-4X]", "[    ]\012"sv},
        {"empty", "", "%l", "0\012"sv},
        {"empty", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/e\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}\012"sv},
        {"empty", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/e\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}\012"sv},
        {"empty", "", "[%t]", "[g/e]\012"sv},
        {"empty", "", "%J%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/e\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/e\",\"qos\":0,\"retain\":0,\"payloadlen\":0,\"payload\":null}\012"sv},
        {"retained", "", "", "kept\012"sv},
        {"retained", "-v", "", "g/r kept\012"sv},
        {"retained", "-N", "", "kept"sv},
        {"retained", "-v -N", "", "g/r kept"sv},
        {"retained", "-v", "%t", "g/r\012"sv},
        {"retained", "-N", "%t", "g/r"sv},
        {"retained", "-v -N", "%p", "kept"sv},
        {"retained", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/r\",\012\011\"qos\":\0110,\012\011\"retain\":\0111,\012\011\"payloadlen\":\0114,\012\011\"payload\":\011\"kept\"\012}\012"sv},
        {"retained", "--pretty", "%J", "\012"sv},
        {"retained", "", "%j%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/r\",\"qos\":0,\"retain\":1,\"payloadlen\":4,\"payload\":\"kept\"}{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/r\",\"qos\":0,\"retain\":1,\"payloadlen\":4,\"payload\":\"kept\"}\012"sv},
        {"retained", "", "%r", "1\012"sv},
        {"retained", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/r\",\"qos\":0,\"retain\":1,\"payloadlen\":4,\"payload\":\"kept\"}\012"sv},
        {"retained", "", "%t %r %q %m", "g/r 1 0 0\012"sv},
        {"qos2", "", "", "x\012"sv},
        {"qos2", "-v", "", "g/q2 x\012"sv},
        {"qos2", "-N", "", "x"sv},
        {"qos2", "-v -N", "", "g/q2 x"sv},
        {"qos2", "-v", "%t", "g/q2\012"sv},
        {"qos2", "-N", "%t", "g/q2"sv},
        {"qos2", "-v -N", "%p", "x"sv},
        {"qos2", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/q2\",\012\011\"qos\":\0112,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0111,\012\011\"mid\":\0111,\012\011\"payload\":\011\"x\"\012}\012"sv},
        {"qos2", "--pretty", "%J", "\012"sv},
        {"qos2", "", "%j%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/q2\",\"qos\":2,\"retain\":0,\"payloadlen\":1,\"mid\":1,\"payload\":\"x\"}{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/q2\",\"qos\":2,\"retain\":0,\"payloadlen\":1,\"mid\":1,\"payload\":\"x\"}\012"sv},
        {"qos2", "", "%q %m %r", "2 1 0\012"sv},
        {"qos2", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/q2\",\"qos\":2,\"retain\":0,\"payloadlen\":1,\"mid\":1,\"payload\":\"x\"}\012"sv},
        {"qos2", "", "[%5m]", "[    1]\012"sv},
        {"qos2", "", "[%-5q]", "[2]\012"sv},
        {"tz", "", "%I", "2021-03-04T05:06:07-0330\012"sv},
        {"tz", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z-0330\",\"topic\":\"g/tz\",\"qos\":0,\"retain\":0,\"payloadlen\":1,\"payload\":\"t\"}\012"sv},
        {"tz", "", "@z @Z @H:@M:@S @s", "-0330 ABC 05:06:07 1614846967\012"sv},
        {"tz", "", "%U", "1614846967.123456788\012"sv},
        {"tz", "", "[%-26I]", "[2021-03-04T05:06:07-0330  ]\012"sv},
        {"props2", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/b\",\012\011\"qos\":\0111,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01111,\012\011\"mid\":\0111,\012\011\"properties\":\011{\012\011\011\"user-properties\":\011{\012\011\011\011\"a\\\"b\":\011\"c d/\303\251\",\012\011\011\011\"dup\":\011\"1\",\012\011\011\011\"dup\":\011\"2\"\012\011\011},\012\011\011\"payload-format-indicator\":\0110,\012\011\011\"content-type\":\011\"ct\\\"\\\\/\",\012\011\011\"correlation-data\":\011\"\\u0001\\u0002\303\251\",\012\011\011\"response-topic\":\011\"r/\303\251\",\012\011\011\"message-expiry-interval\":\0114294967295\012\011},\012\011\"payload\":\011{\012\011\011\"x\":\011[1, 2]\012\011}\012}\012"sv},
        {"props2", "", "%P", "a\"b:c d/\303\251 dup:1 dup:2\012"sv},
        {"props2", "", "%C", "ct\"\\/\012"sv},
        {"props2", "", "%D", "\001\002\303\251\012"sv},
        {"props2", "", "%E", "-1\012"sv},
        {"props2", "", "%F", "0\012"sv},
        {"props2", "", "%R", "r/\303\251\012"sv},
        {"props2", "", "%j", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/b\",\"qos\":1,\"retain\":0,\"payloadlen\":11,\"mid\":1,\"properties\":{\"user-properties\":{\"a\\\"b\":\"c d/\303\251\",\"dup\":\"1\",\"dup\":\"2\"},\"payload-format-indicator\":0,\"content-type\":\"ct\\\"\\\\/\",\"correlation-data\":\"\\u0001\\u0002\303\251\",\"response-topic\":\"r/\303\251\",\"message-expiry-interval\":4294967295},\"payload\":\"{\\\"x\\\":[1,2]}\"}\012"sv},
        {"props2", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/b\",\"qos\":1,\"retain\":0,\"payloadlen\":11,\"mid\":1,\"properties\":{\"user-properties\":{\"a\\\"b\":\"c d/\303\251\",\"dup\":\"1\",\"dup\":\"2\"},\"payload-format-indicator\":0,\"content-type\":\"ct\\\"\\\\/\",\"correlation-data\":\"\\u0001\\u0002\303\251\",\"response-topic\":\"r/\303\251\",\"message-expiry-interval\":4294967295},\"payload\":{\"x\":[1,2]}}\012"sv},
        {"props2", "", "[%5E]", "[   -1]\012"sv},
        {"props2", "", "[%05E]", "[-0001]\012"sv},
        {"props2", "", "[%-12E]", "[-1          ]\012"sv},
        {"props2", "", "[%3F]", "[  0]\012"sv},
        {"props2", "", "[%.4C]", "[ct\"\\]\012"sv},
        {"props2", "", "[%8R]", "[    r/\303\251]\012"sv},
        {"json0", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":141,\"payload\":{\"a\":1,\"b\":[1,2.5,-0,1e+15,1.2345678901234568e+17,null,0.1,-12.5,100,1,1500],\"c\":{},\"d\":[],\"e\":null,\"f\":true,\"g\":false,\"h\":{\"i\":{\"j\":[{},[]]}}}}\012"sv},
        {"json0", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\011141,\012\011\"payload\":\011{\012\011\011\"a\":\0111,\012\011\011\"b\":\011[1, 2.5, -0, 1e+15, 1.2345678901234568e+17, null, 0.1, -12.5, 100, 1, 1500],\012\011\011\"c\":\011{\012\011\011},\012\011\011\"d\":\011[],\012\011\011\"e\":\011null,\012\011\011\"f\":\011true,\012\011\011\"g\":\011false,\012\011\011\"h\":\011{\012\011\011\011\"i\":\011{\012\011\011\011\011\"j\":\011[{\012\011\011\011\011\011}, []]\012\011\011\011}\012\011\011}\012\011}\012}\012"sv},
        {"json0", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":141,\"payload\":{\"a\":1,\"b\":[1,2.5,-0,1e+15,1.2345678901234568e+17,null,0.1,-12.5,100,1,1500],\"c\":{},\"d\":[],\"e\":null,\"f\":true,\"g\":false,\"h\":{\"i\":{\"j\":[{},[]]}}}}>141\012"sv},
        {"json0", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\011141,\012\011\"payload\":\011\"{\\\"a\\\":1,\\\"b\\\":[1,2.5,-0,1e15,123456789012345678,1e400,0.1,-12.5,1E2,01,1.5e3],\\\"c\\\":{},\\\"d\\\":[],\\\"e\\\":null,\\\"f\\\":true,\\\"g\\\":false,\\\"h\\\":{\\\"i\\\":{\\\"j\\\":[{},[]]}}}\"\012}\012"sv},
        {"json1", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":20,\"payload\":[1,2,\"x\"]}\012"sv},
        {"json1", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01120,\012\011\"payload\":\011[1, 2, \"x\"]\012}\012"sv},
        {"json1", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":20,\"payload\":[1,2,\"x\"]}>20\012"sv},
        {"json1", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01120,\012\011\"payload\":\011\" \\t\\r\\n [1, 2 ,\\n\\\"x\\\"]  \\n\"\012}\012"sv},
        {"json2", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":39,\"payload\":\"str\303\251\\n/\\\"\\\\\\b\\f\\r\\t\\u001f\177\"}\012"sv},
        {"json2", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01139,\012\011\"payload\":\011\"str\303\251\\n/\\\"\\\\\\b\\f\\r\\t\\u001f\177\"\012}\012"sv},
        {"json2", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":39,\"payload\":\"str\303\251\\n/\\\"\\\\\\b\\f\\r\\t\\u001f\177\"}>39\012"sv},
        {"json2", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01139,\012\011\"payload\":\011\"\\\"str\\\\u00e9\\\\n\\\\/\\\\\\\"\\\\\\\\\\\\b\\\\f\\\\r\\\\t\\\\u001f\\\\u007f\\\"\"\012}\012"sv},
        {"json3", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":42}\012"sv},
        {"json3", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0112,\012\011\"payload\":\01142\012}\012"sv},
        {"json3", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":42}>2\012"sv},
        {"json3", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0112,\012\011\"payload\":\011\"42\"\012}\012"sv},
        {"json4", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":null}\012"sv},
        {"json4", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0114,\012\011\"payload\":\011null\012}\012"sv},
        {"json4", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":null}>4\012"sv},
        {"json4", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0114,\012\011\"payload\":\011\"null\"\012}\012"sv},
        {"json5", "", "%J", "\012"sv},
        {"json5", "--pretty", "%J", "\012"sv},
        {"json5", "", "<%J>%l", "<>6\012"sv},
        {"json5", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0116,\012\011\"payload\":\011\"{\\\"a\\\":}\"\012}\012"sv},
        {"json6", "", "%J", "\012"sv},
        {"json6", "--pretty", "%J", "\012"sv},
        {"json6", "", "<%J>%l", "<>9\012"sv},
        {"json6", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0119,\012\011\"payload\":\011\"{\\\"a\\\":1} x\"\012}\012"sv},
        {"json7", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":12,\"payload\":{\"bom\":1}}\012"sv},
        {"json7", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01112,\012\011\"payload\":\011{\012\011\011\"bom\":\0111\012\011}\012}\012"sv},
        {"json7", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":12,\"payload\":{\"bom\":1}}>12\012"sv},
        {"json7", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01112,\012\011\"payload\":\011\"\357\273\277{\\\"bom\\\":1}\"\012}\012"sv},
        {"json8", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":20,\"payload\":{\"s\":\"\360\237\230\200\"}}\012"sv},
        {"json8", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01120,\012\011\"payload\":\011{\012\011\011\"s\":\011\"\360\237\230\200\"\012\011}\012}\012"sv},
        {"json8", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":20,\"payload\":{\"s\":\"\360\237\230\200\"}}>20\012"sv},
        {"json8", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01120,\012\011\"payload\":\011\"{\\\"s\\\":\\\"\\\\ud83d\\\\ude00\\\"}\"\012}\012"sv},
        {"json9", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":\"\"}\012"sv},
        {"json9", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01111,\012\011\"payload\":\011\"\"\012}\012"sv},
        {"json9", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":11,\"payload\":\"\"}>11\012"sv},
        {"json9", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01111,\012\011\"payload\":\011\"\\\"\\\\u0000abc\\\"\"\012}\012"sv},
        {"json10", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":12,\"payload\":\"ab\"}\012"sv},
        {"json10", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01112,\012\011\"payload\":\011\"ab\"\012}\012"sv},
        {"json10", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":12,\"payload\":\"ab\"}>12\012"sv},
        {"json10", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01112,\012\011\"payload\":\011\"\\\"ab\\\\uzzzzcd\\\"\"\012}\012"sv},
        {"json11", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":71,\"payload\":1e+70}\012"sv},
        {"json11", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01171,\012\011\"payload\":\0111e+70\012}\012"sv},
        {"json11", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":71,\"payload\":1e+70}>71\012"sv},
        {"json11", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01171,\012\011\"payload\":\011\"10000000000000000000000000000000000000000000000000000000000000000000000\"\012}\012"sv},
        {"json12", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":{}}\012"sv},
        {"json12", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0114,\012\011\"payload\":\011{\012\011}\012}\012"sv},
        {"json12", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":4,\"payload\":{}}>4\012"sv},
        {"json12", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0114,\012\011\"payload\":\011\"\\u0001{}\\u0002\"\012}\012"sv},
        {"json13", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":10,\"payload\":\"raw\\u0001\\u001f\303\251\377\"}\012"sv},
        {"json13", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01110,\012\011\"payload\":\011\"raw\\u0001\\u001f\303\251\377\"\012}\012"sv},
        {"json13", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":10,\"payload\":\"raw\\u0001\\u001f\303\251\377\"}>10\012"sv},
        {"json13", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01110,\012\011\"payload\":\011\"\\\"raw\\u0001\\u001f\303\251\377\\\"\"\012}\012"sv},
        {"json14", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":35,\"payload\":{\"k\\n\":\"v\",\"k\\n\":[true,false,null]}}\012"sv},
        {"json14", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01135,\012\011\"payload\":\011{\012\011\011\"k\\n\":\011\"v\",\012\011\011\"k\\n\":\011[true, false, null]\012\011}\012}\012"sv},
        {"json14", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":35,\"payload\":{\"k\\n\":\"v\",\"k\\n\":[true,false,null]}}>35\012"sv},
        {"json14", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01135,\012\011\"payload\":\011\"{\\\"k\\\\n\\\":\\\"v\\\",\\\"k\\\\n\\\":[true,false,null]}\"\012}\012"sv},
        {"json15", "", "%J", "\012"sv},
        {"json15", "--pretty", "%J", "\012"sv},
        {"json15", "", "<%J>%l", "<>4\012"sv},
        {"json15", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0114,\012\011\"payload\":\011\"[1,]\"\012}\012"sv},
        {"json16", "", "%J", "\012"sv},
        {"json16", "--pretty", "%J", "\012"sv},
        {"json16", "", "<%J>%l", "<>4\012"sv},
        {"json16", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0114,\012\011\"payload\":\011\"\\\"\\\\x\\\"\"\012}\012"sv},
        {"json17", "", "%J", "\012"sv},
        {"json17", "--pretty", "%J", "\012"sv},
        {"json17", "", "<%J>%l", "<>8\012"sv},
        {"json17", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0118,\012\011\"payload\":\011\"\\\"\\\\ud800\\\"\"\012}\012"sv},
        {"json18", "", "%J", "\012"sv},
        {"json18", "--pretty", "%J", "\012"sv},
        {"json18", "", "<%J>%l", "<>1\012"sv},
        {"json18", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0111,\012\011\"payload\":\011\"-\"\012}\012"sv},
        {"json19", "", "%J", "\012"sv},
        {"json19", "--pretty", "%J", "\012"sv},
        {"json19", "", "<%J>%l", "<>2\012"sv},
        {"json19", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0112,\012\011\"payload\":\011\"1e\"\012}\012"sv},
        {"json20", "", "%J", "\012"sv},
        {"json20", "--pretty", "%J", "\012"sv},
        {"json20", "", "<%J>%l", "<>8\012"sv},
        {"json20", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0118,\012\011\"payload\":\011\"{\\\"a\\\":1,}\"\012}\012"sv},
        {"json21", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":[]}\012"sv},
        {"json21", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0112,\012\011\"payload\":\011[]\012}\012"sv},
        {"json21", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":[]}>2\012"sv},
        {"json21", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0112,\012\011\"payload\":\011\"[]\"\012}\012"sv},
        {"json22", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":{}}\012"sv},
        {"json22", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0112,\012\011\"payload\":\011{\012\011}\012}\012"sv},
        {"json22", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":2,\"payload\":{}}>2\012"sv},
        {"json22", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0112,\012\011\"payload\":\011\"{}\"\012}\012"sv},
        {"json23", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":19,\"payload\":0.3}\012"sv},
        {"json23", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01119,\012\011\"payload\":\0110.3\012}\012"sv},
        {"json23", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":19,\"payload\":0.3}>19\012"sv},
        {"json23", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01119,\012\011\"payload\":\011\"0.30000000000000004\"\012}\012"sv},
        {"json24", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":22,\"payload\":1.79769313486232e+308}\012"sv},
        {"json24", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01122,\012\011\"payload\":\0111.79769313486232e+308\012}\012"sv},
        {"json24", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":22,\"payload\":1.79769313486232e+308}>22\012"sv},
        {"json24", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01122,\012\011\"payload\":\011\"1.7976931348623157e308\"\012}\012"sv},
        {"json25", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":4.94065645841247e-324}\012"sv},
        {"json25", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0116,\012\011\"payload\":\0114.94065645841247e-324\012}\012"sv},
        {"json25", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":6,\"payload\":4.94065645841247e-324}>6\012"sv},
        {"json25", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0116,\012\011\"payload\":\011\"5e-324\"\012}\012"sv},
        {"json26", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":7,\"payload\":-1.5e-07}\012"sv},
        {"json26", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0117,\012\011\"payload\":\011-1.5e-07\012}\012"sv},
        {"json26", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":7,\"payload\":-1.5e-07}>7\012"sv},
        {"json26", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\0117,\012\011\"payload\":\011\"-1.5E-7\"\012}\012"sv},
        {"json27", "", "%J", "{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":26,\"payload\":[[[[1]]],{\"x\":[{\"y\":{}}]}]}\012"sv},
        {"json27", "--pretty", "%J", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01126,\012\011\"payload\":\011[[[[1]]], {\012\011\011\011\"x\":\011[{\012\011\011\011\011\011\"y\":\011{\012\011\011\011\011\011}\012\011\011\011\011}]\012\011\011}]\012}\012"sv},
        {"json27", "", "<%J>%l", "<{\"tst\":\"2021-03-04T05:06:07.123456Z+0000\",\"topic\":\"g/json\",\"qos\":0,\"retain\":0,\"payloadlen\":26,\"payload\":[[[[1]]],{\"x\":[{\"y\":{}}]}]}>26\012"sv},
        {"json27", "--pretty", "%j", "{\012\011\"tst\":\011\"2021-03-04T05:06:07.123456Z+0000\",\012\011\"topic\":\011\"g/json\",\012\011\"qos\":\0110,\012\011\"retain\":\0110,\012\011\"payloadlen\":\01126,\012\011\"payload\":\011\"[[[[1]]],{\\\"x\\\":[{\\\"y\\\":{}}]}]\"\012}\012"sv},
    };
    return table;
}
// clang-format on

}  // namespace mqtk::format_goldens
