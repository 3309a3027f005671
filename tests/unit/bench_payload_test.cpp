// The bench header: byte layout, round trips at the field limits, the 48-bit clock
// arithmetic, and rejection of payloads that are not bench messages.
#include <doctest/doctest.h>

#include <string>

#include "core/bench/payload.h"

namespace {

using mqtk::BenchHeader;
using mqtk::decode_bench_header;
using mqtk::kBenchHeaderSize;

TEST_CASE("the header is 16 bytes and round-trips every field") {
    CHECK(kBenchHeaderSize == 16);
    BenchHeader header;
    header.run = 0xBEEF;
    header.publisher = 65535;
    header.sequence = 0xFFFFFFFFu;
    header.sent_ns = (std::uint64_t{1} << 48) - 1;
    header.warmup = true;
    const std::string payload = mqtk::make_bench_payload(header, 16);
    REQUIRE(payload.size() == 16);
    const auto decoded = decode_bench_header(payload);
    REQUIRE(decoded);
    CHECK(*decoded == header);
}

TEST_CASE("the layout is little-endian at fixed offsets") {
    BenchHeader header;
    header.run = 0x0102;
    header.publisher = 0x0304;
    header.sequence = 0x05060708;
    header.sent_ns = 0x090A0B0C0D0E;
    const std::string p = mqtk::make_bench_payload(header, 16);
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(p[i]); };
    CHECK(byte(0) == 0xB5);
    CHECK(byte(1) == 0x10);  // version 1, no flags
    CHECK(byte(2) == 0x02);
    CHECK(byte(3) == 0x01);
    CHECK(byte(4) == 0x04);
    CHECK(byte(6) == 0x08);
    CHECK(byte(9) == 0x05);
    CHECK(byte(10) == 0x0E);
    CHECK(byte(15) == 0x09);
}

TEST_CASE("only the low 48 bits of the send time travel") {
    BenchHeader header;
    header.sent_ns = (std::uint64_t{7} << 48) | 12345;
    const auto decoded = decode_bench_header(mqtk::make_bench_payload(header, 16));
    REQUIRE(decoded);
    CHECK(decoded->sent_ns == 12345);
}

TEST_CASE("latency is computed modulo 2^48, across the wrap") {
    const std::uint64_t wrap = std::uint64_t{1} << 48;
    CHECK(mqtk::bench_latency_ns(1000, 1500) == 500);
    // Sent just before the 48-bit clock wrapped, received just after.
    const std::uint64_t sent = (wrap - 100) & mqtk::kBenchTimeMask;
    CHECK(mqtk::bench_latency_ns(sent, 5 * wrap + 50) == 150);
}

TEST_CASE("the filler follows the header and the size is honoured") {
    const std::string p = mqtk::make_bench_payload({}, 64);
    CHECK(p.size() == 64);
    CHECK(p.substr(16, 11) == "mqtk-bench-");
    // A smaller size still carries the whole header.
    CHECK(mqtk::make_bench_payload({}, 3).size() == 16);
}

TEST_CASE("encoding in place changes only the header") {
    std::string p = mqtk::make_bench_payload({}, 40);
    const std::string tail = p.substr(16);
    BenchHeader next;
    next.sequence = 99;
    next.warmup = true;
    mqtk::encode_bench_header(next, p);
    CHECK(p.substr(16) == tail);
    CHECK(decode_bench_header(p)->sequence == 99);
    CHECK(decode_bench_header(p)->warmup);
}

TEST_CASE("payloads that are not bench messages are rejected") {
    std::string good = mqtk::make_bench_payload({}, 16);
    CHECK(decode_bench_header(good));
    CHECK_FALSE(decode_bench_header(""));
    CHECK_FALSE(decode_bench_header(good.substr(0, 15)));  // too short
    CHECK_FALSE(decode_bench_header("hello, world, this is text"));
    std::string bad_magic = good;
    bad_magic[0] = 'x';
    CHECK_FALSE(decode_bench_header(bad_magic));
    std::string bad_version = good;
    bad_version[1] = static_cast<char>(0x20);
    CHECK_FALSE(decode_bench_header(bad_version));
}

}  // namespace
