// Named option sets (--profile) from $XDG_CONFIG_HOME/mqtk/config or --config FILE,
// read by CLI11's own config support (TOML/INI), one section per profile.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace mqtk::cli {

// The value of --profile in argv, found before parsing because CLI11 reads the config
// file during parsing and needs the section first. Empty when not given.
std::string find_profile(int argc, const char* const* argv);

// Adds --config to `command`, defaulting to the user's config file when it exists, and
// selects `profile`'s section (the top-level keys when empty).
void use_config_file(CLI::App& command, const std::string& profile);

}  // namespace mqtk::cli
