// The protobuf module's entry point (core/codec/protobuf_module.h): builds the protobuf or
// Sparkplug codec of core/codec/protobuf.h and turns any exception into an MqtkCodecError,
// since none may cross the C boundary at creation.
#include "core/codec/protobuf_module.h"

#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "core/codec/protobuf.h"
#include "core/error.h"

namespace {

void report(MqtkCodecError* error, bool usage, const char* message) {
    error->usage = usage ? 1 : 0;
    std::strncpy(error->message, message, sizeof error->message - 1);
    error->message[sizeof error->message - 1] = '\0';
}

}  // namespace

extern "C" __attribute__((visibility("default"))) mqtk::Codec* mqtk_protobuf_make_codec_v1(
    const char* file, const char* message, const char* const* proto_paths,
    std::size_t proto_path_count, MqtkCodecError* error) {
    try {
        if (file == nullptr) return mqtk::make_sparkplug_codec().release();
        mqtk::CodecOptions options;
        options.proto_paths.assign(proto_paths, proto_paths + proto_path_count);
        return mqtk::make_protobuf_codec(file, message, options).release();
    } catch (const mqtk::Error& e) {
        report(error, e.code() == mqtk::ExitCode::Usage, e.what());
    } catch (const std::exception& e) {
        report(error, false, e.what());
    } catch (...) {
        report(error, false, "unknown error in the protobuf module");
    }
    return nullptr;
}
