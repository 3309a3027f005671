// The C boundary between mqtk and its protobuf module (mqtk_protobuf.so, built from
// core/codec/protobuf_module.cpp): the one function the module exports, which
// core/codec/protobuf_loader.cpp finds with dlsym. libprotobuf costs every process that
// links it start-up time, so only a run that uses --decode/--encode protobuf or sparkplug
// loads it. Creation reports failure through MqtkCodecError instead of an exception; the
// Codec it returns throws DecodeError and mqtk::Error as any codec does (their typeinfo
// is matched by name across the two objects).
#pragma once

#include <cstddef>

namespace mqtk {
class Codec;
}

extern "C" {

struct MqtkCodecError {
    int usage;           // 1: mqtk::Error(Usage); 0: anything else
    char message[1024];  // one line, NUL-terminated
};

// file == nullptr: the Sparkplug B codec; otherwise protobuf:FILE:MESSAGE with the
// --proto-path directories. Returns a Codec the caller owns, or nullptr with *error set.
// The name carries a version: a module from another build is refused at dlsym.
mqtk::Codec* mqtk_protobuf_make_codec_v1(const char* file, const char* message,
                                         const char* const* proto_paths,
                                         std::size_t proto_path_count, MqtkCodecError* error);
}

namespace mqtk {
inline constexpr const char* kProtobufModuleEntry = "mqtk_protobuf_make_codec_v1";
inline constexpr const char* kProtobufModuleFile = "mqtk_protobuf.so";
}  // namespace mqtk
