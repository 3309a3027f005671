// paho_int4(): the int that Paho 1.3.12's signed writeInt4() writes as the intended four
// bytes, checked against a model of that function (and the model against the bytes seen
// on the wire before the workaround: -x -1 went out as 255).
#include "core/connection/private/paho_int4.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>

TEST_CASE("paho int4: the model writes what Paho 1.3.12 was seen to write") {
    // Captured from mqtk's CONNECT before the fix (session expiry -x VALUE).
    CHECK(mqtk::paho_written_int4(-1) == 0x000000FFU);  // 4294967295
    CHECK(mqtk::paho_written_int4(static_cast<std::int32_t>(0xFFFFFF00U)) == 0x0000FF00U);
    CHECK(mqtk::paho_written_int4(static_cast<std::int32_t>(0xFFFFFEFFU)) == 0x0000FFFFU);
    CHECK(mqtk::paho_written_int4(static_cast<std::int32_t>(0xFFFFFFFEU)) == 0x000000FEU);
    CHECK(mqtk::paho_written_int4(16777216) == 16777216U);
}

TEST_CASE("paho int4: every value reaches the wire intact, but 0x80000001..0x80FFFFFF") {
    const auto round_trip = [](std::uint32_t value) {
        return mqtk::paho_written_int4(mqtk::paho_int4(value));
    };
    CHECK(round_trip(0xFFFFFFFFU) == 0xFFFFFFFFU);  // -x -1: never expires
    for (const std::uint32_t value :
         {0U, 1U, 255U, 256U, 65535U, 65536U, 0x7FFFFFFFU, 0x80000000U, 0x81000000U, 0x81000001U,
          0xFEFEFEFFU, 0xFF000000U, 0xFF00FF00U, 0xFFFFFF00U, 0xFFFFFEFFU, 0xFFFFFFFEU}) {
        CAPTURE(value);
        CHECK(round_trip(value) == value);
    }
    // A sweep through the upper half, in steps that vary every byte.
    for (std::uint64_t value = 0x81000000U; value <= 0xFFFFFFFFU; value += 0x010101U * 7 + 3) {
        CAPTURE(value);
        REQUIRE(round_trip(static_cast<std::uint32_t>(value)) == value);
    }
    // The values no int can produce are sent as the nearest one below.
    CHECK(round_trip(0x80000001U) == 0x80000000U);
    CHECK(round_trip(0x80FFFFFFU) == 0x80000000U);
}
