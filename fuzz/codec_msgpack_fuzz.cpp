// Fuzzes the msgpack payload decoder (core/codec/msgpack.cpp): see fuzz/codec_fuzz.h for the check.
#include "fuzz/codec_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqtk::fuzz::fuzz_codec("msgpack", data, size);
}
