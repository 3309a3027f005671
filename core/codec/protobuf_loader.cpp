// The registry's factories of `protobuf:FILE:MSG` and `sparkplug` (codecs.h), without
// linking libprotobuf: on first use, dlopen the module mqtk_protobuf.so
// (core/codec/protobuf_module.h) from the directory of the running binary (the build tree), then
// from ../lib/mqtk beside it (the installed layout, /usr/bin/mqtk and /usr/lib/mqtk/), and build
// the codec through its entry point. The module stays loaded for the life of the process: its
// codecs' code lives there.
#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/codec/codecs.h"
#include "core/codec/protobuf_module.h"
#include "core/error.h"

namespace mqtk {
namespace {

using Entry = decltype(&mqtk_protobuf_make_codec_v1);

std::vector<std::filesystem::path> module_candidates() {
    std::error_code ec;
    const auto binary_dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
    return {binary_dir / kProtobufModuleFile,
            (binary_dir / ".." / "lib" / "mqtk" / kProtobufModuleFile).lexically_normal()};
}

Entry load_entry() {
    const auto candidates = module_candidates();
    std::string tried;
    for (const auto& path : candidates) {
        if (!std::filesystem::exists(path)) {
            tried += (tried.empty() ? "" : " or ") + path.string();
            continue;
        }
        void* module = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (module == nullptr) throw usage_error("cannot load the protobuf codecs: {}", dlerror());
        if (auto* entry = dlsym(module, kProtobufModuleEntry))
            return reinterpret_cast<Entry>(entry);
        throw usage_error("cannot load the protobuf codecs: {} has no {}", path.string(),
                          kProtobufModuleEntry);
    }
    throw usage_error("the protobuf codecs are not installed: no {}", tried);
}

Entry entry() {
    static std::once_flag once;
    static Entry loaded = nullptr;
    std::call_once(once, [] { loaded = load_entry(); });  // retried next time if it threw
    return loaded;
}

std::unique_ptr<Codec> make(const char* file, const char* message,
                            const std::vector<std::string>& proto_paths) {
    std::vector<const char*> paths;
    for (const auto& path : proto_paths)
        paths.push_back(path.c_str());
    MqtkCodecError error{};
    Codec* codec = entry()(file, message, paths.data(), paths.size(), &error);
    if (codec == nullptr) {
        throw Error(error.usage ? ExitCode::Usage : ExitCode::Failure, error.message);
    }
    return std::unique_ptr<Codec>(codec);
}

}  // namespace

namespace codec {

std::unique_ptr<Codec> make_protobuf(std::string_view name, const CodecOptions& options) {
    // protobuf:FILE.proto:package.Message - the message name has no ':', the file may (a
    // path with colons), so split at the last one.
    const auto rest = name.substr(name.find(':') + 1);
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
        throw usage_error("codec 'protobuf' needs protobuf:FILE.proto:package.Message, not '{}'",
                          name);
    }
    return make(std::string(rest.substr(0, colon)).c_str(),
                std::string(rest.substr(colon + 1)).c_str(), options.proto_paths);
}

std::unique_ptr<Codec> make_sparkplug(std::string_view, const CodecOptions&) {
    return make(nullptr, nullptr, {});
}

}  // namespace codec
}  // namespace mqtk
