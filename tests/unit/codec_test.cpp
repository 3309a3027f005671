// Unit tests for core/codec/: each codec's decode and encode, the "$bytes" form of binary
// values, malformed and hostile input (truncated, deeply nested), and the registry's names.
// Bytes made by other libraries (python's cbor2 and msgpack) are checked by the integration
// test tests/integration/codec_test.cpp; here the expected bytes are written out from the
// specifications (RFC 8949, the MessagePack spec).
#include "core/codec/codec.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "core/error.h"

namespace {

using namespace std::string_view_literals;
using nlohmann::json;

json decode(std::string_view codec, std::string_view payload) {
    return mqtk::make_codec(codec)->decode(payload);
}

std::string encode(std::string_view codec, const json& value) {
    return mqtk::make_codec(codec)->encode(value);
}

bool refuses(std::string_view codec, std::string_view payload) {
    try {
        decode(codec, payload);
        return false;
    } catch (const mqtk::DecodeError& error) {
        CHECK(std::string_view(error.what()).find('\n') == std::string_view::npos);
        return true;
    }
}

// The Usage error's one line, or "" when `value` encodes.
std::string encode_error(std::string_view codec, const json& value) {
    try {
        encode(codec, value);
        return "";
    } catch (const mqtk::Error& error) {
        CHECK(error.code() == mqtk::ExitCode::Usage);
        return error.what();
    }
}

}  // namespace

TEST_CASE("codec: json reads JSON text and writes it compactly") {
    CHECK(decode("json", R"({"a": [1, 2.5, "x", null, true]})") ==
          json::parse(R"({"a":[1,2.5,"x",null,true]})"));
    CHECK(encode("json", json::parse(R"({ "a" : [ 1 ] })")) == R"({"a":[1]})");
    CHECK(refuses("json", "{"));
    CHECK(refuses("json", "{} x"));
    CHECK(refuses("json", "\"\xff\""));  // not UTF-8
    CHECK(refuses("json", ""));
}

TEST_CASE("codec: cbor reads RFC 8949 items and writes what it reads") {
    // {"t": 21.5, "ok": true} as RFC 8949 spells it (a half float for 21.5)
    const auto bytes = "\xa2\x61t\xf9\x4d\x60\x62ok\xf5"sv;
    CHECK(decode("cbor", bytes) == json::parse(R"({"t":21.5,"ok":true})"));
    const json value = json::parse(R"({"n":[1,-2,3000000000],"s":"é"})");
    CHECK(decode("cbor", encode("cbor", value)) == value);
    CHECK(refuses("cbor", "\xa2\x61t"sv));  // truncated map
    CHECK(refuses("cbor", "\x01\x02"sv));   // trailing bytes
    CHECK(refuses("cbor", "\x1c"sv));       // reserved additional information
    CHECK(refuses("cbor", ""));
    CHECK(refuses("cbor", "\x9b\xff\xff\xff\xff\xff\xff\xff\xff"sv));  // 2^64-1 items, none there
}

TEST_CASE("codec: msgpack reads the MessagePack spec's items and writes what it reads") {
    const auto bytes = "\x82\xa1t\xcb\x40\x35\x80\0\0\0\0\0\xa2ok\xc3"sv;  // {"t":21.5,"ok":true}
    CHECK(decode("msgpack", bytes) == json::parse(R"({"t":21.5,"ok":true})"));
    const json value = json::parse(R"({"n":[1,-2,3000000000],"s":"é","z":{}})");
    CHECK(decode("msgpack", encode("msgpack", value)) == value);
    CHECK(refuses("msgpack", "\x82\xa1t"sv));
    CHECK(refuses("msgpack", "\xc1"sv));  // never used
    CHECK(refuses("msgpack", "\x01\x02"sv));
    CHECK(refuses("msgpack", "\xdd\xff\xff\xff\xff"sv));  // 2^32-1 items, none there
}

