// Encoding and decoding of the 16-byte bench header (layout in payload.h).
#include "core/bench/payload.h"

namespace mqtk {
namespace {

constexpr unsigned char kMagic = 0xB5;
constexpr unsigned kVersion = 1;
constexpr unsigned kWarmupFlag = 0x1;

void put(std::string& out, std::size_t at, std::uint64_t value, int bytes) noexcept {
    for (int i = 0; i < bytes; ++i)
        out[at + static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::uint64_t get(std::string_view in, std::size_t at, int bytes) noexcept {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
        const auto byte = static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
        value |= std::uint64_t{byte} << (8 * i);
    }
    return value;
}

}  // namespace

void encode_bench_header(const BenchHeader& header, std::string& payload) noexcept {
    payload[0] = static_cast<char>(kMagic);
    payload[1] = static_cast<char>((kVersion << 4) | (header.warmup ? kWarmupFlag : 0));
    put(payload, 2, header.run, 2);
    put(payload, 4, header.publisher, 2);
    put(payload, 6, header.sequence, 4);
    put(payload, 10, header.sent_ns & kBenchTimeMask, 6);
}

std::string make_bench_payload(const BenchHeader& header, std::size_t size) {
    std::string payload(std::max(size, kBenchHeaderSize), '\0');
    // A readable, compressible-but-not-trivial filler: "mqtk-bench-mqtk-bench-..."
    constexpr std::string_view kFiller = "mqtk-bench-";
    for (std::size_t i = kBenchHeaderSize; i < payload.size(); ++i)
        payload[i] = kFiller[(i - kBenchHeaderSize) % kFiller.size()];
    encode_bench_header(header, payload);
    return payload;
}

std::optional<BenchHeader> decode_bench_header(std::string_view payload) noexcept {
    if (payload.size() < kBenchHeaderSize) return std::nullopt;
    if (static_cast<unsigned char>(payload[0]) != kMagic) return std::nullopt;
    const auto version_flags = static_cast<unsigned char>(payload[1]);
    if ((version_flags >> 4) != kVersion) return std::nullopt;
    BenchHeader header;
    header.warmup = (version_flags & kWarmupFlag) != 0;
    header.run = static_cast<std::uint16_t>(get(payload, 2, 2));
    header.publisher = static_cast<std::uint16_t>(get(payload, 4, 2));
    header.sequence = static_cast<std::uint32_t>(get(payload, 6, 4));
    header.sent_ns = get(payload, 10, 6);
    return header;
}

}  // namespace mqtk
