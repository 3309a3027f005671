// Named option sets from $XDG_CONFIG_HOME/mqtk/config or --config FILE: top-level keys
// apply to every command, a `[NAME]` section applies with --profile NAME. The file is read
// with CLI11's own config parser (TOML, or INI-style `key = value`); keys are the long
// option names (`host`, `port`, `cafile`, ...). The command line always wins.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace mqtk::cli {

struct ConfigFlags {
    std::string file;     // --config FILE
    std::string profile;  // --profile NAME
};

// Adds --config and --profile to `command`.
void add_config_flags(CLI::App& command, ConfigFlags& flags);

// After parsing: fills every option of `command` that the command line left unset from the
// config file (the explicit one, else the user's default if it exists). Throws
// mqtk::Error(Usage) for a missing explicit file, a bad file or an unknown profile.
void apply_config_file(CLI::App& command, const ConfigFlags& flags);

}  // namespace mqtk::cli
