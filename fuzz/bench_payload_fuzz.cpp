// Fuzzes the bench header decoder (core/bench/payload.h), which every bench subscriber runs
// on whatever arrives on its topics. A decoded header must encode back to the same 16
// bytes (but for the flag bits the decoder does not keep), and a payload made from it
// must decode to it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bench/payload.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view payload(reinterpret_cast<const char*>(data), size);
    const auto header = mqtk::decode_bench_header(payload);
    if (!header) return 0;
    MQTK_FUZZ_CHECK(size >= mqtk::kBenchHeaderSize);
    MQTK_FUZZ_CHECK(header->sent_ns <= mqtk::kBenchTimeMask);

    std::string again(payload);
    mqtk::encode_bench_header(*header, again);
    const auto flags_kept = [](char byte) { return static_cast<unsigned char>(byte) & 0xF1; };
    MQTK_FUZZ_CHECK(flags_kept(again[1]) == flags_kept(payload[1]));
    MQTK_FUZZ_CHECK(again.substr(2) == payload.substr(2));
    MQTK_FUZZ_CHECK(again[0] == payload[0]);

    const std::string made = mqtk::make_bench_payload(*header, size % 4096);
    MQTK_FUZZ_CHECK(mqtk::decode_bench_header(made) == header);
    MQTK_FUZZ_CHECK(mqtk::bench_latency_ns(header->sent_ns, header->sequence) <=
                    mqtk::kBenchTimeMask);
    return 0;
}
