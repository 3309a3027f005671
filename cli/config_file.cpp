// Config-file wiring for CLI11: default path, profile section, unknown keys ignored (a
// profile may hold keys for other commands, e.g. `topic` that bench does not take).
#include "cli/config_file.h"

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace mqtk::cli {
namespace {

std::string default_config_path() {
    namespace fs = std::filesystem;
    fs::path base;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) {
        base = xdg;
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        base = fs::path(home) / ".config";
    } else {
        return {};
    }
    return (base / "mqtk" / "config").string();
}

}  // namespace

std::string find_profile(int argc, const char* const* argv) {
    constexpr std::string_view flag = "--profile";
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == flag && i + 1 < argc) return argv[i + 1];
        if (arg.size() > flag.size() && arg.substr(0, flag.size() + 1) == "--profile=") {
            return std::string(arg.substr(flag.size() + 1));
        }
    }
    return {};
}

void use_config_file(CLI::App& command, const std::string& profile) {
    const std::string path = default_config_path();
    const bool exists = !path.empty() && std::filesystem::exists(path);
    command.set_config("--config", exists ? path : "", "Read options from FILE (TOML or INI)");
    command.allow_config_extras(CLI::config_extras_mode::ignore);
    if (!profile.empty()) command.get_config_formatter_base()->section(profile);
}

}  // namespace mqtk::cli