TEST_CASE("codec: byte strings are $bytes objects both ways, tags and ext types as $subtype") {
    // CBOR h'00ff' and 37(h'01'), MessagePack bin8 00 ff and fixext1 type -1 (0x01)
    CHECK(decode("cbor", "\x42\x00\xff"sv) == json::parse(R"({"$bytes":"AP8="})"));
    CHECK(decode("cbor", "\xd8\x25\x41\x01"sv) ==
          json::parse(R"({"$bytes":"AQ==","$subtype":37})"));
    CHECK(decode("msgpack", "\xc4\x02\x00\xff"sv) == json::parse(R"({"$bytes":"AP8="})"));
    CHECK(decode("msgpack", "\xd4\xff\x01"sv) == json::parse(R"({"$bytes":"AQ==","$subtype":-1})"));
    for (const auto* codec : {"cbor", "msgpack"}) {
        INFO(codec);
        const json value = json::parse(
            R"({"raw":{"$bytes":"AP8Q"},"typed":{"$bytes":"AQ==","$subtype":5},"list":[{"$bytes":""}]})");
        CHECK(decode(codec, encode(codec, value)) == value);
        // A map with other keys beside "$bytes" is a map.
        const json map = json::parse(R"({"$bytes":"AA==","other":1})");
        CHECK(decode(codec, encode(codec, map)) == map);
    }
    CHECK(encode("cbor", json::parse(R"({"$bytes":"AP8="})")) == "\x42\x00\xff"sv);
    CHECK(encode("msgpack", json::parse(R"({"$bytes":"AP8="})")) == "\xc4\x02\x00\xff"sv);
    // A tag on something else than a byte string (258, a set) is dropped, the value kept;
    // tags 0 to 5 (here 1, an epoch date) nlohmann-json 3.11 does not read.
    CHECK(decode("cbor", "\xd9\x01\x02\x82\x01\x02"sv) == json::parse("[1,2]"));
    CHECK(decode("cbor", "\xd8\x20\x61x"sv) == json("x"));  // 32("x"), a URI
    CHECK(refuses("cbor", "\xc1\x1a\x51\x4b\x67\xb0"sv));
}

TEST_CASE("codec: a malformed $bytes object names its field") {
    CHECK(encode_error("cbor", json::parse(R"({"a":[{"$bytes":"not base64"}]})")) ==
          "/a/0/$bytes: not base64 text (RFC 4648, padded)");
    CHECK(encode_error("msgpack", json::parse(R"({"$bytes":"AA==","$subtype":200})")) ==
          "/$subtype: a MessagePack ext type is an integer from -128 to 127");
    CHECK(encode_error("cbor", json::parse(R"({"$bytes":"AA==","$subtype":-1})")) ==
          "/$subtype: a CBOR tag is an integer from 0");
    CHECK(encode_error("cbor", json::parse(R"({"$bytes":5})")) ==
          "/$bytes: not base64 text (RFC 4648, padded)");
}

TEST_CASE("codec: hex and base64 decode to text, or to $bytes when the bytes are not text") {
    CHECK(decode("hex", "48690a") == json("Hi\n"));
    CHECK(decode("hex", "C3A9") == json("é"));
    CHECK(decode("hex", "00ff") == json::parse(R"({"$bytes":"AP8="})"));
    CHECK(decode("base64", "SGkK") == json("Hi\n"));
    CHECK(decode("base64", "AP8=") == json::parse(R"({"$bytes":"AP8="})"));
    CHECK(encode("hex", json("Hi\n")) == "48690a");
    CHECK(encode("hex", json::parse(R"({"$bytes":"AP8="})")) == "00ff");
    CHECK(encode("base64", json("Hi\n")) == "SGkK");
    CHECK(encode("base64", json::parse(R"({"$bytes":"AP8="})")) == "AP8=");
    CHECK(refuses("hex", "abc"));
    CHECK(refuses("hex", "zz"));
    CHECK(refuses("hex", "0 "));
    CHECK(refuses("base64", "SGk"));
    CHECK(refuses("base64", "SG k"));
    CHECK(encode_error("hex", json(5)) ==
          "hex encodes a JSON string or {\"$bytes\": \"<base64>\"}, not number");
    CHECK(encode_error("base64", json::parse(R"({"a":1})")) ==
          "base64 encodes a JSON string or {\"$bytes\": \"<base64>\"}, not this object");
}

TEST_CASE("codec: nesting deeper than 512 levels is refused, not a stack overflow") {
    for (const auto* codec : {"json", "cbor", "msgpack"}) {
        INFO(codec);
        const std::string_view open = codec == std::string_view("json")   ? "["
                                      : codec == std::string_view("cbor") ? "\x81"
                                                                          : "\x91";
        std::string deep;
        for (int i = 0; i < 200000; ++i)
            deep += open;
        CHECK(refuses(codec, deep));
        std::string fits;
        for (int i = 0; i < 512; ++i)
            fits += open;
        fits += codec == std::string_view("json") ? std::string("0") : std::string(1, '\0');
        if (codec == std::string_view("json")) fits += std::string(512, ']');
        CHECK_FALSE(refuses(codec, fits));
    }
}

TEST_CASE("codec: unknown names are usage errors listing the known ones") {
    for (const auto* name : {"yaml", "", "cbor:x", "JSON"}) {
        INFO(name);
        try {
            mqtk::make_codec(name);
            FAIL("accepted");
        } catch (const mqtk::Error& error) {
            CHECK(error.code() == mqtk::ExitCode::Usage);
        }
    }
    try {
        mqtk::make_codec("yaml");
    } catch (const mqtk::Error& error) {
        CHECK(std::string(error.what()) ==
              "unknown codec 'yaml' (known: json, cbor, msgpack, hex, base64, "
              "protobuf:FILE.proto:package.Message, sparkplug)");
    }
    CHECK(mqtk::make_codec("cbor")->name() == "cbor");
}
