// Base64: the RFC 4648 section 10 test vectors, round trips of every byte value and length,
// and the strict decoder's refusals (length, padding, alphabet, pad bits).
#include "core/base64.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace {

struct Vector {
    std::string_view bytes;
    std::string_view text;
};

constexpr Vector kRfc4648Vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

std::string all_byte_values() {
    std::string bytes;
    for (int value = 0; value < 256; ++value)
        bytes += static_cast<char>(value);
    return bytes;
}

}  // namespace

TEST_CASE("base64 encodes and decodes the RFC 4648 test vectors") {
    for (const auto& vector : kRfc4648Vectors) {
        CAPTURE(vector.bytes);
        CHECK(mqtk::encode_base64(vector.bytes) == vector.text);
        CHECK(mqtk::decode_base64(vector.text) == std::string(vector.bytes));
    }
}

TEST_CASE("base64 uses the standard alphabet, '+' and '/' included") {
    CHECK(mqtk::encode_base64("\xfb\xff\xbf") == "+/+/");
    CHECK(mqtk::decode_base64("+/+/") == std::string("\xfb\xff\xbf"));
}

TEST_CASE("append_base64 appends") {
    std::string out = "x=";
    mqtk::append_base64("foo", out);
    CHECK(out == "x=Zm9v");
}

TEST_CASE("base64 round-trips every byte value and every short length") {
    const std::string bytes = all_byte_values();
    CHECK(mqtk::decode_base64(mqtk::encode_base64(bytes)) == bytes);
    for (std::size_t length = 0; length <= 64; ++length) {
        const std::string prefix = bytes.substr(256 - 64 - length / 2, length);
        CAPTURE(length);
        CHECK(mqtk::decode_base64(mqtk::encode_base64(prefix)) == prefix);
    }
}

TEST_CASE("base64 decoding is strict") {
    constexpr std::string_view kRejected[] = {
        "Zg",          // unpadded
        "Zg=",         // short padding
        "Zm9vY",       // length not a multiple of 4
        "=",           // padding alone
        "====",        // padding without data
        "Z===",        // one data character cannot make a byte
        "Zm=v",        // padding inside a quantum
        "Zg==Zg==",    // padding before the end
        "Zh==",        // non-zero pad bits (canonical would be "Zg==")
        "Zm9=",        // non-zero pad bits (canonical would be "Zm8=")
        "-_-_",        // base64url alphabet
        "Zm9v\n",      // line break
        " Zm9v",       // whitespace
        "Zm 9v",       // whitespace inside
        "Zm*v",        // not in the alphabet
        "Zm\xc3\xa9",  // non-ASCII
    };
    for (std::string_view text : kRejected) {
        CAPTURE(text);
        CHECK_FALSE(mqtk::decode_base64(text).has_value());
    }
    using namespace std::string_view_literals;
    CHECK_FALSE(mqtk::decode_base64("Zm9v\0AAA"sv).has_value());  // NUL
}
