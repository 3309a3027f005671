// Fuzzes the base64 payload decoder (core/codec/base64.cpp): see fuzz/codec_fuzz.h for the check.
#include "fuzz/codec_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqtk::fuzz::fuzz_codec("base64", data, size);
}
