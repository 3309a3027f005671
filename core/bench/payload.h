// The bench header at the start of every bench payload: who sent it, its place in that
// publisher's sequence, and when it was (meant to be) sent. Subscribers validate it and
// derive loss, duplicates, reordering and end-to-end latency from it.
//
// 16 bytes, little-endian, so that even the 16-byte payloads of the speed comparison
// carry it:
//   0      magic 0xB5
//   1      version (high nibble, 1) | flags (low nibble; bit 0: warm-up message)
//   2-3    run tag: tells this run's messages from stale or foreign ones
//   4-5    publisher index (global over all shards)
//   6-9    sequence number within that publisher, from 0
//   10-15  send time: monotonic_ns() modulo 2^48 (78 hours); in open loop the intended
//          time on the schedule, not the moment the message actually left
// The rest of the payload is filler. Latency is (receive time - send time) modulo 2^48,
// meaningful only when publisher and subscriber share a machine's monotonic clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqtk {

inline constexpr std::size_t kBenchHeaderSize = 16;
inline constexpr std::uint64_t kBenchTimeMask = (std::uint64_t{1} << 48) - 1;

struct BenchHeader {
    std::uint16_t run = 0;
    std::uint16_t publisher = 0;
    std::uint32_t sequence = 0;
    std::uint64_t sent_ns = 0;  // only the low 48 bits travel
    bool warmup = false;

    friend bool operator==(const BenchHeader&, const BenchHeader&) = default;
};

// Writes the header into the first kBenchHeaderSize bytes of `payload` (which must be at
// least that long); the hot path, allocation-free.
void encode_bench_header(const BenchHeader& header, std::string& payload) noexcept;

// A payload of `size` bytes (>= kBenchHeaderSize): the header, then a filler pattern.
std::string make_bench_payload(const BenchHeader& header, std::size_t size);

// The header of a payload, or nothing when it is too short or its magic or version is
// wrong. sent_ns holds the 48 transmitted bits.
std::optional<BenchHeader> decode_bench_header(std::string_view payload) noexcept;

// Nanoseconds from a transmitted 48-bit send time to `now_ns`, modulo 2^48.
inline std::uint64_t bench_latency_ns(std::uint64_t sent_ns, std::uint64_t now_ns) noexcept {
    return (now_ns - sent_ns) & kBenchTimeMask;
}

}  // namespace mqtk
